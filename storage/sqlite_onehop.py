"""SQLite statements without the hand-over to aiosqlite's thread where none is needed.

aiosqlite runs each call on the connection's own thread. SQLAlchemy's adapter makes four
such calls for every statement (open a cursor, execute, fetch all rows, close), and each
one is a hand-over to that thread and back to the event loop, with the GIL changing hands
twice. Under load those hand-overs, not SQLite, were the bot's largest cost on SQLite, and
they grew with the load: while the event loop was busy, every hand-over of the transaction
holding the write lock waited for it, and so did every other transaction.

So this cursor runs a statement in one call on the thread, and a transaction with none: every
transaction starts with BEGIN IMMEDIATE (storage.db._OneWriter), and once a connection holds
SQLite's write lock its statements cannot wait for another connection (WAL: readers do not
block the writer), so they run directly on the event loop's thread, each a short call into
SQLite on a small, cached database. The connection is opened with check_same_thread=False
for this; it is never used by both threads at once (each call is awaited before the next).

BEGIN IMMEDIATE itself is tried on the loop's thread too, without waiting (busy_timeout 0
for that one statement): inside this process the asyncio lock of storage.db._OneWriter
already queued the transaction, so SQLite's lock is nearly always free. Only when another
process holds it (a `mediation-bot` command, say) does the transaction wait for it on the
thread, up to busy_timeout. COMMIT and ROLLBACK run on the loop's thread as well: in WAL
mode with synchronous=NORMAL a commit appends to the WAL and does not sync the disk — unless
it checkpoints, so the bot's connections do not checkpoint on commit (wal_autocheckpoint 0)
and every CHECKPOINT_COMMITS commits a PASSIVE checkpoint runs in a thread on a connection
of its own (`Checkpoints`). Under load each hand-over to the thread held SQLite's lock, and
this process's, until the busy event loop got back to the transaction: with the search out
of the transaction as well (handlers/conversation/search_ahead.py), the bot's FAQ throughput
on SQLite went from 0.5 to about 0.8 times the echo bot's (README, Performance).

The cursor keeps what SQLAlchemy reads afterwards (description, rowcount, lastrowid, the
rows). It is installed on each new connection (`install`, from the pool's connect event),
so the URL and the rest of SQLAlchemy's aiosqlite dialect stay as they are.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.util import await_only

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000  # how long a transaction waits for another process's write lock
CHECKPOINT_COMMITS = 500  # commits between two checkpoints of the WAL (none on commit)
BEGIN = "BEGIN IMMEDIATE"


@dataclass(slots=True)
class _Finished:
    """What a cursor exposes once its statement ran (its sqlite3 cursor is closed)."""

    description: Any
    rowcount: int
    lastrowid: int | None
    rows: list[Any] | None
    arraysize: int = 1

    def close(self) -> None:
        """Nothing to close: the sqlite3 cursor was closed on the connection's thread."""


def _run(conn: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> _Finished:
    """On the connection's thread: the whole life of one cursor."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
        return _Finished(cursor.description, cursor.rowcount, cursor.lastrowid, rows)
    finally:
        cursor.close()


def _begin_at_once(conn: sqlite3.Connection) -> _Finished | None:
    """BEGIN IMMEDIATE on the calling thread if SQLite's write lock is free; None when
    another process holds it (then wait for it on the connection's thread)."""
    conn.execute("PRAGMA busy_timeout=0")
    try:
        return _run(conn, False, BEGIN, None)
    except sqlite3.OperationalError as exc:
        if (exc.sqlite_errorcode or 0) & 0xFF == sqlite3.SQLITE_BUSY:  # extended codes too
            return None
        raise
    finally:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


class Checkpoints:
    """A PASSIVE checkpoint of each database file every CHECKPOINT_COMMITS commits, in a
    thread, on a connection of its own: it copies what it can from the WAL into the database
    and syncs the disk without holding up a writer (in place of SQLite's own checkpoint on
    commit, which the bot's connections leave out)."""

    def __init__(self) -> None:
        self._commits: dict[str, int] = {}
        self._running: set[asyncio.Task[None]] = set()
        self.done = 0  # checkpoints run (tests)

    def committed(self, path: str) -> None:
        if not path:  # an in-memory database has no WAL
            return
        commits = self._commits[path] = self._commits.get(path, 0) + 1
        if commits % CHECKPOINT_COMMITS == 0 and not self._running:
            task = asyncio.get_running_loop().create_task(self._checkpoint(path))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _checkpoint(self, path: str) -> None:
        try:
            await asyncio.to_thread(_checkpoint, path)
            self.done += 1
        except Exception as exc:  # the next one tries again; SQLite stays consistent
            log.warning("checkpointing %s failed: %s", path, exc)


def _checkpoint(path: str) -> None:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        conn.close()


CHECKPOINTS = Checkpoints()
_PATHS: dict[int, str] = {}  # id of a bot's sqlite3 connection -> its database file


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor: a statement in one call on the thread, or inside a
    write transaction directly on the loop's."""

    __slots__ = ()

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        # ignored (here and below): SQLAlchemy types these as its own cursor
        # and row dict; ours hold a finished statement's results, with the same attributes
        self._cursor = _Finished(None, -1, None, None)  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()

    async def _call(self, many: bool, operation: Any, parameters: Any) -> None:
        async with self._adapt_connection._execute_mutex:
            aio = self._connection
            conn = aio._conn
            if conn.in_transaction:  # we hold SQLite's write lock: nothing to wait for
                finished = _run(conn, many, operation, parameters)
            elif operation == BEGIN and (begun := _begin_at_once(conn)) is not None:
                finished = begun
            else:
                finished = await aio._execute(_run, conn, many, operation, parameters)
        self._cursor = finished  # type: ignore[assignment]
        if finished.rows is not None:
            self._rows = collections.deque(finished.rows)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            await_only(self._call(False, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            await_only(self._call(True, operation, seq_of_parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _async_soft_close(self) -> None:
        """The sqlite3 cursor is already closed; the description stays readable."""

    def close(self) -> None:
        self._rows.clear()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, handing out `OneHopCursor`s."""

    __slots__ = ()
    # its __init__ takes the aiosqlite connection, not any adapted one: only ever made here
    _cursor_cls = OneHopCursor  # type: ignore[assignment]

    def commit(self) -> None:
        """On the loop's thread: the WAL is appended to, the disk not synced (no checkpoint)."""
        conn = self._here("commit")
        if conn is not None:
            CHECKPOINTS.committed(_PATHS.get(id(conn), ""))

    def rollback(self) -> None:
        self._here("rollback")

    def close(self) -> None:
        """Forget the database file of a connection that goes away (ids are reused)."""
        conn = self._connection._conn
        if conn is not None:
            _PATHS.pop(id(conn), None)
        super().close()

    def _here(self, what: str) -> sqlite3.Connection | None:
        """COMMIT or ROLLBACK on the calling thread; the sqlite3 connection (None: closed)."""
        conn: sqlite3.Connection | None = self._connection._conn
        if conn is not None:
            try:
                getattr(conn, what)()
            except Exception as error:
                self._handle_exception(error)
        return conn


def install(dbapi_connection: Any) -> None:
    """Make a new pooled aiosqlite connection use one-trip cursors, commits and rollbacks,
    and the checkpoints above (a pool connect event)."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHopConnection
        conn = dbapi_connection._connection._conn
        if conn is not None:
            _PATHS[id(conn)] = conn.execute("PRAGMA database_list").fetchone()[2]
