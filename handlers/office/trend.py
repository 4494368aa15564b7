"""Cases received and agreements reached month by month (the 12-month chart of the monthly
report), counted by the database: a year of a city's cases is too many rows to bring over.
The definitions are those of the month's figures (stats.py, case_history.History).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from sqlalchemy import and_, func, select, true, union
from sqlalchemy import case as when_then
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.office.case_history import OUTCOMES
from handlers.office.months import add_months, month_start
from storage.models import Case, CaseEvent

TREND_MONTHS = 12


@dataclass(frozen=True)
class TrendPoint:
    month: date
    received: int
    agreements: int


async def month_trend(
    session: AsyncSession,
    month: date,
    tz: tzinfo,
    *,
    months: int = TREND_MONTHS,
    site: str | None = None,
) -> list[TrendPoint]:
    """Cases received and agreements reached in each of the `months` months ending with
    `month`, oldest first (same definitions as the month's figures), of one site if given.
    Counted by the database between month boundaries computed here in the center's time
    zone: a year of a city's cases is 40,000 rows, too many to bring over."""
    keys = [add_months(month, i - months + 1) for i in range(months)]
    bounds = [month_start(k, tz) for k in keys] + [month_start(add_months(month, 1), tz)]
    since, until = bounds[0], bounds[-1]
    filed = and_(
        Case.number.is_not(None),
        Case.submitted_at.is_not(None),
        Case.submitted_at < until,
        true() if site is None else Case.site == site,
    )

    def per_month(moment: Any) -> list[Any]:
        pairs = itertools.pairwise(bounds)
        return [func.sum(when_then((and_(moment >= a, moment < b), 1), else_=0)) for a, b in pairs]

    received = await session.execute(
        select(*per_month(Case.submitted_at)).where(filed, Case.submitted_at >= since)
    )
    # `History.conclusion`: the first change to an outcome decides, at `outcome_at` if set.
    concluded = union(
        select(Case.id).where(Case.outcome_at >= since, Case.outcome_at < until),
        select(CaseEvent.case_id).where(
            CaseEvent.to_state.in_(OUTCOMES), CaseEvent.at >= since, CaseEvent.at < until
        ),
    )
    order = func.row_number().over(
        partition_by=CaseEvent.case_id, order_by=(CaseEvent.at, CaseEvent.id)
    )
    ranked = (
        select(CaseEvent.case_id, CaseEvent.at, CaseEvent.to_state, order.label("n"))
        .where(CaseEvent.to_state.in_(OUTCOMES), CaseEvent.case_id.in_(concluded))
        .subquery()
    )
    when = func.coalesce(Case.outcome_at, ranked.c.at)
    by_event = await session.execute(
        select(*per_month(when))
        .join(ranked, ranked.c.case_id == Case.id)
        .where(filed, ranked.c.n == 1, ranked.c.to_state == "agreement")
    )
    # Per case (an index probe each): as NOT EXISTS, PostgreSQL read all outcome events.
    ev = select(func.count()).where(CaseEvent.case_id == Case.id, CaseEvent.to_state.in_(OUTCOMES))
    no_event = ev.scalar_subquery() == 0
    by_state = await session.execute(  # no recorded history (imported data): the state
        select(*per_month(Case.outcome_at)).where(
            filed, Case.state == "agreement", Case.outcome_at >= since, no_event
        )
    )
    counts = [received.one(), by_event.one(), by_state.one()]
    got, agreed, imported = ([int(n or 0) for n in row] for row in counts)
    return [TrendPoint(k, got[i], agreed[i] + imported[i]) for i, k in enumerate(keys)]
