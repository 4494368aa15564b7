"""Moving and cancelling a mediation session; both parties and the mediator are told.

`/schedule` (handlers/staff/cases.py) sets a session; these change it. Either way the
reminders are planned again (handlers/staff/reminders.py). The place stays as it was when a
session moves: a video session keeps its link, so what the parties already have still works.
"""

from __future__ import annotations

from handlers.conversation.context import Ctx
from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Reply
from handlers.staff import reminders
from handlers.staff.cases import case_or_reply, mine_only
from handlers.staff.meeting import cancelled_notice, moved_notice, stored_place
from handlers.staff.pushes import notify_parties, told_reply
from handlers.staff.refs import when_and_rest
from handlers.staff.registry import command, usage
from storage.cases import add_event
from storage.models import Case, Staff


def _no_session(ctx: Ctx, case: Case) -> Reply:
    return Reply(
        ctx.t(
            "Case {number} has no session to change. Set one with /schedule {number} "
            "YYYY-MM-DD HH:MM PLACE",
            number=case.number,
        )
    )


@command(
    "reschedule",
    "/reschedule ID YYYY-MM-DD HH:MM",
    "move a case's mediation session; both sides and the mediator are told",
)
async def reschedule(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split(maxsplit=2)
    if len(parts) != 3:
        return [usage(ctx, "reschedule")]
    case = await case_or_reply(ctx, parts[0], "reschedule")
    if isinstance(case, Reply):
        return [case]
    if mine := mine_only(ctx, staff, case):
        return [mine]
    if case.state != "in_mediation" or case.session_at is None:
        return [_no_session(ctx, case)]
    parsed = when_and_rest(ctx, parts[1], parts[2])  # the same times /schedule reads
    if isinstance(parsed, Reply):
        return [parsed]
    when = parsed[0]
    if when < ctx.now():
        return [Reply(ctx.t("That time is in the past."))]
    if when == case.session_at:
        return [Reply(ctx.t("The session is already at that time."))]
    before = case.session_at
    place = stored_place(case.session_place)
    await add_event(
        ctx.session,
        case,
        actor=ctx.actor,
        action="rescheduled",
        note=f"{when.isoformat()} {case.session_place or ''}".strip(),
    )
    case.session_at = when
    await reminders.plan(ctx.session, ctx.settings, case, ctx.now())
    number = case.number or ""

    def text(t: Translator) -> str:
        return moved_notice(t, number, before, when, place)

    key = f"session-moved:{before.isoformat()}:{when.isoformat()}"
    reach = await notify_parties(ctx, case, key, text)
    await reminders.tell_mediator(ctx.core, ctx.session, case, key, text)
    return [
        Reply(
            ctx.t(
                "Session for case {number} moved to {when}.",
                number=number,
                when=ctx.t.datetime(when),
            )
            + "\n"
            + await told_reply(ctx, staff, case, reach)
        )
    ]


@command(
    "cancel_session",
    "/cancel_session ID [reason]",
    "cancel a case's mediation session; both sides and the mediator are told",
)
async def cancel_session(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split(maxsplit=1)
    if not parts:
        return [usage(ctx, "cancel_session")]
    case = await case_or_reply(ctx, parts[0], "cancel_session")
    if isinstance(case, Reply):
        return [case]
    if mine := mine_only(ctx, staff, case):
        return [mine]
    if case.state != "in_mediation" or case.session_at is None:
        return [_no_session(ctx, case)]
    reason = parts[1].strip()[:500] if len(parts) > 1 else ""
    before = case.session_at
    await add_event(ctx.session, case, actor=ctx.actor, action="session_cancelled", note=reason)
    case.session_at = None
    await reminders.cancel_open(ctx.session, case)
    number = case.number or ""

    def text(t: Translator) -> str:
        return cancelled_notice(t, number, before, reason)

    key = f"session-cancelled:{before.isoformat()}"
    reach = await notify_parties(ctx, case, key, text)
    await reminders.tell_mediator(ctx.core, ctx.session, case, key, text)
    return [
        Reply(
            ctx.t("Session for case {number} cancelled.", number=number)
            + "\n"
            + await told_reply(ctx, staff, case, reach)
        )
    ]
