"""Inbound update ids: recorded before handling so a redelivery is ignored."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import InboundUpdate, utcnow


async def record_update(session: AsyncSession, channel: str, update_key: str) -> bool:
    """True when this update is new; False when it was handled (or is being handled) already.

    On PostgreSQL a concurrent transaction holding the same key makes this wait for it; if
    that one commits, this one sees a conflict and the update is not handled twice.
    """
    insert = insert_for(session)
    stmt = (
        insert(InboundUpdate)
        .values(channel=channel, update_key=update_key, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["channel", "update_key"])
        .returning(InboundUpdate.id)
    )
    return (await session.execute(stmt)).first() is not None
