"""Follow-up visits (回访): the fulfilment check after an agreement, and satisfaction surveys.

The schedule is rows in `follow_ups`: they survive restarts, a due row is taken by one
process (row locks), and each question and reminder goes through the outbox with its own key,
so nothing is sent twice. Nothing is pushed in quiet hours, and a person can opt out.

Timeline of one row: scheduled → (due, outside quiet hours) sent → (no answer after
`reminder_days`) reminded → (no answer after as long again) closed; or answered.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from handlers.context import Ctx
from handlers.deadlines import latest_safe_arbitration_date
from handlers.flow import Flow, Step, StepResult, finish, stay
from handlers.i18n import Translator
from handlers.i18n import mark as _
from handlers.messages import Button, Reply, grid
from storage.cases import add_event
from storage.db import insert_for
from storage.models import Case, FollowUp, Person

if TYPE_CHECKING:
    from handlers.core import Core

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
    from handlers.lifecycle import TRANSITIONS

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


# --- answers ---------------------------------------------------------------------------------
async def _own_row(ctx: Ctx, raw_id: str) -> FollowUp | None:
    row = await ctx.session.get(FollowUp, int(raw_id)) if raw_id.isdigit() else None
    return row if row is not None and row.person_id == ctx.person.id else None


async def on_fulfilment(ctx: Ctx, payload: str) -> list[Reply]:
    raw_id, _, answer = payload.partition(":")
    row = await _own_row(ctx, raw_id)
    if row is None or answer not in ANSWERS:
        return [Reply(ctx.t("That question is not for you, or it has expired."))]
    if row.answer is not None:
        return [Reply(ctx.t("Thank you, we already have your answer."))]
    case = await ctx.session.get(Case, row.case_id)
    assert case is not None
    row.answer, row.answered_at, row.status = answer, ctx.now(), "answered"
    await add_event(ctx.session, case, actor=ctx.actor, action="fulfilment", note=answer)
    await close_case_when_done(ctx.core, ctx.session, case)
    if answer == "yes":
        return [Reply(ctx.t("Thank you. We are glad the agreement was carried out."))]
    alert = _ALERT_PARTLY if answer == "partly" else _ALERT_NO
    await ctx.notify_staff(f"followup:{row.id}:alert", alert, number=case.number)
    return [Reply(routes_if_not_honoured(ctx.t, ctx.settings, case, ctx.today()))]


_ALERT_PARTLY = _("⚠️ Case {number}: the worker says the agreement was only partly carried out.")
_ALERT_NO = _("⚠️ Case {number}: the worker says the agreement was not carried out.")


def routes_if_not_honoured(t: Translator, settings: Settings, case: Case, today: date) -> str:
    """What the worker can do, with the dates computed; windows already closed are left out."""
    tz = settings.tz
    lines = [
        t("We are sorry. Staff of the center have been told and will contact you. What you can do:")
    ]
    safe = latest_safe_arbitration_date(settings, case, after_agreement=True) or today
    lines.append(
        t(
            "• Apply for labour dispute arbitration; to be safe, no later than {date} "
            "(one year, art. 27). Arbitration is free of charge.",
            date=t.date(safe),
        )
    )
    if PAYMENT_ORDER_CATEGORIES & set(case.categories):
        lines.append(
            t(
                "• Because the agreement is about pay, economic compensation or damages, "
                "you may apply to the people's court for a payment order with the agreement "
                "(art. 16)."
            )
        )
    if PAYMENT_ORDER_INJURY in case.categories:
        lines.append(
            t(
                "• For the work-injury medical costs in the agreement (not other injury "
                "benefits), you may apply to the people's court for a payment order with the "
                "agreement (art. 16)."
            )
        )
    if case.outcome_at is not None:
        agreed = case.outcome_at.astimezone(tz).date()
        review_by = agreed + timedelta(days=15)
        confirm_by = agreed + timedelta(days=30)
        if today <= review_by:
            lines.append(
                t(
                    "• Until {date}, both sides together may ask the arbitration "
                    "commission to review the agreement, so that it can be enforced.",
                    date=t.date(review_by),
                )
            )
        if today <= confirm_by:
            lines.append(
                t(
                    "• Until {date}, both sides together may ask the court for "
                    "judicial confirmation of the agreement.",
                    date=t.date(confirm_by),
                )
            )
    return "\n".join(lines)


async def on_survey(ctx: Ctx, payload: str) -> list[Reply]:
    raw_id, _, answer = payload.partition(":")
    row = await _own_row(ctx, raw_id)
    if row is None or row.kind != "satisfaction":
        return [Reply(ctx.t("That question is not for you, or it has expired."))]
    if answer == "optout":
        ctx.person.survey_opt_out = True
        await ctx.session.execute(
            update(FollowUp)
            .where(
                FollowUp.person_id == ctx.person.id,
                FollowUp.kind == "satisfaction",
                FollowUp.status.in_(OPEN),
            )
            .values(status="skipped")
        )
        return [Reply(ctx.t("Understood: you will get no more surveys."))]
    if answer not in {"1", "2", "3", "4", "5"}:
        return [Reply(ctx.t("That button is no longer in use."))]
    if row.answer is not None:
        return [Reply(ctx.t("Thank you, we already have your answer."))]
    row.answer, row.answered_at, row.status = answer, ctx.now(), "answered"
    case = await ctx.session.get(Case, row.case_id)
    if case is not None:
        await close_case_when_done(ctx.core, ctx.session, case)
    return await ctx.core.flows.begin(ctx, "survey_comment", {"followup": row.id})


async def ask_comment(ctx: Ctx) -> list[Reply]:
    text = ctx.t("Thank you! Is there anything you would like to tell us? (optional)")
    return [Reply(text, buttons=grid([Button(ctx.t("Skip"), "s:comment:skip")]))]


async def handle_comment(ctx: Ctx) -> StepResult:
    if ctx.choice == "skip":
        return finish(Reply(ctx.t("Thank you for your answer.")))
    if not ctx.text:
        return stay(reask=True)
    row = await ctx.session.get(FollowUp, int(ctx.answers.get("followup", 0)))
    if row is not None and row.person_id == ctx.person.id:
        row.comment = ctx.text[:2000]
    return finish(Reply(ctx.t("Thank you, your comment has been passed on to the center.")))


COMMENT_FLOW = Flow("survey_comment", "comment", {"comment": Step(ask_comment, handle_comment)})
