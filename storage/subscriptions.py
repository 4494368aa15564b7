"""Subscriptions to policy updates and typical cases: made only when a person asks (issue 22)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PublicationReceipt, Subscription

TOPICS = ("policy", "cases", "both")
ROLES = ("worker", "employer")
BROADCAST_CHANNELS = ("telegram", "wechat", "console")  # WeCom is the staff's: never


@dataclass(frozen=True)
class Audience:
    """Who a broadcast is for, besides the topic: a role, a street, an industry (None: any)."""

    role: str | None = None
    street: str | None = None
    industry: str | None = None


def topics_for(kind: str) -> tuple[str, ...]:
    """The subscriptions a publication of this kind goes to."""
    return ("policy", "both") if kind == "policy" else ("cases", "both")


async def get(session: AsyncSession, person_id: int) -> Subscription | None:
    stmt = select(Subscription).where(Subscription.person_id == person_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def subscribe(
    session: AsyncSession,
    person_id: int,
    *,
    channel: str,
    chat_id: str,
    topics: str,
    role: str,
    street: str | None,
    industry: str | None,
    now: datetime,
) -> Subscription:
    """Subscribe (or change the choice); the chat is where the publications will go."""
    row = await get(session, person_id)
    if row is None:
        row = Subscription(person_id=person_id, channel=channel, chat_id=chat_id)
        session.add(row)
    row.channel, row.chat_id = channel, chat_id
    row.topics, row.role, row.street, row.industry = topics, role, street, industry
    if not row.active:
        row.subscribed_at = now
    row.active, row.unsubscribed_at = True, None
    if channel == "wechat" and row.wechat_tag != "tagged":
        row.wechat_tag = ""  # tagged by the next sync (bot.channels.wechat_broadcast)
    await session.flush()
    return row


async def unsubscribe(session: AsyncSession, person_id: int, now: datetime) -> bool:
    """Stop every publication to the person; False when they were not subscribed."""
    row = await get(session, person_id)
    if row is None or not row.active:
        return False
    row.active, row.unsubscribed_at = False, now
    if row.wechat_tag == "tagged":
        row.wechat_tag = "untag"
    return True


async def mark_offered(
    session: AsyncSession, person_id: int, channel: str, chat_id: str, now: datetime
) -> bool:
    """Record that a subscription was offered (once per person); False if it was before, or
    the person is subscribed already. The row stays inactive: offering is not subscribing."""
    row = await get(session, person_id)
    if row is not None and (row.offered_at is not None or row.active):
        return False
    if row is None:
        row = Subscription(person_id=person_id, channel=channel, chat_id=chat_id, active=False)
        session.add(row)
    row.offered_at = now
    await session.flush()
    return True


async def matching(
    session: AsyncSession, kind: str, audience: Audience, *, limit: int | None = None
) -> Sequence[Subscription]:
    stmt = matching_query(kind, audience).order_by(Subscription.id)
    if limit:
        stmt = stmt.limit(limit)
    return (await session.execute(stmt)).scalars().all()


def matching_query(kind: str, audience: Audience) -> Select[Subscription]:
    stmt = select(Subscription).where(
        Subscription.active.is_(True),
        Subscription.channel.in_(BROADCAST_CHANNELS),
        Subscription.topics.in_(topics_for(kind)),
    )
    if audience.role:
        stmt = stmt.where(Subscription.role == audience.role)
    if audience.street:
        stmt = stmt.where(Subscription.street == audience.street)
    if audience.industry:
        stmt = stmt.where(Subscription.industry == audience.industry)
    return stmt


async def count_by_channel(session: AsyncSession, kind: str, audience: Audience) -> dict[str, int]:
    sub = matching_query(kind, audience).subquery()
    stmt = select(sub.c.channel, func.count()).group_by(sub.c.channel)
    return {str(ch): int(n) for ch, n in (await session.execute(stmt)).all()}


@dataclass(frozen=True)
class Figures:
    subscribers: int
    by_channel: dict[str, int]
    unsubscribes: int
    publications_sent: int


async def figures(session: AsyncSession) -> Figures:
    """For /stats: subscribers now, people who unsubscribed, publications given."""
    rows = await session.execute(
        select(Subscription.channel, func.count())
        .where(Subscription.active.is_(True))
        .group_by(Subscription.channel)
    )
    by_channel = {str(ch): int(n) for ch, n in rows.all()}
    gone = await session.scalar(
        select(func.count())
        .select_from(Subscription)
        .where(Subscription.active.is_(False), Subscription.unsubscribed_at.is_not(None))
    )
    sent = await session.scalar(select(func.count()).select_from(PublicationReceipt))
    return Figures(sum(by_channel.values()), by_channel, int(gone or 0), int(sent or 0))
