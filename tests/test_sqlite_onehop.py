"""The SQLite cursor of storage.sqlite_onehop gives SQLAlchemy everything the stock one did,
and waiting for the write lock still happens off the event loop; commits on the loop do not
checkpoint, and the checkpoints run beside them.

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

from storage import sqlite_onehop
from storage.db import Database
from storage.models import InboundUpdate, Person
from storage.sqlite_onehop import BUSY_TIMEOUT_MS, CHECKPOINTS, OneHopConnection


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


async def test_a_closed_connection_is_forgotten(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'forget.db'}")
    await db.upgrade()
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        key = id(raw.dbapi_connection._connection._conn)
        assert sqlite_onehop._PATHS[key].endswith("forget.db")
    await db.dispose()  # the pool closes its connections
    assert key not in sqlite_onehop._PATHS


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


async def test_commits_do_not_checkpoint_but_every_few_hundred_one_runs_beside(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit runs on the event loop's thread, so it must not sync the disk: the bot's
    connections never checkpoint on commit, and a PASSIVE checkpoint runs in a thread every
    CHECKPOINT_COMMITS commits instead (else the WAL would grow without end)."""
    monkeypatch.setattr(sqlite_onehop, "CHECKPOINT_COMMITS", 5)
    async with sqlite_db.session() as session:
        assert await session.scalar(text("PRAGMA wal_autocheckpoint")) == 0
        assert await session.scalar(text("PRAGMA busy_timeout")) == BUSY_TIMEOUT_MS
    before = CHECKPOINTS.done
    for n in range(10):
        async with sqlite_db.session() as session:
            session.add(InboundUpdate(channel="t", update_key=f"c{n}"))
    for _ in range(100):  # in a thread: give it a moment
        if CHECKPOINTS.done >= before + 1:
            break
        await asyncio.sleep(0.05)
    assert CHECKPOINTS.done >= before + 1
    async with sqlite_db.session() as session:
        assert await session.scalar(select(func.count()).select_from(InboundUpdate)) == 10


async def test_a_transaction_begun_on_the_loop_still_waits_its_turn_after_another_process(
    tmp_path: Path, sqlite_db: Database
) -> None:
    """BEGIN IMMEDIATE is tried at once, without waiting; when another process holds the
    lock it is retried on the thread with the usual patience, and busy_timeout is as before."""
    async with sqlite_db.session() as session:  # the pool has a connection: begun at once
        session.add(InboundUpdate(channel="t", update_key="first"))
    other = sqlite3.connect(tmp_path / "onehop.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with sqlite_db.session() as session:
            session.add(InboundUpdate(channel="t", update_key="second"))
            assert await session.scalar(text("PRAGMA busy_timeout")) == BUSY_TIMEOUT_MS

    writing = asyncio.create_task(write())
    await asyncio.sleep(0.2)
    assert not writing.done()  # waiting for the other process, not failed with "locked"
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(writing, 10)
    async with sqlite_db.session() as session:
        assert await session.scalar(select(func.count()).select_from(InboundUpdate)) == 2
