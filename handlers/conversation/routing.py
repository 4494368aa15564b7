"""Routing: commands, buttons and free text, in private chats and the staff group.

What each command, button or flow does is registered by party/ and staff/
(handlers/conversation/registry.py); this module only decides who gets a message.
"""

from __future__ import annotations

from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.conversation.redact import for_group
from handlers.conversation.registry import FEATURES


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
        return [
            Reply(empty),
            *(await ctx.core.flows.reask(ctx) or FEATURES.party_side.main_menu(ctx)),
        ]
    if inbound.button is not None:
        return await _button(ctx, inbound.button)
    if inbound.is_command:
        name, arg = inbound.command
        command = FEATURES.commands.get(name)
        if name == "help" and await _is_staff(ctx):
            return FEATURES.party_side.help(ctx) + (await _run_staff(ctx, "help", "") or [])
        if command is None:
            staff_replies = await _run_staff(ctx, name, arg)
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
        # (handlers/party/midflow.py); at free-text steps it is never saved as the answer.
        detour = await FEATURES.party_side.detour(ctx)
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
                buttons=FEATURES.party_side.menu_button(ctx),
            )
        ]
    return await FEATURES.party_side.free_text(ctx)  # a legal question, or "hi"


def _only_unsupported_media(ctx: Ctx) -> bool:
    inbound = ctx.inbound
    return (
        not inbound.text
        and not inbound.attachments
        and any(r.reason == "unsupported" for r in inbound.refused)
    )


async def _button(ctx: Ctx, payload: str) -> list[Reply]:
    kind, _, rest = payload.partition(":")
    if kind == "s":
        step, _, value = rest.partition(":")
        if ctx.conv.flow and step == ctx.conv.step:
            ctx.choice = value
            return await ctx.core.flows.advance(ctx)
        reask = await ctx.core.flows.reask(ctx)
        note = ctx.t("That button belongs to an earlier question.")
        return [Reply(note), *(reask or FEATURES.party_side.main_menu(ctx))]
    handler = FEATURES.buttons.get(kind)
    if handler is not None:
        return await handler(ctx, rest)
    return [
        Reply(ctx.t("That button is no longer in use.")),
        *FEATURES.party_side.main_menu(ctx),
    ]


async def _group(ctx: Ctx) -> list[Reply]:
    """In a group the bot answers staff actions and commands only; chatter is ignored."""
    inbound = ctx.inbound
    if inbound.button is not None and inbound.button.startswith("st:"):
        return await FEATURES.buttons["st"](ctx, inbound.button[3:])
    if not inbound.is_command:
        return await FEATURES.staff.group_text(ctx) if FEATURES.staff else []
    name, arg = inbound.command
    if name == "start":
        name = "help"
    staff_replies = await _run_staff(ctx, name, arg)
    if staff_replies is not None:
        return staff_replies
    if name in FEATURES.commands:
        return [
            Reply(
                ctx.t(
                    "To protect your privacy, please talk to me in a private chat, not in a group."
                )
            )
        ]
    return []


async def _is_staff(ctx: Ctx) -> bool:
    return FEATURES.staff is not None and await FEATURES.staff.is_staff(ctx)


async def _run_staff(ctx: Ctx, name: str, arg: str) -> list[Reply] | None:
    return None if FEATURES.staff is None else await FEATURES.staff.run(ctx, name, arg)
