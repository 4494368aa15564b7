"""Cases: numbering, lookup and the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import OUTCOME_STATES, Case, CaseCounter, CaseEvent, utcnow


async def next_case_number(session: AsyncSession, prefix: str, year: int) -> str:
    """`{prefix}-{year}-{seq:06d}`; one atomic upsert, so two processes never share a number."""
    insert = insert_for(session)
    stmt = (
        insert(CaseCounter)
        .values(prefix=prefix, year=year, last_seq=1)
        .on_conflict_do_update(
            index_elements=["prefix", "year"], set_={"last_seq": CaseCounter.last_seq + 1}
        )
        .returning(CaseCounter.last_seq)
    )
    seq = (await session.execute(stmt)).scalar_one()
    return f"{prefix}-{year}-{seq:06d}"


async def add_event(
    session: AsyncSession,
    case: Case,
    *,
    actor: str,
    action: str,
    to_state: str | None = None,
    note: str = "",
) -> CaseEvent:
    """Record a change on the case (and move its state when `to_state` is given)."""
    if case.id is None:
        await session.flush()
    event = CaseEvent(
        case_id=case.id,
        actor=actor,
        action=action,
        from_state=case.state,
        to_state=to_state,
        note=note,
    )
    if to_state is not None:
        case.state = to_state
        if to_state == "closed":
            case.closed_at = utcnow()
    case.updated_at = utcnow()
    session.add(event)
    return event


async def case_events(session: AsyncSession, case_id: int) -> Sequence[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return (await session.execute(stmt)).scalars().all()


async def find_case_by_number(session: AsyncSession, number: str) -> Case | None:
    stmt = select(Case).where(Case.number == number.strip().upper())
    return (await session.execute(stmt)).scalar_one_or_none()


async def cases_of_person(session: AsyncSession, person_id: int) -> Sequence[Case]:
    """Cases where the person is the applicant or a bound respondent."""
    stmt = (
        select(Case)
        .where(
            or_(Case.applicant_person_id == person_id, Case.respondent_person_id == person_id),
            Case.number.is_not(None),
        )
        .order_by(Case.id.desc())
    )
    return (await session.execute(stmt)).scalars().all()


async def backfill_first_outcomes(session: AsyncSession) -> None:
    """Set every case's first outcome from its events (for events inserted in bulk, which the
    ORM's `first_outcome` hook does not see: the data-scale seeder, an import)."""

    def first(column: Any) -> Any:
        return (
            select(column)
            .where(CaseEvent.case_id == Case.id, CaseEvent.to_state.in_(OUTCOME_STATES))
            .order_by(CaseEvent.at, CaseEvent.id)
            .limit(1)
            .scalar_subquery()
        )

    has_one = select(CaseEvent.case_id).where(CaseEvent.to_state.in_(OUTCOME_STATES))
    await session.execute(
        update(Case)
        .where(Case.id.in_(has_one))
        .values(first_outcome=first(CaseEvent.to_state), first_outcome_at=first(CaseEvent.at))
        .execution_options(synchronize_session=False)
    )
