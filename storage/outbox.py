"""The durable outbox: pushes written with the change that caused them, delivered later."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import OUTBOX_QUEUED, insert_for
from storage.models import OutboxMessage, utcnow

LEASE = timedelta(seconds=60)


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    channel: str,
    chat_id: str,
    payload: dict[str, Any],
    person_id: int | None = None,
    status: str = "pending",
) -> None:
    """Add a push unless one with the same idempotency key exists already.

    status "held" keeps it until `release_held` (the channel cannot reach the person yet).
    """
    values = dict(
        idempotency_key=key,
        channel=channel,
        chat_id=chat_id,
        person_id=person_id,
        payload=payload,
        status=status,
        attempts=0,
        last_error="",
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )
    insert = insert_for(session)
    stmt = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    await session.execute(stmt)
    if status == "pending":
        session.info[OUTBOX_QUEUED] = True  # Database.session wakes the dispatcher


async def claim_due(
    session: AsyncSession, limit: int = 20, lease: timedelta = LEASE
) -> Sequence[OutboxMessage]:
    """Lease due messages to this process; other processes skip leased rows.

    A process that dies holding a lease leaves its rows until the lease ends; then they are
    sent again (one that was in flight may reach its chat twice).
    """
    now = utcnow()
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (await session.execute(stmt)).scalars().all()
    for row in rows:
        row.locked_until = now + lease
    return rows


async def mark_delivered(session: AsyncSession, message_id: int, route: str | None = None) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status="delivered", delivered_at=utcnow(), locked_until=None, route=route)
    )


async def mark_held(session: AsyncSession, message_id: int, reason: str) -> None:
    """Keep a push the channel cannot deliver now; `release_held` frees it."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status="held", locked_until=None, last_error=reason[:2000])
    )


_OUTBOX = cast(Table, OutboxMessage.__table__)  # a mapped class's table is a Table
_RELEASE_HELD = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.channel == bindparam("b_channel"),
        _OUTBOX.c.chat_id == bindparam("b_chat_id"),
        _OUTBOX.c.status == "held",
    )
    .values(status="pending", next_attempt_at=bindparam("now"))
)


async def release_held(session: AsyncSession, channel: str, chat_id: str) -> int:
    """The person wrote again: their held pushes are due now. Returns how many."""
    conn = await session.connection()  # Core, built once: this runs for every WeChat message
    params = {"b_channel": channel, "b_chat_id": chat_id, "now": utcnow()}
    released = (await conn.execute(_RELEASE_HELD, params)).rowcount or 0
    if released:
        session.info[OUTBOX_QUEUED] = True
    return released


async def mark_failed(
    session: AsyncSession, message_id: int, error: str, *, max_attempts: int
) -> None:
    """Record a failed attempt; retry with exponential backoff, give up after max_attempts."""
    row = await session.get(OutboxMessage, message_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = error[:2000]
    row.locked_until = None
    if row.attempts >= max_attempts:
        row.status = "failed"
    else:
        row.next_attempt_at = utcnow() + timedelta(seconds=min(5 * 2 ** (row.attempts - 1), 3600))
