"""The durable outbox: pushes written with the change that caused them, delivered later.

Delivery is at least once. A dispatcher leases the rows it sends (`claim_due`) and renews the
lease while it is at them (`renew`), so a push is taken over only from a process that
stopped; every outcome is recorded only by the lease's owner. A push of several replies
records each reply sent (`mark_progress`), so a retry resumes after it. What can still
arrive twice: the one message that was on its way when the process died, because the
platform took it and the bot never heard so (tests/test_faults.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import OUTBOX_QUEUED, insert_for
from storage.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=15)  # renewed every third of it while the dispatcher holds it


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
    session: AsyncSession, owner: str, limit: int = 20, lease: timedelta = LEASE
) -> Sequence[OutboxMessage]:
    """Lease due messages to `owner`; other processes skip leased rows.

    A process that dies holding a lease leaves its rows until the lease ends; then they are
    sent again, from the first reply not recorded as sent.
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
        if row.locked_until is not None:  # a lease that ran out: its holder stopped
            log.warning(
                "outbox %s taken over from a stopped dispatcher after %d replies sent; "
                "a message it was sending then may arrive twice",
                row.id,
                row.sent_parts,
            )
        row.locked_until = now + lease
        row.lease_owner = owner
    return rows


def _owned(message_id: int, owner: str) -> Any:
    return (OutboxMessage.id == message_id) & (OutboxMessage.lease_owner == owner)


async def renew(
    session: AsyncSession, message_ids: Sequence[int], owner: str, lease: timedelta = LEASE
) -> int:
    """Extend the lease of the rows `owner` still holds; returns how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(message_ids),
            OutboxMessage.lease_owner == owner,
            OutboxMessage.status == "pending",
        )
        .values(locked_until=utcnow() + lease)
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)  # an UPDATE's result


async def mark_progress(
    session: AsyncSession, message_id: int, owner: str, sent_parts: int, lease: timedelta = LEASE
) -> bool:
    """Record that the first `sent_parts` replies of a push were sent (a retry resumes after
    them). False when the lease was lost: stop sending."""
    result = await session.execute(
        update(OutboxMessage)
        .where(_owned(message_id, owner))
        .values(sent_parts=sent_parts, locked_until=utcnow() + lease)
    )
    return bool(cast(CursorResult[Any], result).rowcount)  # an UPDATE's result


async def mark_delivered(
    session: AsyncSession, message_id: int, route: str | None = None, owner: str | None = None
) -> None:
    where = _owned(message_id, owner) if owner else OutboxMessage.id == message_id
    await session.execute(
        update(OutboxMessage)
        .where(where)
        .values(status="delivered", delivered_at=utcnow(), locked_until=None, route=route)
    )


async def mark_held(
    session: AsyncSession, message_id: int, reason: str, owner: str | None = None
) -> None:
    """Keep a push the channel cannot deliver now; `release_held` frees it."""
    where = _owned(message_id, owner) if owner else OutboxMessage.id == message_id
    await session.execute(
        update(OutboxMessage)
        .where(where)
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
    session: AsyncSession,
    message_id: int,
    error: str,
    *,
    max_attempts: int,
    owner: str | None = None,
) -> None:
    """Record a failed attempt; retry with exponential backoff, give up after max_attempts."""
    row = await session.get(OutboxMessage, message_id)
    if row is None or (owner and row.lease_owner != owner):
        return
    row.attempts += 1
    row.last_error = error[:2000]
    row.locked_until = None
    if row.attempts >= max_attempts:
        row.status = "failed"
    else:
        row.next_attempt_at = utcnow() + timedelta(seconds=min(5 * 2 ** (row.attempts - 1), 3600))
