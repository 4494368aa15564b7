"""Inbound update ids: recorded before handling so a redelivery is not handled twice.

The replies are kept with the record in the same transaction and cleared once the channel
has sent them: a redelivery that finds them still there (the process died in between) sends
them instead of nothing.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import per_dialect
from storage.models import InboundUpdate, utcnow

_TABLE = cast(Table, InboundUpdate.__table__)  # a mapped class's table is a Table


# Built once, on the table rather than the mapped class: this runs for every message, and
# the ORM's bulk-insert path and a fresh statement's cache key cost more than the insert.
def _record(insert: Any) -> Any:
    return (
        insert(_TABLE)
        .values(
            channel=bindparam("channel"),
            update_key=bindparam("update_key"),
            received_at=bindparam("received_at"),
        )
        .on_conflict_do_nothing(index_elements=["channel", "update_key"])
        .returning(_TABLE.c.id)
    )


_RECORD = per_dialect(_record)


async def record_update(session: AsyncSession, channel: str, update_key: str) -> int | None:
    """The new record's id; None when the update was handled (or is being handled) already.

    On PostgreSQL a concurrent transaction holding the same key makes this wait for it; if
    that one commits, this one sees a conflict and the update is not handled twice.
    """
    conn = await session.connection()
    params = {"channel": channel, "update_key": update_key, "received_at": utcnow()}
    row = (await conn.execute(_RECORD[conn.dialect.name], params)).first()
    return None if row is None else int(row.id)


_STORE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"))
    .values(answer=bindparam("answer"), answer_owner=bindparam("owner"))
)
# Store this update's replies and clear those of earlier updates since sent, in one statement
# (one fewer per message when both happen, which under load is nearly always).
_IS_NEW = _TABLE.c.id == bindparam("b_id")
_STORE_AND_CLEAR = (
    update(_TABLE)
    .where(_IS_NEW | _TABLE.c.id.in_(bindparam("ids", expanding=True)))
    .values(
        answer=case((_IS_NEW, bindparam("answer", type_=_TABLE.c.answer.type)), else_=None),
        answer_owner=case(
            (_IS_NEW, bindparam("owner", type_=_TABLE.c.answer_owner.type)),
            else_=_TABLE.c.answer_owner,
        ),
    )
)
_PENDING = select(_TABLE.c.id, _TABLE.c.answer, _TABLE.c.answer_owner).where(
    _TABLE.c.channel == bindparam("b_channel"),
    _TABLE.c.update_key == bindparam("b_key"),
    _TABLE.c.answer.is_not(None),
)
_CLEAR = update(_TABLE).where(_TABLE.c.id.in_(bindparam("ids", expanding=True))).values(answer=None)


async def store_answer(
    session: AsyncSession,
    update_id: int,
    chat_id: str,
    replies: list[dict[str, Any]],
    owner: int | None = None,
    *,
    clear: Collection[int] = (),
) -> None:
    """Keep the replies with the update's record (encrypted), in the handling transaction;
    `clear`: earlier updates whose replies were sent, cleared by the same statement."""
    conn = await session.connection()
    answer = {"chat": chat_id, "replies": replies}
    payload = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
    params = {"b_id": update_id, "answer": payload, "owner": owner}
    if clear:
        await conn.execute(_STORE_AND_CLEAR, {**params, "ids": list(clear)})
    else:
        await conn.execute(_STORE, params)


async def pending_answer(
    session: AsyncSession, channel: str, update_key: str
) -> tuple[int, list[dict[str, Any]], int | None] | None:
    """The update's id, replies and their owner when they were stored but not (known to
    be) sent."""
    conn = await session.connection()
    row = (await conn.execute(_PENDING, {"b_channel": channel, "b_key": update_key})).first()
    if row is None or not row.answer:
        return None
    return row.id, json.loads(row.answer)["replies"], row.answer_owner


async def unsent_answers(
    session: AsyncSession, older_than: datetime, limit: int = 100
) -> list[tuple[int, str, str, str, list[dict[str, Any]]]]:
    """Answers stored before `older_than` and never reported sent: (id, channel, update_key,
    chat id, replies). Locked for this transaction; other processes skip them."""
    stmt = (
        select(_TABLE.c.id, _TABLE.c.channel, _TABLE.c.update_key, _TABLE.c.answer)
        .where(_TABLE.c.answer.is_not(None), _TABLE.c.received_at < older_than)
        .order_by(_TABLE.c.received_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (await session.execute(stmt)).all()
    found = []
    for row in rows:
        answer = json.loads(row.answer)
        found.append((row.id, row.channel, row.update_key, answer["chat"], answer["replies"]))
    return found


async def clear_answers(session: AsyncSession, update_ids: Collection[int]) -> None:
    """These updates' replies were sent (or handed to the outbox): forget them."""
    if update_ids:
        conn = await session.connection()
        await conn.execute(_CLEAR, {"ids": list(update_ids)})
