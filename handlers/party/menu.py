"""The main menu, help, language and resuming an unfinished application."""

from __future__ import annotations

from datetime import datetime

from handlers.conversation.context import Ctx
from handlers.conversation.i18n import LOCALES
from handlers.conversation.messages import Button, Reply, grid
from handlers.party import faq, intake_form, respondent, status

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def menu_button(ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    return ((Button(ctx.t("Main menu"), "m:home"),),)


def main_menu(ctx: Ctx) -> list[Reply]:
    t = ctx.t
    text = t(
        "Hello, this is the {center}. Mediation here is free of charge.\n"
        "I can check whether the center can take your dispute, file it for you, "
        "answer legal questions and tell you how your case is going. What would you like to do?",
        center=ctx.settings.center.display_name(t.locale),
    )
    items = [Button(t("Continue my application"), "r:continue")] if has_draft(ctx) else []
    items += [
        Button(t("Can the center help me?"), "m:check"),
        Button(t("File a dispute"), "m:file"),
        Button(t("Ask a legal question"), "m:faq"),
        Button(t("My cases"), "m:status"),
        Button(t("I am named in a case"), "m:bind"),
        Button(t("Language / 语言"), "m:lang"),
        Button(t("Talk to a person"), "m:human"),
        Button(t("Policy updates and cases"), "sub:menu"),
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
        t("/roster — the center's mediators"),
        t("/mydata — a copy of your personal data; /correct and /erase to change or delete it"),
        t("/back — go back one question"),
        t("/cancel — stop what you are doing"),
        t("/lang — change the language"),
        t("/subscribe — policy updates and typical cases; /unsubscribe to stop them"),
        t("/help — this list"),
    ]
    if ctx.settings.center.phone:
        lines.append(
            t("To speak to a person, call the center: {phone}", phone=ctx.settings.center.phone)
        )
    else:
        lines.append(t("To speak to a person, send /human: the center's staff answer you here."))
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
        if ctx.conv.flow:
            flows.leave(ctx)
        return faq.prompt(ctx) + draft_note(ctx)
    if item == "status":
        return await status.my_cases(ctx)
    if item == "bind":
        return await flows.begin(ctx, respondent.BIND_FLOW.name)
    if item == "lang":
        return language(ctx, "")
    if item == "human":
        return await flows.begin(ctx, "human")
    if ctx.conv.flow:
        flows.leave(ctx)
    return main_menu(ctx)


def has_draft(ctx: Ctx) -> bool:
    """An unfinished application is waiting (parked while the person did something else)."""
    return ctx.core.flows.parked(ctx) is not None


def resume_offer(ctx: Ctx) -> list[Reply]:
    """An unfinished application (in progress or parked): continue or start over; [] if none."""
    parked = ctx.core.flows.parked(ctx)
    if parked is not None:
        when = datetime.fromisoformat(parked["updated_at"])
    elif ctx.core.flows.holds_draft(ctx):
        when = ctx.conv.updated_at
    else:
        return []
    text = ctx.t(
        "You have an unfinished application, last changed {when}. "
        "Would you like to continue where you left off, or start over?",
        when=ctx.t.datetime(when),
    )
    buttons = grid(
        [Button(ctx.t("Continue"), "r:continue"), Button(ctx.t("Start over"), "r:restart")]
    )
    return [Reply(text, buttons=buttons)]


async def offer_resume(ctx: Ctx) -> list[Reply] | None:
    return resume_offer(ctx) or None


def draft_note(ctx: Ctx) -> list[Reply]:
    """A one-line reminder that a parked application waits, with the way back."""
    if not has_draft(ctx):
        return []
    text = ctx.t("Your unfinished application is kept. Press Continue to go back to it.")
    return [Reply(text, buttons=grid([Button(ctx.t("Continue"), "r:continue")]))]


def confirm_discard(ctx: Ctx) -> list[Reply]:
    """Deleting an application is never one tap away: ask first."""
    text = ctx.t(
        "Delete your unfinished application? Your answers and the evidence you sent will be "
        "deleted and nothing will be filed."
    )
    buttons = grid(
        [
            Button(ctx.t("Yes, delete it"), "r:discard"),
            Button(ctx.t("No, keep it"), "r:continue"),
        ]
    )
    return [Reply(text, buttons=buttons)]


async def on_resume(ctx: Ctx, choice: str) -> list[Reply]:
    """The buttons of an unfinished application: continue, start over, delete (confirmed)."""
    flows = ctx.core.flows
    if choice == "continue":
        if has_draft(ctx):
            flows.unpark(ctx)
        if ctx.conv.flow == "dispute":
            return await flows.reask(ctx)
        return main_menu(ctx)
    if choice == "discard":
        if not (has_draft(ctx) or flows.holds_draft(ctx)):
            return [Reply(ctx.t("There is nothing to cancel."), buttons=menu_button(ctx))]
        await intake_form.discard_draft(ctx)
        if (current := flows.current(ctx)) and current[0].name == "dispute":
            flows.end(ctx)
        text = ctx.t("Cancelled. Nothing was filed and your draft answers were deleted.")
        return [Reply(text, buttons=menu_button(ctx))]
    if choice == "restart" and (has_draft(ctx) or ctx.conv.flow == "dispute"):
        await intake_form.discard_draft(ctx)
        return await flows.begin(ctx, "dispute", {"mode": "file"})
    return main_menu(ctx)


def free_text_outside_flow(ctx: Ctx) -> list[Reply]:
    return [
        Reply(ctx.t("Please choose from the menu below, or type your question in a sentence.")),
        *main_menu(ctx),
    ]
