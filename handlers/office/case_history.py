"""The cases that can matter for a period, and their recorded state changes: a case's state
and outcome at any past moment are rebuilt from them, so a past month's figures (stats.py) and
the ledger (ledger.py) do not change later. The definitions are those of stats.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, true, union
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OUTCOME_STATES, Case, CaseEvent

OUTCOMES = OUTCOME_STATES
OPEN_STATES = ("submitted", "accepted", "assigned", "in_mediation")

_COLUMNS = (
    Case.id,
    Case.state,
    Case.categories,
    Case.source_channel,
    Case.entry_source,
    Case.department,
    Case.amount_claimed,
    Case.outcome_amount,
    Case.collective,
    Case.submitted_at,
    Case.outcome_at,
    Case.due_at,
    Case.site,
)


class History:
    """The state changes of the loaded cases, to rebuild states and outcomes at any moment."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        """`rows`: (case id, when, the state it went to), as selected from case_events."""
        self.by_case: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
        for case_id, at, to_state in rows:  # rows come ordered by time
            self.by_case[case_id].append((at, to_state))

    def state_at(self, case: Any, moment: datetime | None = None) -> str:
        """The case's state just before `moment` (None: now); `closed` resolved to the
        outcome before it."""
        changes = self.by_case.get(case.id)
        if not changes:
            state = case.state  # no recorded history (imported data): the state we have
        else:
            earlier = [s for at, s in changes if moment is None or at < moment] or ["submitted"]
            state = earlier[-1]
            if state == "closed":
                state = next((s for s in reversed(earlier) if s != "closed"), "closed")
        return state

    def conclusion(self, case: Any) -> tuple[str, datetime] | None:
        """How and when mediation ended (agreement, failed, withdrawn, declined), if it has."""
        event = next(((at, s) for at, s in self.by_case.get(case.id, []) if s in OUTCOMES), None)
        if event is not None:
            return event[1], case.outcome_at or event[0]
        if case.state in OUTCOMES and case.outcome_at is not None:
            return case.state, case.outcome_at
        return None


async def load_cases(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    site: str | None = None,
) -> tuple[list, History]:
    """Cases that can matter for [since, until) (of one site, when given), with their state
    changes.

    A case can matter when it was submitted before `until`, not concluded before `since`, and
    either received in the window, concluded in it (by `outcome_at`, or by an outcome event
    when that is missing) or given a period that ended before `until` while it had no outcome
    (it may be overdue). Other cases (such as one referred years ago) add nothing, so they are
    not read: a city's five years are a million state changes.
    """
    # Each branch is one index range (migration 0013); together, every case that can matter.
    candidates = union(
        select(Case.id).where(Case.submitted_at >= since, Case.submitted_at < until),
        select(Case.id).where(Case.outcome_at >= since, Case.outcome_at < until),
        select(Case.id).where(Case.outcome_at.is_(None), Case.due_at < until),
        select(Case.id).where(Case.outcome_at >= until, Case.due_at < until),
        select(CaseEvent.case_id).where(
            CaseEvent.to_state.in_(OUTCOMES), CaseEvent.at >= since, CaseEvent.at < until
        ),
    )
    where = and_(
        Case.id.in_(candidates),
        Case.number.is_not(None),
        Case.submitted_at.is_not(None),
        Case.submitted_at < until,
        or_(Case.outcome_at.is_(None), Case.outcome_at >= since),
        true() if site is None else Case.site == site,
    )
    cases = (await session.execute(select(*_COLUMNS).where(where).order_by(Case.id))).all()
    events = await session.execute(
        select(CaseEvent.case_id, CaseEvent.at, CaseEvent.to_state)
        .where(CaseEvent.to_state.is_not(None), CaseEvent.case_id.in_(select(Case.id).where(where)))
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    return list(cases), History([tuple(row) for row in events.all()])
