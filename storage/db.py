"""Engine, sessions and migrations."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_only

from settings import Settings
from storage import crypto, sqlite_onehop

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
T = TypeVar("T")
SQLITE_CONNECTIONS = 5
PG_CONNECTIONS = 15  # the core's HANDLING_SLOTS (10), the dispatcher and other background work
OUTBOX_QUEUED = "outbox_queued"  # session.info flag: this transaction queued pushes


def _alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Two instances starting together: one migrates, the other waits.
        connection.execute(text("SELECT pg_advisory_xact_lock(724201)"))
    if set(MigrationContext.configure(connection).get_current_heads()) == migration_heads():
        return  # nothing to apply (Alembic would read every migration script again to see so)
    command.upgrade(_alembic_config(connection), "head")  # one head: tests/test_storage.py


@functools.cache
def _heads() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(_alembic_config()).get_heads())


def migration_heads() -> set[str]:
    """The revisions a database with every migration applied is at; read from the migration
    scripts once per process (they do not change while it runs; reading them takes 30 ms)."""
    return set(_heads())


INSERTS: dict[str, Callable[..., Any]] = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def insert_for(session: AsyncSession) -> Callable[..., Any]:
    """`insert` of the session's dialect, for ON CONFLICT clauses (SQLite and PostgreSQL)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def per_dialect(build: Callable[[Callable[..., Any]], T]) -> dict[str, T]:
    """A statement with ON CONFLICT built once for each dialect from its `insert`; run it as
    `stmts[conn.dialect.name]` (statements that run for every message are built once)."""
    return {name: build(insert) for name, insert in INSERTS.items()}


def open_database(settings: Settings) -> Database:
    """The configured database, with the data key installed for encrypted fields."""
    crypto.configure(
        crypto.load_or_create_key(settings.security.data_key, settings.security.key_file),
        settings.security.old_keys,
    )
    return Database(settings.database.url, timeout=settings.database.timeout_seconds)


@asynccontextmanager
async def migrated_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One transaction on the configured database, migrated first, then closed: what a
    command-line report or document needs."""
    db = open_database(settings)
    try:
        await db.upgrade()
        async with db.session() as session:
            yield session
    finally:
        await db.dispose()


class Database:
    """Owns the async engine; hands out sessions."""

    def __init__(self, url: str, *, echo: bool = False, timeout: float | None = None) -> None:
        """`timeout`: PostgreSQL only — how long a connection attempt or a statement may take
        before it fails (a database that hangs instead of refusing); none for migrations."""
        self.url = url
        self.echo = echo
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            pool: dict[str, Any] = {}
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                # A fixed pool, no overflow: transactions take SQLite's one write lock in
                # turn (_OneWriter), so more connections would only wait; overflow ones were
                # opened and closed again under load, a thread and a schema read each. A
                # transaction that finds all of them busy for 30 s gets PoolTimeout, which
                # the core answers as "busy, try again shortly".
                pool = {"pool_size": SQLITE_CONNECTIONS, "max_overflow": 0, "pool_timeout": 30}
            self.engine: AsyncEngine = create_async_engine(
                url,
                echo=echo,
                connect_args={"timeout": 30, "check_same_thread": False},
                hide_parameters=True,  # errors never carry names or numbers into the logs
                **pool,
            )
            writer = _OneWriter()
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", writer.begin)
            event.listen(self.engine.sync_engine.pool, "checkin", writer.checkin)
        else:
            limits = {"timeout": timeout, "command_timeout": timeout} if timeout else {}
            # No pool_pre_ping: it cost a round trip per transaction. A connection the server
            # dropped fails its first statement instead; SQLAlchemy then discards the pool's
            # older connections and the caller's retry (the core's, the dispatcher's next
            # pass) runs on a new one.
            # Enough connections for the core's HANDLING_SLOTS and the background tasks, so
            # none is opened and closed again under load: with SQLAlchemy's default (5, and
            # 10 more opened as needed and closed after use) new connections cost the bot a
            # tenth of its CPU in the load benchmark, each with its statement cache empty.
            self.engine = create_async_engine(
                url,
                echo=echo,
                connect_args=limits,
                pool_size=PG_CONNECTIONS,
                max_overflow=5,
                hide_parameters=True,
            )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        #: Called after a transaction that queued pushes commits (the outbox dispatcher's
        #: wake-up); a message that queued none costs the dispatcher nothing.
        self.on_outbox: Callable[[], None] | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def upgrade(self) -> None:
        """Apply every pending migration (also run at start), without a statement timeout."""
        if self.dialect != "postgresql":
            await self._upgrade_sqlite()
            return
        engine = create_async_engine(self.url, echo=self.echo, hide_parameters=True)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(_upgrade)
        finally:
            await engine.dispose()

    async def _upgrade_sqlite(self) -> None:
        """Migrate with foreign keys off, on a connection of its own: SQLite changes a
        column's type by copying the table and dropping the old one, and with foreign keys on
        that DROP deletes every row that cascades from it (all case events, evidence and
        follow-ups). The keys are checked before the migration commits."""
        if self.url.endswith(":memory:"):  # another connection would be another database
            async with self.engine.begin() as conn:
                await conn.run_sync(_upgrade)
            return
        engine = create_async_engine(self.url, echo=self.echo, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_migration_pragmas)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(_upgrade)
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
                if broken:
                    raise RuntimeError(f"migration left {len(broken)} broken references")
        finally:
            await engine.dispose()

    async def revisions(self) -> set[str]:
        """The migration revisions the database is at (empty: none applied)."""
        async with self.engine.connect() as conn:
            heads = await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_heads()
            )
        return set(heads)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session
        if session.info.pop(OUTBOX_QUEUED, False) and self.on_outbox is not None:
            self.on_outbox()

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    sqlite_onehop.install(dbapi_conn)
    # We issue BEGIN ourselves (below), so the driver must not.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={sqlite_onehop.BUSY_TIMEOUT_MS}")
    # WAL with synchronous=NORMAL: safe against crashes of the bot, and no fsync per commit;
    # nor a checkpoint (sqlite_onehop.Checkpoints runs them, off the event loop).
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()


def _sqlite_migration_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # BEGIN is ours (_begin_immediate)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # as every connection of the bot has it
    cur.execute("PRAGMA foreign_keys=OFF")  # Database._upgrade_sqlite says why
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class _OneWriter:
    """Take SQLite's write lock when a transaction starts; queue for it in asyncio first.

    SQLite has one writer. A transaction that reads first and writes later can fail at once
    with SQLITE_BUSY when another connection wrote in between; starting every transaction
    with BEGIN IMMEDIATE makes them queue (up to busy_timeout) instead, so claims on the
    outbox and updates to a conversation are serialized, also across processes.

    Within this process they queue on an asyncio lock before that: SQLite's busy handler
    polls, sleeping up to 100 ms between tries, so under load the write lock sat free while
    the next transaction slept; the asyncio lock hands it on at once. It is released when
    the connection goes back to the pool, after the commit or rollback; like busy_timeout,
    waiting for it gives up after 30 s (TimeoutError, which the core answers as "busy").
    """

    WAIT_SECONDS = 30.0

    def __init__(self) -> None:
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if loop not in self._locks:
            self._locks = {loop: asyncio.Lock()}  # a new loop (tests): forget the old one
        return self._locks[loop]

    async def _acquire(self, lock: asyncio.Lock) -> None:
        async with asyncio.timeout(self.WAIT_SECONDS):
            await lock.acquire()

    def begin(self, conn: Connection) -> None:
        lock = self._lock()
        await_only(self._acquire(lock))
        conn.info["one_writer"] = lock
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    def checkin(self, _dbapi_conn: Any, record: Any) -> None:
        lock = record.info.pop("one_writer", None)
        if lock is not None:
            lock.release()
