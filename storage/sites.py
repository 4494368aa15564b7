"""The district network's sites in the database, and moving a case between them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from settings import SiteSettings
from storage.db import insert_for
from storage.models import Case, Site, utcnow


async def sync_sites(session: AsyncSession, configured: Sequence[SiteSettings]) -> None:
    """Make `sites` what the configuration says (at start; several processes may do it at
    once, hence the upsert); sites no longer configured are kept, inactive."""
    insert = insert_for(session)
    now = utcnow()
    for site in configured:
        values = dict(
            name=site.name,
            name_en=site.name_en,
            kind=site.kind,
            streets=list(site.streets),
            industries=list(site.industries),
            address=site.address,
            hours=site.hours,
            active=True,
            synced_at=now,
        )
        stmt = (
            insert(Site)
            .values(id=site.id, **values)
            .on_conflict_do_update(index_elements=["id"], set_=values)
        )
        await session.execute(stmt)
    ids = [s.id for s in configured]
    await session.execute(update(Site).where(Site.id.not_in(ids)).values(active=False))


async def known_sites(session: AsyncSession) -> list[Site]:
    return list((await session.execute(select(Site).order_by(Site.id))).scalars())


async def move_case(
    session: AsyncSession,
    case: Case,
    to_site: str,
    *,
    mark: datetime | None = None,
    once: bool = False,
) -> bool:
    """Move the case to `to_site` (recording `mark` as its escalation time unless one is
    recorded). With `once`, only a case never escalated moves: one conditional UPDATE
    decides, so of two processes exactly one wins (True for it)."""
    stmt = update(Case).where(Case.id == case.id, Case.site == case.site)
    if once:
        stmt = stmt.where(Case.escalated_at.is_(None))
    values: dict[str, Any] = {"site": to_site, "updated_at": utcnow()}
    if mark is not None:
        values["escalated_at"] = func.coalesce(Case.escalated_at, mark)
    result = await session.execute(
        stmt.values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.refresh(case, ["site", "escalated_at", "updated_at"])
    return True
