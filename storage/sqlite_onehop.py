"""SQLite statements without the hand-over to aiosqlite's thread where none is needed.

aiosqlite runs each call on the connection's own thread. SQLAlchemy's adapter makes four
such calls for every statement (open a cursor, execute, fetch all rows, close), and each
one is a hand-over to that thread and back to the event loop, with the GIL changing hands
twice. Under load those hand-overs, not SQLite, were the bot's largest cost on SQLite, and
they grew with the load: while the event loop was busy, every hand-over of the transaction
holding the write lock waited for it, and so did every other transaction.

So this cursor runs a statement in one call on the thread, and inside a transaction none:
every transaction starts with BEGIN IMMEDIATE (storage.db._OneWriter), which is where a
connection may wait for the write lock (busy_timeout) and stays on the thread. Once it
holds the lock, its statements cannot wait for another connection (WAL: readers do not
block the writer), so they run directly on the event loop's thread, each a short call into
SQLite on a small, cached database. COMMIT and ROLLBACK stay on the thread (a commit may
checkpoint the WAL to disk). The connection is opened with check_same_thread=False for
this; it is never used by both threads at once (each call is awaited before the next).

The cursor keeps what SQLAlchemy reads afterwards (description, rowcount, lastrowid, the
rows). It is installed on each new connection (`install`, from the pool's connect event),
so the URL and the rest of SQLAlchemy's aiosqlite dialect stay as they are.
"""

from __future__ import annotations

import collections
import sqlite3
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.util import await_only


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


def install(dbapi_connection: Any) -> None:
    """Make a new pooled aiosqlite connection use one-trip cursors (a pool connect event)."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHopConnection
