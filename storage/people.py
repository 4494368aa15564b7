"""People and their channel identities."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Identity, Person, utcnow


async def find_identity(session: AsyncSession, channel: str, external_id: str) -> Identity | None:
    stmt = select(Identity).where(Identity.channel == channel, Identity.external_id == external_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_or_create_identity(
    session: AsyncSession, channel: str, external_id: str, private_chat_id: str | None
) -> Identity:
    """The sender's identity (and person), created on first contact.

    Names from the platform are not stored: the only personal data kept is what a person
    types into intake after consenting.
    """
    identity = await find_identity(session, channel, external_id)
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
    identity.last_seen_at = utcnow()
    identity.window_pushes = 0  # they wrote: WeChat's push window starts again
    return identity


async def private_chat_identity(session: AsyncSession, person_id: int) -> Identity | None:
    """Where to push to a person: their most recently seen identity."""
    stmt = (
        select(Identity)
        .where(Identity.person_id == person_id)
        .order_by(Identity.last_seen_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
