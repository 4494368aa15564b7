"""Each case's first outcome is kept as events are written (migration 0021), and the 12-month
trend of /stats and the monthly report counts agreements by it: a case that failed first and
agreed later is not an agreement, an outcome entered late with an earlier time takes the
first place, an imported case with no history counts by its state, and events inserted in
bulk (the data-scale seeder) are caught up by the backfill."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from handlers.office.trend import month_trend
from storage.cases import add_event, backfill_first_outcomes
from storage.db import Database
from storage.models import Case, CaseEvent

SH = ZoneInfo("Asia/Shanghai")


def local(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=SH)


def new_case(n: int, state: str = "submitted", **kw: object) -> Case:
    return Case(
        number=f"LJ-2026-{n:06d}",
        submitted_at=local(1, 5),
        applicant_name="张测试",
        applicant_phone="13912345678",
        applicant_id_number="110101190001011239",
        respondent_name="示例制造有限公司",
        categories=["pay"],
        state=state,
        **kw,
    )


async def firsts(db: Database) -> dict[str, tuple[str | None, datetime | None]]:
    async with db.session() as s:
        rows = await s.execute(select(Case.number, Case.first_outcome, Case.first_outcome_at))
        return {number: (kind, at) for number, kind, at in rows.all()}


async def test_first_outcome_is_kept_and_the_trend_counts_by_it(db: Database) -> None:
    async with db.session() as s:
        agreed, failed_then_agreed, late = new_case(1), new_case(2), new_case(3)
        imported = new_case(4, state="agreement", outcome_at=local(2, 20))  # no history
        s.add_all([agreed, failed_then_agreed, late, imported])
        await s.flush()
        await add_event(s, agreed, actor="test", action="state", to_state="agreement")
        await add_event(s, failed_then_agreed, actor="test", action="state", to_state="failed")
        await add_event(s, failed_then_agreed, actor="test", action="state", to_state="agreement")
    async with db.session() as s:  # an outcome recorded late, with the day it happened
        s.add(CaseEvent(case_id=late.id, at=local(2, 3), actor="t", action="s", to_state="failed"))
    async with db.session() as s:
        s.add(
            CaseEvent(case_id=late.id, at=local(1, 9), actor="t", action="s", to_state="agreement")
        )

    kept = await firsts(db)
    assert kept["LJ-2026-000001"][0] == "agreement"
    assert kept["LJ-2026-000002"][0] == "failed"
    assert kept["LJ-2026-000003"] == ("agreement", local(1, 9))
    assert kept["LJ-2026-000004"] == (None, None)

    async with db.session() as s:
        trend = await month_trend(s, date(2026, 2, 1), SH, months=2)
    by_month = {p.month: p.agreements for p in trend}
    # January: the late-entered agreement; February: the imported case (by its state). The
    # agreements recorded today fall after February; the failed-first case never counts.
    assert by_month == {date(2026, 1, 1): 1, date(2026, 2, 1): 1}


async def test_events_inserted_in_bulk_are_caught_up_by_the_backfill(db: Database) -> None:
    async with db.session() as s:
        row = new_case(7)
        s.add(row)
        await s.flush()
        await s.execute(  # as the data-scale seeder writes them: past the ORM's hook
            insert(CaseEvent),
            [
                {
                    "case_id": row.id,
                    "at": local(3, 2),
                    "actor": "b",
                    "action": "s",
                    "to_state": "accepted",
                },
                {
                    "case_id": row.id,
                    "at": local(3, 9),
                    "actor": "b",
                    "action": "s",
                    "to_state": "withdrawn",
                },
                {
                    "case_id": row.id,
                    "at": local(3, 12),
                    "actor": "b",
                    "action": "s",
                    "to_state": "agreement",
                },
            ],
        )
    assert (await firsts(db))["LJ-2026-000007"] == (None, None)
    async with db.session() as s:
        await backfill_first_outcomes(s)
    assert (await firsts(db))["LJ-2026-000007"] == ("withdrawn", local(3, 9))
