"""Follow-up visits (回访): the schedule of fulfilment checks and satisfaction surveys.

The answers are handled in handlers/party/followup.py.

The schedule is rows in `follow_ups`: they survive restarts, a due row is taken by one
process (row locks), and each question and reminder goes through the outbox with its own key,
so nothing is sent twice. Nothing is pushed in quiet hours, and a person can opt out.

Timeline of one row: scheduled → (due, outside quiet hours) sent → (no answer after
`reminder_days`) reminded → (no answer after as long again) closed; or answered.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.lifecycle import TRANSITIONS
from handlers.conversation.context import Ctx
from handlers.conversation.core import Core
from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Button, Reply, grid
from settings import Settings
from storage.cases import add_event
from storage.db import insert_for
from storage.models import Case, FollowUp, Person

FULFILMENT_HOUR = time(10, 0)
ANSWERS = ("yes", "partly", "no")
# Claims for which a payment order can be sought on a mediation agreement (调解仲裁法 第十六条:
# unpaid pay, work-injury MEDICAL costs, economic compensation or damages). The "injury" claim
# covers every injury benefit, and only its medical-cost part qualifies: it gets its own line.
PAYMENT_ORDER_CATEGORIES = {"pay", "overtime", "compensation", "unlawful_termination"}
PAYMENT_ORDER_INJURY = "injury"
OPEN = ("scheduled", "sent", "reminded")


def worker_person(case: Case) -> int | None:
    return (
        case.applicant_person_id if case.applicant_role == "worker" else (case.respondent_person_id)
    )


def parties(case: Case) -> list[int]:
    both = (case.applicant_person_id, case.respondent_person_id)
    return sorted({p for p in both if p is not None})


async def _add(session: AsyncSession, **values: object) -> None:
    insert = insert_for(session)
    await session.execute(
        insert(FollowUp)
        .values(status="scheduled", comment="", **values)
        .on_conflict_do_nothing(index_elements=["case_id", "person_id", "kind"])
    )


async def schedule_after_outcome(ctx: Ctx, case: Case) -> None:
    """After a closing outcome: a survey for each party; after an agreement with a due date,
    the fulfilment check on the day after it."""
    settings = ctx.settings
    now = ctx.now()
    worker = worker_person(case)
    if case.state == "agreement" and case.outcome_due and worker is not None:
        day_after = case.outcome_due + timedelta(days=1)
        due = datetime.combine(day_after, FULFILMENT_HOUR, tzinfo=settings.tz)
        await _add(ctx.session, case_id=case.id, person_id=worker, kind="fulfilment", due_at=due)
    survey_at = now + timedelta(hours=settings.followup.survey_delay_hours)
    for person_id in parties(case):
        await _add(
            ctx.session, case_id=case.id, person_id=person_id, kind="satisfaction", due_at=survey_at
        )


def in_quiet_hours(settings: Settings, moment: datetime) -> bool:
    local = moment.astimezone(settings.tz).time()
    start = time.fromisoformat(settings.followup.quiet_start)
    end = time.fromisoformat(settings.followup.quiet_end)
    return local >= start or local < end if start > end else start <= local < end


# --- what is sent --------------------------------------------------------------------------
def question(t: Translator, row: FollowUp, case: Case, *, reminder: bool) -> Reply:
    prefix = t("A reminder: ") if reminder else ""
    if row.kind == "fulfilment":
        text = prefix + t(
            "Follow-up from the center about case {number}: the agreement was due to be "
            "carried out by {date}. Has the other side done what was agreed?",
            number=case.number,
            date=t.date(case.outcome_due),
        )
        items = [
            Button(t("Yes, fully"), f"fu:{row.id}:yes"),
            Button(t("Partly"), f"fu:{row.id}:partly"),
            Button(t("No"), f"fu:{row.id}:no"),
        ]
        return Reply(text, buttons=grid(items, per_row=3))
    text = prefix + t(
        "Case {number} is finished. How satisfied are you with the center's service? "
        "1 = very unsatisfied, 5 = very satisfied.",
        number=case.number,
    )
    items = [Button(str(n), f"sv:{row.id}:{n}") for n in range(1, 6)]
    stop = Button(t("No more surveys, please"), f"sv:{row.id}:optout")
    return Reply(text, buttons=(tuple(items), (stop,)))


async def tick(core: Core, session: AsyncSession, now: datetime) -> int:
    """Send due questions and reminders, close unanswered ones; returns how many were sent."""
    settings = core.settings
    if in_quiet_hours(settings, now):
        return 0
    wait = timedelta(days=settings.followup.reminder_days)
    stmt = (
        select(FollowUp)
        .where(
            or_(
                (FollowUp.status == "scheduled") & (FollowUp.due_at <= now),
                (FollowUp.status == "sent") & (FollowUp.sent_at <= now - wait),
                (FollowUp.status == "reminded") & (FollowUp.reminded_at <= now - wait),
            )
        )
        .order_by(FollowUp.id)
        .limit(100)
        .with_for_update(skip_locked=True)
    )
    sent = 0
    for row in (await session.execute(stmt)).scalars().all():
        person = await session.get(Person, row.person_id)
        case = await session.get(Case, row.case_id)
        if person is None or case is None:
            row.status = "closed"
            continue
        if row.status == "reminded":
            row.status = "closed"  # no answer after the reminder
            await close_case_when_done(core, session, case)
            continue
        if row.kind == "satisfaction" and person.survey_opt_out:
            row.status = "skipped"
            await close_case_when_done(core, session, case)
            continue
        reminder = row.status == "sent"
        t = core.translator(person.locale)
        key = f"followup:{row.id}:{'remind' if reminder else 'ask'}"
        if await core.push_to_person(
            session, row.person_id, key, [question(t, row, case, reminder=reminder)]
        ):
            sent += 1
        row.status = "reminded" if reminder else "sent"
        if reminder:
            row.reminded_at = now
        else:
            row.sent_at = now
    return sent


async def close_case_when_done(core: Core, session: AsyncSession, case: Case) -> None:
    """A concluded case is closed once all its follow-ups are answered or closed."""
    if "closed" not in TRANSITIONS.get(case.state, set()):
        return
    pending = await session.execute(
        select(FollowUp.id).where(FollowUp.case_id == case.id, FollowUp.status.in_(OPEN))
    )
    if pending.first() is None:
        await add_event(
            session,
            case,
            actor="system",
            action="state",
            to_state="closed",
            note="follow-up finished",
        )
