"""Scheduled work: the daily digest to the work group, and telling parties of overdue cases.

Runs from a timer in every bot process; a `job_runs` row per period makes the digest run
once a day across instances, and `overdue_notified_at` plus outbox keys make each overdue
notice go out once.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import followup
from handlers.i18n import Translator
from handlers.lifecycle import ENDED
from handlers.messages import Reply
from handlers.redact import group_payload
from handlers.staff.pushes import arbitration_advice, push_parties
from storage import outbox
from storage.jobs import claim_job
from storage.models import Case

if TYPE_CHECKING:
    from handlers.core import Core

DUE_SOON_DAYS = 3


async def open_cases(session: AsyncSession, *conditions: Any) -> list[Case]:
    stmt = select(Case).where(Case.number.is_not(None), Case.state.not_in(ENDED), *conditions)
    return list((await session.execute(stmt.order_by(Case.id))).scalars())


async def notify_overdue(core: Core, session: AsyncSession, now: datetime) -> int:
    """Tell both parties (once) that a case's mediation period ran out without agreement."""
    count = 0
    # Runs every minute: only the newly overdue cases are read.
    for case in await open_cases(session, Case.due_at < now, Case.overdue_notified_at.is_(None)):
        case.overdue_notified_at = now

        def text(t: Translator, case: Case = case) -> str:
            return (
                t(
                    "The mediation period of case {number} ended on {due} without an agreement. "
                    "Staff of the center have been told. If you do not want to wait any longer:",
                    number=case.number,
                    due=t.date(case.due_at),
                )
                + "\n"
                + arbitration_advice(core.settings, t, case, now)
            )

        await push_parties(core, session, case, "overdue", text)
        count += 1
    return count


def digest_text(core: Core, cases: list[Case], now: datetime) -> str | None:
    t = core.translator()
    today = now.astimezone(core.settings.tz).date()
    soon = now + timedelta(days=DUE_SOON_DAYS)
    overdue = [c for c in cases if c.due_at and c.due_at < now]
    due_soon = [c for c in cases if c.due_at and now <= c.due_at < soon]
    unaccepted = [
        c for c in cases if c.state == "submitted" and c.accept_by and c.accept_by <= today
    ]
    if not (overdue or due_soon or unaccepted):
        return None
    lines = [t("Daily digest, {date}", date=t.date(today))]
    for title, group in (
        (t("Overdue (parties have been told):"), overdue),
        (t("Due within 3 days:"), due_soon),
        (t("Not yet accepted, target reached:"), unaccepted),
    ):
        if group:
            lines.append(title)
            lines += [
                f"  {c.number} · {c.applicant_name} → {c.respondent_name} · "
                f"{t.date(c.due_at or c.accept_by)}"
                for c in group
            ]
    return "\n".join(lines)


async def tick(core: Core, now: datetime) -> None:
    """One pass of scheduled work; safe to call often and from several processes."""
    async with core.db.session() as session:
        await notify_overdue(core, session, now)
    async with core.db.session() as session:
        await followup.tick(core, session, now)
    local = now.astimezone(core.settings.tz)
    if local.time() < time.fromisoformat(core.settings.center.digest_time):
        return
    if local.day == 1:
        await _monthly(core, now, local.strftime("%Y-%m"))
    target = core.staff_target()
    async with core.db.session() as session:
        if target is None or not await claim_job(session, "digest", local.date().isoformat()):
            return
        text = digest_text(core, await open_cases(session), now)
        if text:
            channel, chat_id = target
            await outbox.enqueue(
                session,
                key=f"digest:{local.date().isoformat()}",
                channel=channel,
                chat_id=chat_id,
                payload=group_payload([Reply(text)]),
            )


async def _monthly(core: Core, now: datetime, period: str) -> None:
    """On the 1st at the digest time: last month's figures and chart, once across instances."""
    from handlers.staff.reports import monthly_report

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
