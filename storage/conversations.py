"""Conversation state rows for the step machine."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation

# Built once (it runs for every message): the row, locked for the rest of the transaction.
_LOCKED = (
    select(Conversation)
    .where(
        Conversation.channel == bindparam("channel"),
        Conversation.chat_id == bindparam("chat_id"),
        Conversation.person_id == bindparam("person_id"),
    )
    .with_for_update()
)


async def load_conversation(
    session: AsyncSession, channel: str, chat_id: str, person_id: int
) -> Conversation:
    """The row for this person in this chat, locked for the rest of the transaction."""
    params = {"channel": channel, "chat_id": chat_id, "person_id": person_id}
    conv = (await session.execute(_LOCKED, params)).scalar_one_or_none()
    if conv is not None:
        return conv
    try:
        async with session.begin_nested():
            conv = Conversation(
                channel=channel, chat_id=chat_id, person_id=person_id, answers={}, history=[]
            )
            session.add(conv)
            await session.flush()
            return conv
    except IntegrityError:
        return (await session.execute(_LOCKED, params)).scalar_one()
