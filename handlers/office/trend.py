"""Cases received and agreements reached month by month (the 12-month chart of the monthly
report), counted by the database: a year of a city's cases is too many rows to bring over.
The definitions are those of the month's figures (stats.py, case_history.History).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy import case as when_then
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.office.months import add_months, month_start
from storage.models import Case

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
    # `History.conclusion`: the first change to an outcome decides (kept on the case as
    # events are written), at `outcome_at` if set; a case with no outcome event (imported
    # data, no recorded history) counts by its state.
    when = func.coalesce(Case.outcome_at, Case.first_outcome_at)
    agreed_rows = await session.execute(
        select(*per_month(when)).where(
            filed,
            or_(
                Case.first_outcome == "agreement",
                and_(Case.first_outcome.is_(None), Case.state == "agreement"),
            ),
            or_(
                and_(Case.outcome_at >= since, Case.outcome_at < until),
                and_(
                    Case.outcome_at.is_(None),
                    Case.first_outcome_at >= since,
                    Case.first_outcome_at < until,
                ),
            ),
        )
    )
    got, agreed = ([int(n or 0) for n in row] for row in (received.one(), agreed_rows.one()))
    return [TrendPoint(k, got[i], agreed[i]) for i, k in enumerate(keys)]
