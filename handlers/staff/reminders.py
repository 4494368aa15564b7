"""Session reminders: the day before (at `center.session_reminder_time`) and an hour before.

The schedule is rows in `session_reminders` (storage/models_sessions.py), written with the
`/schedule` or `/reschedule` that sets the session. The minute timer (handlers/staff/digest.py)
claims due rows with a row lock (FOR UPDATE SKIP LOCKED on PostgreSQL), and each push carries
the row's id in its outbox key: a reminder goes out once, across restarts and processes.

Rules: nothing is sent in the follow-up quiet hours (a reminder due then waits until they
end); a reminder that would arrive after the session began is skipped, and so is the
day-before one once the hour-before one is due (one message, not two at once). A reminder
already due when the session is set is not planned: the scheduling notice says it all.

Each party and the mediator get the reminder in their own private chat, with the video link
when there is one. A reminder (or a session notice) the channel could not deliver and keeps
until the person writes (WeChat outside its 48-hour window with no template message
configured) is written into the case history and the work group is asked to phone, once.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.followups import in_quiet_hours
from handlers.conversation.core import Core
from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Reply
from handlers.conversation.redact import group_payload
from handlers.staff.meeting import reminder_notice, stored_place
from handlers.staff.pushes import Build, party_word, push_parties
from settings import Settings
from storage import outbox
from storage.cases import add_event
from storage.db import insert_for
from storage.jobs import claim_job
from storage.models import Case, OutboxMessage, SessionReminder, Staff, utcnow
from storage.people import find_identity

HOUR_BEFORE = timedelta(hours=1)
OPEN = "scheduled"
#: Outbox keys of the pushes about a session (see push_parties: "case:NUMBER:KEY:PERSON").
SESSION_KEYS = ("case:%:remind:%", "case:%:session%")


def due_times(settings: Settings, when: datetime) -> dict[str, datetime]:
    """When each reminder of a session at `when` is due."""
    local = when.astimezone(settings.tz)
    at = time.fromisoformat(settings.center.session_reminder_time)
    day_before = datetime.combine(local.date() - timedelta(days=1), at, tzinfo=settings.tz)
    return {"day_before": day_before, "hour_before": when - HOUR_BEFORE}


async def plan(session: AsyncSession, settings: Settings, case: Case, now: datetime) -> int:
    """The reminders of the case's session (after /schedule or /reschedule): the open ones of
    an earlier time are cancelled. Returns how many are planned."""
    await cancel_open(session, case)
    when = case.session_at
    if when is None:
        return 0
    planned = 0
    insert = insert_for(session)
    for kind, due in due_times(settings, when).items():
        if due <= now:
            continue  # already due: the scheduling notice is the reminder
        stmt = insert(SessionReminder).values(
            case_id=case.id, session_at=when, kind=kind, due_at=due, status=OPEN, created_at=now
        )
        # the same time set again after a move: its cancelled rows come back (a sent one stays)
        stmt = stmt.on_conflict_do_update(
            index_elements=["case_id", "session_at", "kind"],
            set_={"status": OPEN, "due_at": due},
            where=SessionReminder.status == "cancelled",
        )
        await session.execute(stmt)
        planned += 1
    return planned


async def cancel_open(session: AsyncSession, case: Case) -> None:
    await session.execute(
        update(SessionReminder)
        .where(SessionReminder.case_id == case.id, SessionReminder.status == OPEN)
        .values(status="cancelled")
    )


async def tick(core: Core, session: AsyncSession, now: datetime) -> int:
    """Send the due reminders; returns how many rows were sent. Safe from several processes."""
    settings = core.settings
    if in_quiet_hours(settings, now):
        return 0
    stmt = (
        select(SessionReminder)
        .where(SessionReminder.status == OPEN, SessionReminder.due_at <= now)
        .order_by(SessionReminder.due_at, SessionReminder.id)
        .limit(100)
        .with_for_update(skip_locked=True)
    )
    sent = 0
    for row in (await session.execute(stmt)).scalars().all():
        case = await session.get(Case, row.case_id)
        if case is None or case.session_at != row.session_at or case.state != "in_mediation":
            row.status = "cancelled"
            continue
        if now >= row.session_at or (
            row.kind == "day_before" and now >= row.session_at - HOUR_BEFORE
        ):
            row.status = "skipped"  # too late to help; the next reminder (if any) follows
            continue
        await send(core, session, case, row)
        row.status, row.sent_at = "sent", now
        sent += 1
    await report_undelivered(core, session)
    return sent


async def send(core: Core, session: AsyncSession, case: Case, row: SessionReminder) -> None:
    """The reminder to each party and to the mediator, each in their own private chat."""
    place = stored_place(case.session_place)
    number = case.number or ""

    def text(t: Translator) -> str:
        return reminder_notice(t, number, row.session_at, place, row.kind)

    await push_parties(core, session, case, f"remind:{row.id}", text)
    if case.mediator_id is not None:
        await tell_mediator(core, session, case, f"remind:{row.id}", text)


async def tell_mediator(
    core: Core, session: AsyncSession, case: Case, key: str, build: Build
) -> bool:
    """A private push to the case's mediator, in their language."""
    mediator = await session.get(Staff, case.mediator_id) if case.mediator_id else None
    if mediator is None or not mediator.active:
        return False
    channel, _, external_id = mediator.member.partition(":")
    identity = await find_identity(session, channel, external_id)
    t = await core.person_translator(session, identity.person_id) if identity else core.translator()
    return await core.push_to_member(
        session,
        mediator.member,
        f"case:{case.number}:{key}:mediator:{mediator.id}",
        [Reply(build(t))],
    )


async def report_undelivered(core: Core, session: AsyncSession) -> int:
    """Session pushes held by their channel (WeChat, outside its window, no template): once
    each, a line in the case history and a notice asking the work group to phone."""
    target = core.staff_target()
    since = utcnow() - timedelta(days=3)
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == "held",
            OutboxMessage.person_id.is_not(None),
            OutboxMessage.created_at >= since,
            or_(*(OutboxMessage.idempotency_key.like(k) for k in SESSION_KEYS)),
        )
        .order_by(OutboxMessage.id)
        .limit(50)
    )
    told = 0
    for message in (await session.execute(stmt)).scalars().all():
        number = message.idempotency_key.split(":")[1]
        case = (
            await session.execute(select(Case).where(Case.number == number))
        ).scalar_one_or_none()
        if case is None or not await claim_job(session, "session-undelivered", str(message.id)):
            continue
        role = "applicant" if message.person_id == case.applicant_person_id else "respondent"
        await add_event(session, case, actor="system", action="session_undelivered", note=role)
        if target is not None:
            t = core.translator()
            text = t(
                "A session message for case {number} could not be delivered to {party} on "
                "{channel}: it is kept until they write to the bot. Please phone them about "
                "the session.",
                number=number,
                party=party_word(t, role),
                channel=message.channel,
            )
            await outbox.enqueue(
                session,
                key=f"session-undelivered:{message.id}",
                channel=target[0],
                chat_id=target[1],
                payload=group_payload([Reply(text)]),
            )
        told += 1
    return told
