"""People and their channel identities."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Identity, Person, utcnow

#: How stale `last_seen_at` may get before a message rewrites it. Without this every message
#: updated the row; it only orders a person's identities and opens WeChat's 48-hour window.
TOUCH_EVERY = timedelta(minutes=1)

# Built once: the sender's identity and their person in one query, for every message.
_SENDER = (
    select(Identity, Person)
    .join(Person, Person.id == Identity.person_id)
    .where(
        Identity.channel == bindparam("channel"),
        Identity.external_id == bindparam("external_id"),
    )
)


async def find_identity(session: AsyncSession, channel: str, external_id: str) -> Identity | None:
    stmt = select(Identity).where(Identity.channel == channel, Identity.external_id == external_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_or_create_identity(
    session: AsyncSession, channel: str, external_id: str, private_chat_id: str | None
) -> tuple[Identity, Person]:
    """The sender's identity and person, created on first contact.

    Names from the platform are not stored: the only personal data kept is what a person
    types into intake after consenting.
    """
    params = {"channel": channel, "external_id": external_id}
    row = (await session.execute(_SENDER, params)).first()
    found = (row[0], row[1]) if row else None
    return await settle_identity(session, channel, external_id, private_chat_id, found)


async def settle_identity(
    session: AsyncSession,
    channel: str,
    external_id: str,
    private_chat_id: str | None,
    found: tuple[Identity, Person] | None,
) -> tuple[Identity, Person]:
    """The identity and person a query found (created when `found` is None), with where
    pushes go, when they were last seen and their push window brought up to date."""
    identity: Identity | None = found[0] if found else None
    person: Person | None
    if identity is None:
        try:
            async with session.begin_nested():
                person = Person()
                session.add(person)
                await session.flush()
                identity = Identity(
                    person_id=person.id,
                    channel=channel,
                    external_id=external_id,
                    chat_id=private_chat_id or "",
                )
                session.add(identity)
                await session.flush()
        except IntegrityError:  # another process created it a moment ago
            identity = await find_identity(session, channel, external_id)
            assert identity is not None
    if private_chat_id and identity.chat_id != private_chat_id:
        identity.chat_id = private_chat_id  # a group message never changes where pushes go
    now = utcnow()
    if now - identity.last_seen_at >= TOUCH_EVERY:
        identity.last_seen_at = now
    if identity.window_pushes:
        identity.window_pushes = 0  # they wrote: WeChat's push window starts again
    person = found[1] if found else await session.get(Person, identity.person_id)
    assert person is not None
    return identity, person


async def private_chat_identity(session: AsyncSession, person_id: int) -> Identity | None:
    """Where to push to a person: their most recently seen identity."""
    stmt = (
        select(Identity)
        .where(Identity.person_id == person_id)
        .order_by(Identity.last_seen_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
