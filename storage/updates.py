"""Inbound update ids: recorded before handling so a redelivery is ignored."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundUpdate, utcnow


async def record_update(session: AsyncSession, channel: str, update_key: str) -> bool:
    """True when this update is new; False when it was handled (or is being handled) already.

    On PostgreSQL a concurrent transaction holding the same key makes this wait for it; if
    that one commits, this one sees a conflict and the update is not handled twice.
    """
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(InboundUpdate)
        .values(channel=channel, update_key=update_key, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["channel", "update_key"])
        .returning(InboundUpdate.id)
    )
    return (await session.execute(stmt)).first() is not None
