"""Conversation state rows for the step machine.

A person who only asks questions (or says hello) needs no row: the core gets an unsaved
conversation and keeps it only if the message changed it (`keep_if_changed`), so a stateless
FAQ answer writes nothing here. Where a row exists it is locked for the handling transaction
(PostgreSQL; on SQLite every transaction holds the one write lock), so two processes never
handle one chat at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, bindparam, inspect, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Conversation, Identity, Person
from storage.people import settle_identity


def _sender_and_conversation(dialect: str) -> Select[Any]:
    """The sender's identity, their person and their conversation in this chat (if any), in
    one query. PostgreSQL locks the conversation row in a LATERAL sub-select (FOR UPDATE
    may not apply to the nullable side of an outer join); SQLite has no row locks."""
    where = (
        Conversation.channel == Identity.channel,
        Conversation.chat_id == bindparam("chat_id"),
        Conversation.person_id == Identity.person_id,
    )
    if dialect == "postgresql":
        sub = select(Conversation).where(*where).with_for_update().lateral()
        conv: Any = aliased(Conversation, sub)
        joined = select(Identity, Person, conv).select_from(Identity).outerjoin(sub, true())
    else:
        joined = (
            select(Identity, Person, Conversation)
            .select_from(Identity)
            .outerjoin(Conversation, and_(*where))
        )
    return joined.join(Person, Person.id == Identity.person_id).where(
        Identity.channel == bindparam("channel"),
        Identity.external_id == bindparam("external_id"),
    )


_SENDER_CONV = {name: _sender_and_conversation(name) for name in ("postgresql", "sqlite")}


async def load_sender(
    session: AsyncSession,
    channel: str,
    external_id: str,
    private_chat_id: str | None,
    chat_id: str,
) -> tuple[Identity, Person, Conversation]:
    """The sender (created on first contact) and their conversation in `chat_id`: one query
    for a known sender. The conversation is new and unsaved when they have none yet."""
    dialect = session.get_bind().dialect.name
    params = {"channel": channel, "external_id": external_id, "chat_id": chat_id}
    row = (await session.execute(_SENDER_CONV[dialect], params)).first()
    found = (row[0], row[1]) if row else None
    identity, person = await settle_identity(session, channel, external_id, private_chat_id, found)
    conv = row[2] if row else None  # a new sender has no conversation yet
    if conv is None:
        conv = _new(channel, chat_id, identity.person_id)
    return identity, person, conv


def _new(channel: str, chat_id: str, person_id: int) -> Conversation:
    """Not added to the session: `keep_if_changed` adds it once the message changed it (a
    query meanwhile would otherwise autoflush it). Until then it has no id and nothing refers
    to it: evidence and drafts only exist in a conversation that was kept."""
    return Conversation(
        channel=channel, chat_id=chat_id, person_id=person_id, answers={}, history=[]
    )


def blank(conv: Conversation) -> bool:
    """Nothing to remember: no flow, no step, no answers, no history."""
    return not (conv.flow or conv.step or conv.answers or conv.history)


def keep_if_changed(session: AsyncSession, conv: Conversation) -> None:
    """After handling: a new conversation is written only if the message changed it. If
    another process inserted the same row meanwhile, the unique key fails this transaction
    and the core handles the message again, finding that row."""
    if inspect(conv).transient and not blank(conv):
        session.add(conv)
