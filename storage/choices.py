"""Numbered choices shown in text-only chats: the reply "2" presses the second button."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import per_dialect
from storage.models import ChatChoices, utcnow

_TABLE = ChatChoices.__table__


def _upsert(insert: Any) -> Any:
    stmt = insert(_TABLE).values(
        channel=bindparam("channel"),
        chat_id=bindparam("chat_id"),
        payloads=bindparam("payloads"),
        updated_at=bindparam("updated_at"),
    )
    return stmt.on_conflict_do_update(
        index_elements=["channel", "chat_id"],
        set_={"payloads": stmt.excluded.payloads, "updated_at": stmt.excluded.updated_at},
    )


# Built once: this runs for every message in a text-only chat (WeChat, WeCom).
_SAVE = per_dialect(_upsert)


async def save_choices(
    session: AsyncSession, channel: str, chat_id: str, payloads: list[list[str]]
) -> None:
    """Remember the buttons last shown in this chat (an empty list forgets them)."""
    conn = await session.connection()
    params = {"channel": channel, "chat_id": chat_id, "payloads": payloads, "updated_at": utcnow()}
    await conn.execute(_SAVE[conn.dialect.name], params)


async def load_choices(session: AsyncSession, channel: str, chat_id: str) -> list[list[str]]:
    row = await session.get(ChatChoices, (channel, chat_id))
    return list(row.payloads) if row else []
