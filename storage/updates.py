"""Inbound update ids: recorded before handling so a redelivery is ignored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import per_dialect
from storage.models import InboundUpdate, utcnow

_TABLE = InboundUpdate.__table__


# Built once, on the table rather than the mapped class: this runs for every message, and
# the ORM's bulk-insert path and a fresh statement's cache key cost more than the insert.
def _record(insert: Any) -> Any:
    return (
        insert(_TABLE)
        .values(
            channel=bindparam("channel"),
            update_key=bindparam("update_key"),
            received_at=bindparam("received_at"),
        )
        .on_conflict_do_nothing(index_elements=["channel", "update_key"])
        .returning(_TABLE.c.id)
    )


_RECORD = per_dialect(_record)


async def record_update(session: AsyncSession, channel: str, update_key: str) -> bool:
    """True when this update is new; False when it was handled (or is being handled) already.

    On PostgreSQL a concurrent transaction holding the same key makes this wait for it; if
    that one commits, this one sees a conflict and the update is not handled twice.
    """
    conn = await session.connection()
    params = {"channel": channel, "update_key": update_key, "received_at": utcnow()}
    return (await conn.execute(_RECORD[conn.dialect.name], params)).first() is not None
