"""Monthly figures reported upward (seed 000 §六(四)), computed from cases and their history.

Definitions, all in the center's time zone; for the current month "the end of the month" is
now, and only what happened up to now counts:

- *received in the month*: `submitted_at` falls in the month. Category, source, department,
  collective, amount claimed and the outcome breakdown describe these cases.
- *outcome* of a received case: its state at the end of the month (or now, for the current
  month), rebuilt from the case history so a past month's figures do not change later; a
  `closed` case counts under the outcome it had before closing.
- *concluded in the month*: the case reached agreement, failed, withdrawn or
  declined_by_respondent in the month (`outcome_at`, else the time of that event), whenever
  it was received. Agreement rate, amount agreed and the days to outcome use these cases.
- *days to outcome*: calendar days from the day received to the day concluded.
- *overdue*: cases still open at the end of the month (or now) whose mediation period
  (`due_at`) had passed by then.
- follow-up answers count in the month they were given (`answered_at`).
- *by site* (issue 21), for each site that handles cases (`cases.site`): the cases it received
  and concluded in the month as above, its agreements and agreement rate, the *on-time rate*
  (of its concluded cases that had a mediation period, `due_at`, the share concluded by it),
  the median days to outcome, and the mean satisfaction score answered in the month.

Which cases are read, and their states at a moment: case_history.py; the 12-month trend of
received cases and agreements: trend.py.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

# Callers import these from here too: the case history and the trend live in their own modules.
from handlers.office.case_history import OPEN_STATES, OUTCOMES, History, load_cases  # noqa: F401
from handlers.office.months import (  # noqa: F401
    add_months,
    local_day,
    month_label,
    month_start,
    parse_month,
    previous_month,
)
from handlers.office.trend import TREND_MONTHS, TrendPoint, month_trend  # noqa: F401
from storage.models import Case, FollowUp

# How the chart stacks a month's cases; "closed" only for cases without a recorded history.
CHART_GROUPS = (*OUTCOMES, "referred", "closed", "open")


@dataclass
class SiteFigures:
    """One site's share of a month (see the module's definitions)."""

    received: int = 0
    concluded: int = 0
    agreements: int = 0
    agreement_rate: float | None = None
    on_time_rate: float | None = None
    median_days: float | None = None
    satisfaction: float | None = None


@dataclass
class _SiteTally:
    received: int = 0
    agreements: int = 0
    days: list[int] = field(default_factory=list)
    timed: int = 0  # concluded cases that had a period
    on_time: int = 0
    scores: list[int] = field(default_factory=list)

    def figures(self) -> SiteFigures:
        concluded = len(self.days)
        return SiteFigures(
            received=self.received,
            concluded=concluded,
            agreements=self.agreements,
            agreement_rate=self.agreements / concluded if concluded else None,
            on_time_rate=self.on_time / self.timed if self.timed else None,
            median_days=float(statistics.median(self.days)) if self.days else None,
            satisfaction=float(statistics.mean(self.scores)) if self.scores else None,
        )


@dataclass
class MonthFigures:
    month: date  # the first day of the month
    as_of: datetime  # the end of the month, or now for the current month
    site: str | None = None  # the figures of this one site; None: the whole district
    received: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    by_entry_source: dict[str, int] = field(default_factory=dict)  # QR sites
    by_department: dict[str, int] = field(default_factory=dict)  # "" = none
    category_outcome: dict[str, dict[str, int]] = field(default_factory=dict)
    collective: int = 0
    amount_claimed: Decimal = Decimal("0")
    concluded: int = 0
    concluded_by_outcome: dict[str, int] = field(default_factory=dict)
    agreements: int = 0
    agreement_rate: float | None = None
    amount_agreed: Decimal = Decimal("0")
    mean_days: float | None = None
    median_days: float | None = None
    overdue: int = 0
    satisfaction_mean: float | None = None
    satisfaction_count: int = 0
    fulfilment_rate: float | None = None
    fulfilment_counts: dict[str, int] = field(default_factory=dict)
    by_site: dict[str, SiteFigures] = field(default_factory=dict)  # sites with anything to show

    @property
    def empty(self) -> bool:
        """Nothing happened: no case received, concluded or overdue, no follow-up answer."""
        return not (
            self.received
            or self.concluded
            or self.overdue
            or self.satisfaction_count
            or sum(self.fulfilment_counts.values())
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["month"] = self.month.strftime("%Y-%m")
        data["as_of"] = self.as_of.isoformat()
        data["amount_claimed"] = str(self.amount_claimed)
        data["amount_agreed"] = str(self.amount_agreed)
        return data


# --- the figures -----------------------------------------------------------------------
async def month_figures(
    session: AsyncSession,
    month: date,
    tz: tzinfo,
    *,
    now: datetime | None = None,
    site: str | None = None,
) -> MonthFigures:
    """The figures of one month (`month` is its first day) in the time zone `tz`, of the
    whole district or of one `site`."""
    now = now or datetime.now(UTC)
    start, end = month_start(month, tz), month_start(add_months(month, 1), tz)
    cutoff = max(start, min(end, now))
    cases, history = await load_cases(session, start, end, site)
    fig = MonthFigures(month=date(month.year, month.month, 1), as_of=cutoff, site=site)
    tallies: dict[str, _SiteTally] = defaultdict(_SiteTally)
    category: Counter[str] = Counter()
    outcome: Counter[str] = Counter()
    source: Counter[str] = Counter()
    qr: Counter[str] = Counter()
    dept: Counter[str] = Counter()
    grid: dict[str, Counter[str]] = defaultdict(Counter)
    concluded: Counter[str] = Counter()
    days: list[int] = []
    for case in cases:
        state = history.state_at(case, cutoff)
        if start <= case.submitted_at < cutoff:
            fig.received += 1
            tallies[case.site].received += 1
            fig.collective += bool(case.collective)
            fig.amount_claimed += case.amount_claimed or Decimal("0")
            outcome[state] += 1
            source[case.source_channel or ""] += 1
            if case.entry_source:
                qr[case.entry_source] += 1
            dept[case.department or ""] += 1
            group = state if state in CHART_GROUPS else "open"
            for code in dict.fromkeys(case.categories or ["other"]):
                category[code] += 1
                grid[code][group] += 1
        open_then = state in OPEN_STATES and case.submitted_at < cutoff
        if open_then and case.due_at is not None and case.due_at < cutoff:
            fig.overdue += 1
        ended = history.conclusion(case)
        if ended is not None and start <= ended[1] < cutoff:
            concluded[ended[0]] += 1
            days.append((local_day(ended[1], tz) - local_day(case.submitted_at, tz)).days)
            tally = tallies[case.site]
            tally.days.append(days[-1])
            if case.due_at is not None:
                tally.timed += 1
                tally.on_time += ended[1] <= case.due_at
            if ended[0] == "agreement":
                fig.amount_agreed += case.outcome_amount or Decimal("0")
                tally.agreements += 1
    fig.by_category, fig.by_outcome = dict(category), dict(outcome)
    fig.by_source, fig.by_entry_source, fig.by_department = dict(source), dict(qr), dict(dept)
    fig.category_outcome = {code: dict(counts) for code, counts in grid.items()}
    fig.concluded_by_outcome = dict(concluded)
    fig.concluded = sum(concluded.values())
    fig.agreements = concluded["agreement"]
    if fig.concluded:
        fig.agreement_rate = fig.agreements / fig.concluded
        fig.mean_days = float(statistics.mean(days))
        fig.median_days = float(statistics.median(days))
    await _follow_ups(session, fig, start, cutoff, tallies)
    fig.by_site = {code: tallies[code].figures() for code in sorted(tallies)}
    return fig


async def _follow_ups(
    session: AsyncSession,
    fig: MonthFigures,
    start: datetime,
    end: datetime,
    tallies: dict[str, _SiteTally],
) -> None:
    # The case's site per answer (an index probe each): as a join, PostgreSQL hashed every
    # case of the city (a sequential scan of `cases`) for a month's 4,000 answers.
    site_of = select(Case.site).where(Case.id == FollowUp.case_id).scalar_subquery()
    stmt = select(FollowUp.kind, FollowUp.answer, site_of).where(
        FollowUp.answered_at >= start, FollowUp.answered_at < end
    )
    if fig.site is not None:
        stmt = stmt.where(site_of == fig.site)
    scores: list[int] = []
    kept: Counter[str] = Counter()
    for kind, answer, site in (await session.execute(stmt)).all():
        if kind == "satisfaction" and answer in {"1", "2", "3", "4", "5"}:
            scores.append(int(answer))
            tallies[site].scores.append(int(answer))
        elif kind == "fulfilment" and answer in {"yes", "partly", "no"}:
            kept[answer] += 1
    fig.satisfaction_count = len(scores)
    if scores:
        fig.satisfaction_mean = float(statistics.mean(scores))
    fig.fulfilment_counts = {a: kept[a] for a in ("yes", "partly", "no")}
    if kept:
        fig.fulfilment_rate = kept["yes"] / sum(kept.values())
