"""The employers' risk levels as the last full evaluation left them (issue 21).

The periodic risk check (handlers/office/risk_warnings.py, every `[risk] evaluate_minutes`)
builds the whole ledger anyway; it keeps each graded employer's level and when it ran
(storage/models_risk.py). The monthly report reads those rows for its count per level and
its red employers instead of rebuilding the ledger from every open and recent case (about
2 s at a city's scale). When nothing recent is stored (a fresh install, a check that has
not run or is late) the ledger is built once and stored.

Two processes: the row of `risk_evaluations` is written with a conditional upsert (only an
evaluation later than the stored one replaces it), and the levels are replaced in the same
transaction; on PostgreSQL the upsert's row lock makes a second writer wait for the first
to commit and then look again, so the rows of two evaluations never mix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.office.risk import EmployerRisk, build_ledger, counts_by_level, stored_key
from knowledge.risk import RANK
from storage.db import insert_for
from storage.models import RiskEvaluation, RiskLevel

LEDGER = "ledger"  # the one row of risk_evaluations
SLACK = timedelta(minutes=10)  # a check a little late (a busy timer) still counts
ROWS_PER_INSERT = 1000  # 6 parameters a row: far under a statement's limit


@dataclass(frozen=True)
class RiskSummary:
    """The count of employers per level and the red ones by name (the ledger's order)."""

    counts: dict[str, int]
    red: list[str]
    evaluated_at: datetime


def summary_of(ledger: Sequence[EmployerRisk], now: datetime) -> RiskSummary:
    red = [e.name for e in ledger if e.level == "red"]  # the ledger is in its order already
    return RiskSummary(counts_by_level(ledger), red, now)


async def store(session: AsyncSession, ledger: Sequence[EmployerRisk], now: datetime) -> bool:
    """Keep the graded employers of a full evaluation made at `now`, in the caller's
    transaction; False (nothing written) when a later or equal evaluation is stored."""
    graded = [e for e in ledger if e.level]
    upsert = insert_for(session)(RiskEvaluation).values(
        name=LEDGER, evaluated_at=now, employers=len(graded)
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=["name"],
        set_={"evaluated_at": upsert.excluded.evaluated_at, "employers": len(graded)},
        where=RiskEvaluation.evaluated_at < upsert.excluded.evaluated_at,
    ).returning(RiskEvaluation.name)
    if (await session.execute(upsert)).first() is None:
        return False
    await session.execute(delete(RiskLevel))
    rows = [
        {
            "employer_key": stored_key(e),
            "employer_name": e.name[:200] if e.level == "red" else "",
            "level": e.level,
            "cases": len(e.cases),
            "evaluated_at": now,
        }
        for e in graded
    ]
    for start in range(0, len(rows), ROWS_PER_INSERT):
        await session.execute(insert(RiskLevel), rows[start : start + ROWS_PER_INSERT])
    return True


async def stored(session: AsyncSession, now: datetime, max_age: timedelta) -> RiskSummary | None:
    """The stored summary, if an evaluation within `max_age` of `now` left one."""
    at = (
        await session.execute(
            select(RiskEvaluation.evaluated_at).where(RiskEvaluation.name == LEDGER)
        )
    ).scalar_one_or_none()
    if at is None or at < now - max_age or at > now + SLACK:
        return None
    counts = {level: 0 for level in RANK}
    per_level = select(RiskLevel.level, func.count()).group_by(RiskLevel.level)
    for level, count in await session.execute(per_level):
        if level in counts:
            counts[level] = count
    reds = await session.execute(
        select(RiskLevel.employer_name, RiskLevel.cases).where(RiskLevel.level == "red")
    )
    red = [name for name, _cases in sorted(reds, key=lambda r: (-r.cases, r.employer_name))]
    return RiskSummary(counts, red, at)


async def current_summary(
    session: AsyncSession, tz: tzinfo, now: datetime, evaluate_minutes: int
) -> RiskSummary:
    """The summary the last periodic check stored, else the ledger built (and stored) now."""
    max_age = timedelta(minutes=evaluate_minutes) + SLACK
    summary = await stored(session, now, max_age)
    if summary is not None:
        return summary
    ledger = await build_ledger(session, tz, now)
    await store(session, ledger, now)
    return summary_of(ledger, now)
