"""Scheduled jobs that must run once per period across all instances."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import JobRun


async def claim_job(session: AsyncSession, job: str, period: str) -> bool:
    """True for the one process that claims (job, period) first."""
    insert = insert_for(session)
    stmt = (
        insert(JobRun)
        .values(job=job, period=period)
        .on_conflict_do_nothing(index_elements=["job", "period"])
        .returning(JobRun.id)
    )
    return (await session.execute(stmt)).first() is not None
