"""Routing: commands, buttons and free text, in private chats and the staff group."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.conversation.context import Ctx
from handlers.conversation.flow import FlowRegistry
from handlers.conversation.messages import Reply
from handlers.conversation.redact import for_group
from handlers.party import (
    faq,
    followup,
    human,
    intake,
    menu,
    midflow,
    mydata,
    party_docs,
    respondent,
    status,
)
from handlers.staff import buttons as staff_buttons
from handlers.staff import commands_all  # noqa: F401  (registers the staff commands)
from handlers.staff import registry as staff_registry

Command = Callable[[Ctx, str], Awaitable[list[Reply]]]

# Steps whose answer is free text: a question mark there is part of the answer.


def register_flows(registry: FlowRegistry) -> None:
    from handlers.party import dispute

    registry.add(dispute.FLOW)
    registry.add(respondent.BIND_FLOW)
    registry.add(human.HUMAN_FLOW)
    registry.add(followup.COMMENT_FLOW)
    registry.draft_waiting = menu.resume_offer


async def cmd_start(ctx: Ctx, arg: str) -> list[Reply]:
    entry = ctx.inbound.entry_source or arg
    if entry:  # a QR code or link opened the bot: remember where the person came from
        ctx.set_answer("_entry", entry[:100])
    resume = await menu.offer_resume(ctx)
    return resume or menu.main_menu(ctx)


async def cmd_help(ctx: Ctx, arg: str) -> list[Reply]:
    return menu.help_text(ctx)


async def cmd_cancel(ctx: Ctx, arg: str) -> list[Reply]:
    """/cancel stops what the person is doing. On an application (in progress, or waiting
    while nothing else runs) it asks before deleting; any other flow just ends, and a parked
    application is offered again."""
    flows = ctx.core.flows
    if flows.holds_draft(ctx) or (not ctx.conv.flow and menu.has_draft(ctx)):
        return menu.confirm_discard(ctx)
    if not ctx.conv.flow:
        return [Reply(ctx.t("There is nothing to cancel."), buttons=menu.menu_button(ctx))]
    if menu.has_draft(ctx):  # a detour (/human, /bind, …) beside a parked application
        flows.end(ctx)
        return [Reply(ctx.t("Stopped.")), *menu.resume_offer(ctx)]
    await intake.discard_draft(ctx)
    flows.end(ctx)
    return [
        Reply(
            ctx.t("Cancelled. Nothing was filed and your draft answers were deleted."),
            buttons=menu.menu_button(ctx),
        )
    ]


async def cmd_back(ctx: Ctx, arg: str) -> list[Reply]:
    replies = await ctx.core.flows.back(ctx)
    if replies is None:
        return [Reply(ctx.t("There is no earlier question to go back to."))] + (
            await ctx.core.flows.reask(ctx) or menu.main_menu(ctx)
        )
    return replies


async def cmd_lang(ctx: Ctx, arg: str) -> list[Reply]:
    return menu.language(ctx, arg)


async def cmd_status(ctx: Ctx, arg: str) -> list[Reply]:
    return await status.my_cases(ctx)


async def cmd_bind(ctx: Ctx, arg: str) -> list[Reply]:
    return await ctx.core.flows.begin(ctx, respondent.BIND_FLOW.name)


async def cmd_human(ctx: Ctx, arg: str) -> list[Reply]:
    return await ctx.core.flows.begin(ctx, human.HUMAN_FLOW.name)


COMMANDS: dict[str, Command] = {
    "human": cmd_human,
    "mycopy": party_docs.my_copy,
    "mydata": mydata.my_data,
    "correct": mydata.correct,
    "erase": mydata.erase,
    "start": cmd_start,
    "menu": cmd_start,
    "help": cmd_help,
    "cancel": cmd_cancel,
    "back": cmd_back,
    "lang": cmd_lang,
    "status": cmd_status,
    "bind": cmd_bind,
}


async def dispatch(ctx: Ctx) -> list[Reply]:
    inbound = ctx.inbound
    if inbound.addressed_elsewhere:  # '/accept@other_bot 1': for another bot in the chat
        return []
    if inbound.chat_kind == "group":
        return [] if inbound.blank else for_group(await _group(ctx))  # typed numbers masked
    if inbound.blank:  # only zero-width / control characters: nothing to take as an answer
        empty = ctx.t(
            "Your message looked empty to me (it held only invisible characters). "
            "Please type it again in words."
        )
        return [Reply(empty), *(await ctx.core.flows.reask(ctx) or menu.main_menu(ctx))]
    if inbound.button is not None:
        return await _button(ctx, inbound.button)
    if inbound.is_command:
        name, arg = inbound.command
        command = COMMANDS.get(name)
        if name == "help" and await staff_registry.staff_member(ctx) is not None:
            return menu.help_text(ctx) + (await staff_registry.run(ctx, "help", "") or [])
        if command is None:
            staff_replies = await staff_registry.run(ctx, name, arg)
            if staff_replies is not None:
                return staff_replies
            return [
                Reply(
                    ctx.t(
                        "I don't know the command /{name}. Type /help to see what I can do, "
                        "or /start for the menu.",
                        name=name[:30],
                    )
                )
            ]
        return await command(ctx, arg)
    if _only_unsupported_media(ctx):
        note = ctx.t(
            "Sorry, I cannot listen to voice messages or watch videos. Please type your "
            "message instead; for evidence, send photos or documents."
        )
        return [Reply(note), *(await ctx.core.flows.reask(ctx))]
    if ctx.conv.flow:
        # A question in the middle of a flow is answered and the step asked again
        # (handlers/midflow.py); at free-text steps it is never saved as the answer.
        detour = await midflow.intercept(ctx)
        if detour is not None:
            return detour
        return await ctx.core.flows.advance(ctx)
    if inbound.attachments or inbound.refused:
        return [
            Reply(
                ctx.t(
                    "Thank you. Files can be added as evidence while you file a dispute: "
                    "choose \u201cFile a dispute\u201d in the menu first."
                ),
                buttons=menu.menu_button(ctx),
            )
        ]
    answered, replies = await faq.answer(ctx, inbound.text)
    if answered or len(inbound.text.strip()) >= 6:
        return replies
    return menu.free_text_outside_flow(ctx)  # "hi", "ok": show what the bot can do


def _only_unsupported_media(ctx: Ctx) -> bool:
    inbound = ctx.inbound
    return (
        not inbound.text
        and not inbound.attachments
        and any(r.reason == "unsupported" for r in inbound.refused)
    )


async def _button(ctx: Ctx, payload: str) -> list[Reply]:
    kind, _, rest = payload.partition(":")
    if kind == "m":
        return await menu.on_menu(ctx, rest)
    if kind == "lang":
        return menu.language(ctx, rest)
    if kind == "r":
        return await menu.on_resume(ctx, rest)
    if kind == "case":
        return await respondent.on_case_button(ctx, rest)
    if kind == "fu":
        return await followup.on_fulfilment(ctx, rest)
    if kind == "sv":
        return await followup.on_survey(ctx, rest)
    if kind == "faq":
        return await faq.on_button(ctx, rest)
    if kind == "qa":
        return await midflow.on_button(ctx, rest)
    if kind == "st":
        return await staff_buttons.on_button(ctx, rest)
    if kind == "s":
        step, _, value = rest.partition(":")
        if ctx.conv.flow and step == ctx.conv.step:
            ctx.choice = value
            return await ctx.core.flows.advance(ctx)
        reask = await ctx.core.flows.reask(ctx)
        note = ctx.t("That button belongs to an earlier question.")
        return [Reply(note), *(reask or menu.main_menu(ctx))]
    return [Reply(ctx.t("That button is no longer in use.")), *menu.main_menu(ctx)]


async def _group(ctx: Ctx) -> list[Reply]:
    """In a group the bot answers staff actions and commands only; chatter is ignored."""
    inbound = ctx.inbound
    if inbound.button is not None and inbound.button.startswith("st:"):
        return await staff_buttons.on_button(ctx, inbound.button[3:])
    if not inbound.is_command:
        person_id = human.referenced_person(inbound.reply_to_text)
        if person_id is None or not inbound.text.strip():
            return []  # chatter in the group is not for the bot
        staff, refusal = await staff_registry.authorize(ctx, staff_registry.COMMANDS["reply"])
        if staff is None:
            return refusal
        return await human.staff_reply(ctx, staff, person_id, inbound.text.strip())
    name, arg = inbound.command
    if name == "start":
        name = "help"
    staff_replies = await staff_registry.run(ctx, name, arg)
    if staff_replies is not None:
        return staff_replies
    if name in COMMANDS:
        return [
            Reply(
                ctx.t(
                    "To protect your privacy, please talk to me in a private chat, not in a group."
                )
            )
        ]
    return []
