"""Scheduled work: the daily digest to the work group, and telling parties of overdue cases.

Runs from a timer in every bot process; a `job_runs` row per period makes the digest run
once a day across instances, and `overdue_notified_at` plus outbox keys make each overdue
notice go out once.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework import followups
from handlers.casework.deadlines import (
    received_day,
    statutory_applies,
    statutory_overdue_before,
    statutory_period_end,
)
from handlers.casework.lifecycle import ENDED
from handlers.conversation.core import Core
from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Reply
from handlers.conversation.redact import group_payload
from handlers.staff import reminders
from handlers.staff.pushes import arbitration_advice, party_word, push_parties
from handlers.staff.reports import monthly_report
from handlers.staff.sites import escalate
from storage import outbox
from storage.jobs import claim_job
from storage.models import Case

DUE_SOON_DAYS = 3


def open_cases_query(*conditions: Any) -> Select[Any]:
    stmt = select(Case).where(Case.number.is_not(None), Case.state.not_in(ENDED), *conditions)
    return stmt.order_by(Case.id)


async def open_cases(session: AsyncSession, *conditions: Any) -> list[Case]:
    return list((await session.execute(open_cases_query(*conditions))).scalars())


def overdue_condition(settings: Any, now: datetime) -> Any:
    """SQL: past the 15 days after the center RECEIVED the application (调解仲裁法 第十四条), or,
    for a mediation a court entrusted during a suit (委托), past the court's period."""
    received = func.coalesce(Case.received_at, Case.submitted_at)
    in_suit = Case.court_delegation == "in_suit"
    return or_(
        and_(
            ~in_suit | Case.court_delegation.is_(None),
            received < statutory_overdue_before(settings, now),
        ),
        and_(in_suit, Case.due_at < now),
    )


def is_overdue(settings: Any, case: Case, now: datetime) -> bool:
    """The same test in Python, for lists built from cases already loaded."""
    if statutory_applies(case):
        end = statutory_period_end(settings, case)
        return end is not None and end < now
    return case.due_at is not None and case.due_at < now


async def notify_overdue(core: Core, session: AsyncSession, now: datetime) -> int:
    """Tell both parties (once) that the 15 days after receipt passed without agreement, so
    either side may now apply for arbitration; for an in-suit court delegation, that the
    court's period ended."""
    count = 0
    settings = core.settings
    # Runs every minute: only the newly overdue cases are read.
    late = await open_cases(
        session, overdue_condition(settings, now), Case.overdue_notified_at.is_(None)
    )
    for case in late:
        case.overdue_notified_at = now

        def text(t: Translator, case: Case = case) -> str:
            if not statutory_applies(case):
                return t(
                    "The mediation period the court set for case {number} ended on {due} "
                    "without an agreement. Staff of the center will report to the court; the "
                    "case goes back to the court unless both sides agree to go on.",
                    number=case.number,
                    due=t.date(case.due_at),
                )
            return (
                t(
                    "15 days have passed since the center received the application for case "
                    "{number} (on {received}) without an agreement. Either side may now apply "
                    "for labour dispute arbitration (Labour Dispute Mediation and Arbitration "
                    "Law, art. 14); mediation can go on at the same time if both sides wish. "
                    "Staff of the center have been told.",
                    number=case.number,
                    received=t.date(received_day(settings, case)),
                )
                + "\n"
                + arbitration_advice(settings, t, case, now)
            )

        await push_parties(core, session, case, "overdue", text)
        count += 1
    return count


def digest_text(core: Core, cases: list[Case], now: datetime) -> str | None:
    t = core.translator()
    today = now.astimezone(core.settings.tz).date()
    soon = now + timedelta(days=DUE_SOON_DAYS)
    settings = core.settings
    overdue = [c for c in cases if is_overdue(settings, c, now)]
    center_late = [c for c in cases if c not in overdue and c.due_at and c.due_at < now]
    due_soon = [c for c in cases if c.due_at and now <= c.due_at < soon]
    unaccepted = [
        c for c in cases if c.state == "submitted" and c.accept_by and c.accept_by <= today
    ]
    if not (overdue or center_late or due_soon or unaccepted):
        return None
    lines = [t("Daily digest, {date}", date=t.date(today))]
    for title, group, when in (
        (
            t(
                "Past the 15 days after receipt — either side may apply for arbitration "
                "(each party linked to the bot has been told):"
            ),
            overdue,
            lambda c: statutory_period_end(settings, c) if statutory_applies(c) else c.due_at,
        ),
        (t("Past the center's own working period:"), center_late, lambda c: c.due_at),
        (t("Center's working period ends within 3 days:"), due_soon, lambda c: c.due_at),
        (t("Not yet accepted, target reached:"), unaccepted, lambda c: c.accept_by),
    ):
        if group:
            lines.append(title)
            lines += [
                f"  {c.number} · {c.applicant_name} → {c.respondent_name} · {t.date(when(c))}"
                + (_to_phone(t, c) if group is overdue else "")
                for c in group
            ]
    return "\n".join(lines)


async def tick(core: Core, now: datetime) -> None:
    """One pass of scheduled work; safe to call often and from several processes."""
    async with core.db.session() as session:
        await notify_overdue(core, session, now)
    async with core.db.session() as session:
        await followups.tick(core, session, now)
    if core.settings.sites:
        async with core.db.session() as session:
            await escalate(core, session, now)
    async with core.db.session() as session:
        await reminders.tick(core, session, now)
    local = now.astimezone(core.settings.tz)
    if local.time() < time.fromisoformat(core.settings.center.digest_time):
        return
    if local.day == 1:
        await _monthly(core, now, local.strftime("%Y-%m"))
    target = core.staff_target()
    async with core.db.session() as session:
        if target is None or not await claim_job(session, "digest", local.date().isoformat()):
            return
        cases = await open_cases(session)
        text = digest_text(core, cases, now)
        if text:
            channel, chat_id = target
            await outbox.enqueue(
                session,
                key=f"digest:{local.date().isoformat()}",
                channel=channel,
                chat_id=chat_id,
                payload=group_payload([Reply(text)]),
            )
    await _site_digests(core, now, local.date().isoformat())


async def _site_digests(core: Core, now: datetime, day: str) -> None:
    """Each station with its own group gets the digest of its own cases only."""
    center = core.staff_target()
    for site in core.settings.sites:
        target = core.site_target(site.id)
        if target is None or target == center:
            continue
        async with core.db.session() as session:
            if not await claim_job(session, f"digest@{site.id}", day):
                continue
            text = digest_text(core, await open_cases(session, Case.site == site.id), now)
            if text:
                await outbox.enqueue(
                    session,
                    key=f"digest:{day}@{site.id}",
                    channel=target[0],
                    chat_id=target[1],
                    payload=group_payload([Reply(text)]),
                )


async def _monthly(core: Core, now: datetime, period: str) -> None:
    """On the 1st at the digest time: last month's figures and chart, once across instances."""
    target = core.staff_target()
    async with core.db.session() as session:
        if target is None or not await claim_job(session, "monthly", period):
            return
        replies = await monthly_report(core, session, now)
        if replies:
            channel, chat_id = target
            await outbox.enqueue(
                session,
                key=f"monthly:{period}",
                channel=channel,
                chat_id=chat_id,
                payload=group_payload(replies),
            )


def _to_phone(t: Translator, case: Case) -> str:
    """ " · not linked to the bot, please phone: the respondent", for an overdue case whose
    parties the bot could not tell itself (the digest must not claim they were told)."""
    roles = [
        role
        for role, person_id in (
            ("applicant", case.applicant_person_id),
            ("respondent", case.respondent_person_id),
        )
        if person_id is None
    ]
    if not roles:
        return ""
    who = t.join(party_word(t, role) for role in roles)
    return " · " + t("not linked to the bot, please phone: {who}", who=who)
