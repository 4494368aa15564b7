"""The SQLite cursor of storage.sqlite_onehop gives SQLAlchemy everything the stock one did,
and waiting for the write lock still happens off the event loop.

Every SQLite test runs on it; these pin down what the ORM relies on and a slip would hide:
row counts (optimistic locking and claims), RETURNING rows, generated ids, many rows at
once, database errors raised as the DBAPI's own exceptions; and that another process
holding SQLite's write lock (a `mediation-bot` command, say) does not freeze the bot.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import InboundUpdate, Person
from storage.sqlite_onehop import OneHopConnection


@pytest.fixture
async def sqlite_db(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'onehop.db'}")
    await db.upgrade()
    yield db
    await db.dispose()


async def test_connections_use_the_one_trip_cursor(sqlite_db: Database) -> None:
    async with sqlite_db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneHopConnection)


async def test_rowcounts_returning_ids_and_many_rows(sqlite_db: Database) -> None:
    async with sqlite_db.session() as session:
        rows = [{"channel": "t", "update_key": f"k{n}"} for n in range(5)]
        await session.execute(insert(InboundUpdate), rows)  # executemany
        person = Person(locale="zh_CN")
        session.add(person)
        await session.flush()
        assert person.id is not None  # the generated id came back
    async with sqlite_db.session() as session:
        count = await session.scalar(select(func.count()).select_from(InboundUpdate))
        assert count == 5
        changed = await session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_key.in_(["k1", "k2"]))
            .values(channel="u")
        )
        assert changed.rowcount == 2
        returned = await session.execute(
            text("DELETE FROM inbound_updates WHERE channel = 'u' RETURNING update_key")
        )
        assert sorted(returned.scalars()) == ["k1", "k2"]


async def test_database_errors_keep_their_type(sqlite_db: Database) -> None:
    async with sqlite_db.session() as session:
        session.add(InboundUpdate(channel="t", update_key="same"))
    with pytest.raises(IntegrityError):
        async with sqlite_db.session() as session:
            session.add(InboundUpdate(channel="t", update_key="same"))
    async with sqlite_db.session() as session:  # the pool's connection is still usable
        assert await session.scalar(select(func.count()).select_from(InboundUpdate)) == 1


async def test_waiting_for_another_process_lock_leaves_the_loop_free(
    tmp_path: Path, sqlite_db: Database
) -> None:
    other = sqlite3.connect(tmp_path / "onehop.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writes, and takes its time

    async def write() -> None:
        async with sqlite_db.session() as session:
            session.add(InboundUpdate(channel="t", update_key="after the other"))

    writing = asyncio.create_task(write())
    ticks = 0
    for _ in range(20):  # the loop keeps running while the session waits for the lock
        await asyncio.sleep(0.01)
        ticks += 1
    assert ticks == 20 and not writing.done()
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(writing, 10)
    async with sqlite_db.session() as session:
        assert await session.scalar(select(func.count()).select_from(InboundUpdate)) == 1
