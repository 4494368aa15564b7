"""Numbered choices shown in text-only chats: the reply "2" presses the second button."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import ChatChoices, utcnow


async def save_choices(
    session: AsyncSession, channel: str, chat_id: str, payloads: list[list[str]]
) -> None:
    """Remember the buttons last shown in this chat (an empty list forgets them)."""
    insert = insert_for(session)
    stmt = insert(ChatChoices).values(
        channel=channel, chat_id=chat_id, payloads=payloads, updated_at=utcnow()
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["channel", "chat_id"],
        set_={"payloads": payloads, "updated_at": utcnow()},
    )
    await session.execute(stmt)


async def load_choices(session: AsyncSession, channel: str, chat_id: str) -> list[list[str]]:
    row = await session.get(ChatChoices, (channel, chat_id))
    return list(row.payloads) if row else []
