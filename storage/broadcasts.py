"""Broadcasts of publications: the ledger, the receipts that make a publication reach a person
once, and the pushes they become (issue 22).

A receipt (publication, person) is inserted before its push, in the same transaction, with
ON CONFLICT DO NOTHING: whichever process, pass or later broadcast tries again, a person who
has a receipt is never pushed the publication a second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import OUTBOX_QUEUED, insert_for
from storage.models import (
    Broadcast,
    Identity,
    MassSendSlot,
    OutboxMessage,
    PublicationReceipt,
    Subscription,
    utcnow,
)
from storage.subscriptions import Audience, matching_query

ACTIVE = ("queued", "sending")
LEASE = timedelta(seconds=30)


def mass_key(broadcast_id: int) -> str:
    return f"bc:{broadcast_id}:mass"


def push_key(publication_id: str, person_id: int) -> str:
    return f"pub:{publication_id}:{person_id}"


async def mass_sends_in(session: AsyncSession, month: str) -> int:
    """Broadcasts that used (or reserved) a WeChat mass send in the month ("2026-12")."""
    stmt = select(func.count()).select_from(MassSendSlot).where(MassSendSlot.month == month)
    return int(await session.scalar(stmt) or 0)


async def take_mass_send(session: AsyncSession, broadcast_id: int, month: str, quota: int) -> bool:
    """Take one of the month's `quota` mass sends for the broadcast; False when all are taken.

    One insert per slot, ON CONFLICT DO NOTHING: a confirmation at the same instant that holds
    slot n makes this one wait for its commit (PostgreSQL) and then try n + 1, so no more than
    `quota` broadcasts ever hold a slot. On SQLite transactions take the write lock in turn."""
    held = select(MassSendSlot.n).where(MassSendSlot.broadcast_id == broadcast_id)
    if await session.scalar(held) is not None:
        return True
    insert = insert_for(session)
    for n in range(1, quota + 1):
        stmt = (
            insert(MassSendSlot)
            .values(month=month, n=n, broadcast_id=broadcast_id)
            .on_conflict_do_nothing()
        )
        if cast(CursorResult[Any], await session.execute(stmt)).rowcount:
            return True
    return False


async def release_mass_send(session: AsyncSession, broadcast_id: int) -> None:
    """The broadcast needs no mass send after all: its slot goes back to the month."""
    await session.execute(delete(MassSendSlot).where(MassSendSlot.broadcast_id == broadcast_id))


async def claim(session: AsyncSession, now: datetime) -> Broadcast | None:
    """One broadcast to work on, leased so that another process leaves it alone meanwhile."""
    stmt = (
        select(Broadcast)
        .where(
            Broadcast.status.in_(ACTIVE),
            or_(Broadcast.locked_until.is_(None), Broadcast.locked_until < now),
        )
        .order_by(Broadcast.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is not None:
        row.locked_until = now + LEASE
    return row


async def unreceipted(
    session: AsyncSession, publication_id: str, kind: str, audience: Audience, limit: int
) -> Sequence[Subscription]:
    """Subscribers of the audience who have not been given the publication yet."""
    stmt = (
        matching_query(kind, audience)
        .outerjoin(
            PublicationReceipt,
            and_(
                PublicationReceipt.publication_id == publication_id,
                PublicationReceipt.person_id == Subscription.person_id,
            ),
        )
        .where(PublicationReceipt.id.is_(None))
        .order_by(Subscription.id)
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


async def open_windows(
    session: AsyncSession, openids: Sequence[str], cutoff: datetime, max_messages: int
) -> set[str]:
    """Claim one customer-service message in the window of each person whose window is open
    (wrote after `cutoff`, fewer than `max_messages` pushes since); returns their openids."""
    if not openids:
        return set()
    stmt = (
        update(Identity)
        .where(
            Identity.channel == "wechat",
            Identity.external_id.in_(list(openids)),
            Identity.last_seen_at > cutoff,
            Identity.window_pushes + 1 <= max_messages,
        )
        .values(window_pushes=Identity.window_pushes + 1)
        .returning(Identity.external_id)
    )
    return {str(x) for x in (await session.execute(stmt)).scalars().all()}


async def add_receipts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[int]:
    """Insert receipts; returns the people whose receipt is new (only they get a push)."""
    if not rows:
        return set()
    insert = insert_for(session)
    stmt = (
        insert(PublicationReceipt)
        .values(list(rows))
        .on_conflict_do_nothing(index_elements=["publication_id", "person_id"])
        .returning(PublicationReceipt.person_id)
    )
    return {int(x) for x in (await session.execute(stmt)).scalars().all()}


async def enqueue_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Queue many pushes at once (each row: key, channel, chat_id, person_id, payload)."""
    if not rows:
        return
    now = utcnow()
    values = [
        dict(
            idempotency_key=r["key"],
            channel=r["channel"],
            chat_id=r["chat_id"],
            person_id=r.get("person_id"),
            payload=r["payload"],
            status="pending",
            attempts=0,
            last_error="",
            next_attempt_at=now,
            created_at=now,
        )
        for r in rows
    ]
    insert = insert_for(session)
    await session.execute(
        insert(OutboxMessage).on_conflict_do_nothing(index_elements=["idempotency_key"]),
        values,
    )
    session.info[OUTBOX_QUEUED] = True


async def routes(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """Receipts of a broadcast by route (push, customer_service, mass)."""
    stmt = (
        select(PublicationReceipt.route, func.count())
        .where(PublicationReceipt.broadcast_id == broadcast_id)
        .group_by(PublicationReceipt.route)
    )
    return {str(r): int(n) for r, n in (await session.execute(stmt)).all()}


async def delivery(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """The broadcast's receipts by the state of their push: delivered, failed, pending, held."""
    stmt = (
        select(OutboxMessage.status, func.count())
        .select_from(PublicationReceipt)
        .join(OutboxMessage, OutboxMessage.idempotency_key == PublicationReceipt.outbox_key)
        .where(PublicationReceipt.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.status)
    )
    return {str(s): int(n) for s, n in (await session.execute(stmt)).all()}


async def mass_openids(session: AsyncSession, broadcast_id: int) -> list[str]:
    stmt = select(PublicationReceipt.chat_id).where(
        PublicationReceipt.broadcast_id == broadcast_id, PublicationReceipt.route == "mass"
    )
    return [str(x) for x in (await session.execute(stmt)).scalars().all()]


async def drop_mass(session: AsyncSession, broadcast_id: int) -> int:
    """Forget the mass-send receipts of a broadcast that cannot mass-send (the quota is spent):
    those people can be reached by a later broadcast."""
    rows = await mass_openids(session, broadcast_id)
    await session.execute(
        PublicationReceipt.__table__.delete().where(  # type: ignore[attr-defined]
            PublicationReceipt.broadcast_id == broadcast_id, PublicationReceipt.route == "mass"
        )
    )
    return len(rows)


async def ledger(session: AsyncSession, limit: int = 20) -> Sequence[Broadcast]:
    stmt = (
        select(Broadcast)
        .where(Broadcast.status != "preview")
        .order_by(Broadcast.id.desc())
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


async def count_sent(session: AsyncSession) -> int:
    """Broadcasts confirmed and sent (or sending), for /stats."""
    stmt = (
        select(func.count()).select_from(Broadcast).where(Broadcast.status.in_(("done", *ACTIVE)))
    )
    return int(await session.scalar(stmt) or 0)


async def preview_counts(
    session: AsyncSession,
    publication_id: str,
    kind: str,
    audience: Audience,
    *,
    cutoff: datetime,
    max_messages: int,
) -> dict[str, int]:
    """Who would get it now, by route: telegram, console, wechat_window (customer-service
    messages) and wechat_mass (outside their window); "already": had it before."""
    base = (
        matching_query(kind, audience)
        .outerjoin(
            PublicationReceipt,
            and_(
                PublicationReceipt.publication_id == publication_id,
                PublicationReceipt.person_id == Subscription.person_id,
            ),
        )
        .outerjoin(
            Identity,
            and_(
                Identity.channel == Subscription.channel,
                Identity.external_id == Subscription.chat_id,
            ),
        )
        .with_only_columns(
            Subscription.channel,
            PublicationReceipt.id.is_not(None).label("had"),
            and_(Identity.last_seen_at > cutoff, Identity.window_pushes < max_messages).label(
                "open"
            ),
        )
    )
    counts: dict[str, int] = {}
    for channel, had, is_open in (await session.execute(base)).all():
        if had:
            key = "already"
        elif channel == "wechat":
            key = "wechat_window" if is_open else "wechat_mass"
        else:
            key = str(channel)
        counts[key] = counts.get(key, 0) + 1
    return counts
