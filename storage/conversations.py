"""Conversation state rows for the step machine."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation


async def load_conversation(
    session: AsyncSession, channel: str, chat_id: str, person_id: int
) -> Conversation:
    """The row for this person in this chat, locked for the rest of the transaction."""
    stmt = (
        select(Conversation)
        .where(
            Conversation.channel == channel,
            Conversation.chat_id == chat_id,
            Conversation.person_id == person_id,
        )
        .with_for_update()
    )
    conv = (await session.execute(stmt)).scalar_one_or_none()
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
        return (await session.execute(stmt)).scalar_one()
