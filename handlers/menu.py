"""The main menu, help, language and resuming an unfinished application."""

from __future__ import annotations

from handlers import respondent, status
from handlers.context import Ctx
from handlers.i18n import LOCALES
from handlers.messages import Button, Reply, grid

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def menu_button(ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    return ((Button(ctx.t("Main menu"), "m:home"),),)


def main_menu(ctx: Ctx) -> list[Reply]:
    t = ctx.t
    text = t(
        "Hello, this is the {center} of {district}. Mediation here is free of charge.\n"
        "I can check whether the center can take your dispute, file it for you, "
        "answer legal questions and tell you how your case is going. What would you like to do?",
        center=ctx.settings.center.name,
        district=ctx.settings.center.district,
    )
    items = [
        Button(t("Can the center help me?"), "m:check"),
        Button(t("File a dispute"), "m:file"),
        Button(t("Ask a legal question"), "m:faq"),
        Button(t("My cases"), "m:status"),
        Button(t("I am named in a case"), "m:bind"),
        Button(t("Language / 语言"), "m:lang"),
        Button(t("Talk to a person"), "m:human"),
    ]
    return [Reply(text, buttons=grid(items, per_row=2))]


def help_text(ctx: Ctx) -> list[Reply]:
    t = ctx.t
    lines = [
        t("What I can do:"),
        t("/start — the main menu"),
        t("/status — your cases and what happens next"),
        t("/bind — link a case that names you (you need the case number and a code)"),
        t("/human — write to the center's staff"),
        t("/mycopy — copies of your documents (application, agreement)"),
        t("/mydata — a copy of your personal data; /correct and /erase to change or delete it"),
        t("/back — go back one question"),
        t("/cancel — stop what you are doing"),
        t("/lang — change the language"),
        t("/help — this list"),
    ]
    if ctx.settings.center.phone:
        lines.append(
            t("To speak to a person, call the center: {phone}", phone=ctx.settings.center.phone)
        )
    else:
        lines.append(t("To speak to a person, visit the center in person during office hours."))
    return [Reply("\n".join(lines), buttons=menu_button(ctx))]


def language(ctx: Ctx, choice: str) -> list[Reply]:
    choice = choice.strip().replace("-", "_")
    aliases = {"zh": "zh_CN", "cn": "zh_CN", "中文": "zh_CN", "english": "en"}
    choice = aliases.get(choice.lower(), choice)
    if choice in LOCALES:
        ctx.person.locale = choice
        ctx.t = ctx.core.translator(choice)
        replies = [Reply(ctx.t("Language set to English."))]
        return replies + main_menu(ctx)
    buttons = grid([Button(name, f"lang:{code}") for code, name in LANGUAGE_NAMES.items()])
    return [Reply(ctx.t("Choose a language:"), buttons=buttons)]


async def on_menu(ctx: Ctx, item: str) -> list[Reply]:
    flows = ctx.core.flows
    if item == "check":
        return await flows.begin(ctx, "dispute", {"mode": "check"})
    if item == "file":
        resume = await offer_resume(ctx)
        return resume or await flows.begin(ctx, "dispute", {"mode": "file"})
    if item == "faq":
        from handlers import faq

        if ctx.conv.flow:
            flows.end(ctx)
        return faq.prompt(ctx)
    if item == "status":
        return await status.my_cases(ctx)
    if item == "bind":
        return await flows.begin(ctx, respondent.BIND_FLOW.name)
    if item == "lang":
        return language(ctx, "")
    if item == "human":
        return await flows.begin(ctx, "human")
    if ctx.conv.flow:
        flows.end(ctx)
    return main_menu(ctx)


async def offer_resume(ctx: Ctx) -> list[Reply] | None:
    """An unfinished application: offer to continue or start over."""
    if ctx.conv.flow != "dispute" or not ctx.conv.answers.get("consent"):
        return None
    text = ctx.t(
        "You have an unfinished application, last changed {when}. "
        "Would you like to continue where you left off, or start over?",
        when=ctx.t.datetime(ctx.conv.updated_at),
    )
    buttons = grid(
        [Button(ctx.t("Continue"), "r:continue"), Button(ctx.t("Start over"), "r:restart")]
    )
    return [Reply(text, buttons=buttons)]


async def on_resume(ctx: Ctx, choice: str) -> list[Reply]:
    from handlers import intake

    if ctx.conv.flow != "dispute":
        return main_menu(ctx)
    if choice == "continue":
        return await ctx.core.flows.reask(ctx)
    await intake.discard_draft(ctx)
    return await ctx.core.flows.begin(ctx, "dispute", {"mode": "file"})


def free_text_outside_flow(ctx: Ctx) -> list[Reply]:
    return [
        Reply(ctx.t("Please choose from the menu below, or type your question in a sentence.")),
        *main_menu(ctx),
    ]
