"""The staff side, registered with the engine when imported: every staff command module (each
declares its commands in registry.py), the staff buttons, and replies in the work group."""

from __future__ import annotations

from handlers.casework.references import add_configured_departments
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.conversation.registry import FEATURES, StaffSide
from handlers.staff import (  # noqa: F401  (importing a command module registers it)
    agreement_terms,
    broadcast,
    buttons,
    casecard,
    cases,
    codes,
    datareq,
    desk,
    docs,
    faq_review,
    joint,
    mediator_reports,
    outcomes,
    periods,
    publish,
    registry,
    replies,
    reports,
    risk,
    roster,
    sessions,
    sites,
    surveys,
    views,
)


async def _is_staff(ctx: Ctx) -> bool:
    return await registry.staff_member(ctx) is not None


async def _group_text(ctx: Ctx) -> list[Reply]:
    """A reply to a relayed party message goes back to that party; other chatter is not for
    the bot."""
    person_id = replies.referenced_person(ctx.inbound.reply_to_text)
    if person_id is None or not ctx.inbound.text.strip():
        return []
    staff, refusal = await registry.authorize(ctx, registry.COMMANDS["reply"])
    if staff is None:
        return refusal
    return await replies.staff_reply(ctx, staff, person_id, ctx.inbound.text.strip())


FEATURES.buttons["st"] = buttons.on_button
FEATURES.buttons["bc"] = broadcast.on_button
FEATURES.start_hooks.append(add_configured_departments)
FEATURES.staff = StaffSide(is_staff=_is_staff, run=registry.run, group_text=_group_text)
