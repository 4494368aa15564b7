"""Signed callbacks seen recently (WeChat, WeCom), shared by every process on the database.

A (timestamp, nonce) pair may come again only with the same body: the platform retrying a
call it got no answer to. With another body it is a replay of a captured signature (WeChat's
plain mode signs only the token, timestamp and nonce, not the body) and is refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import per_dialect
from storage.models import CallbackNonce

_TABLE = cast(Table, CallbackNonce.__table__)  # a mapped class's table is a Table


def _remember(insert: Any) -> Any:
    return (
        insert(_TABLE)
        .values(
            source=bindparam("source"),
            timestamp=bindparam("timestamp"),
            nonce=bindparam("nonce"),
            body_digest=bindparam("digest"),
            expires_at=bindparam("expires_at"),
        )
        .on_conflict_do_nothing(index_elements=["source", "timestamp", "nonce"])
        .returning(_TABLE.c.id)
    )


_REMEMBER = per_dialect(_remember)
_DIGEST = select(_TABLE.c.body_digest).where(
    _TABLE.c.source == bindparam("source"),
    _TABLE.c.timestamp == bindparam("timestamp"),
    _TABLE.c.nonce == bindparam("nonce"),
)
_FORGET = delete(_TABLE).where(_TABLE.c.expires_at < bindparam("now"))


async def first_use(
    session: AsyncSession,
    source: str,
    timestamp: str,
    nonce: str,
    digest: str,
    expires_at: datetime,
) -> bool:
    """True when this (timestamp, nonce) is new, or came before with the same body digest."""
    conn = await session.connection()
    params = {
        "source": source,
        "timestamp": timestamp,
        "nonce": nonce,
        "digest": digest,
        "expires_at": expires_at,
    }
    if (await conn.execute(_REMEMBER[conn.dialect.name], params)).first() is not None:
        return True
    seen = (await conn.execute(_DIGEST, params)).scalar()
    return seen == digest


async def forget_expired(session: AsyncSession, now: datetime) -> int:
    conn = await session.connection()
    return int((await conn.execute(_FORGET, {"now": now})).rowcount or 0)
