"""The databases the tests run on, made cheaply: migrated from empty once per session, then for
each test a copy of that (SQLite) or the same schema with every table emptied (PostgreSQL).

Migrating from empty takes 0.2-0.3 s, a copy or an emptying a few hundredths: with some 1,500
database tests that was minutes of the suite. A test that needs a database with no schema
at all (one that tests migrations, or what a first start says) is marked `empty_database`.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import TextClause, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from storage.db import Database, migration_heads
from tests.local import reset_postgres

# Which version of the public schema this is: every relation, column, default, constraint,
# index and trigger in it, counted, with the transaction that last wrote its catalog row.
# Rows coming and going change none of these; a downgrade, a migration run again from empty
# or any other change to the schema changes at least one, and the next test then gets the
# schema migrated anew.
SCHEMA_VERSION = """concat_ws(' ',
  (SELECT count(*) || '/' || sum(xmin::text::bigint) FROM pg_class
    WHERE relnamespace = 'public'::regnamespace),
  (SELECT count(*) || '/' || sum(a.xmin::text::bigint) FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace),
  (SELECT count(*) || '/' || sum(d.xmin::text::bigint) FROM pg_attrdef d
     JOIN pg_class c ON c.oid = d.adrelid WHERE c.relnamespace = 'public'::regnamespace),
  (SELECT count(*) || '/' || sum(i.xmin::text::bigint) FROM pg_index i
     JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace),
  (SELECT count(*) || '/' || sum(t.xmin::text::bigint) FROM pg_trigger t
     JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'public'::regnamespace),
  (SELECT count(*) || '/' || sum(xmin::text::bigint) FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace))"""
TABLES = text(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
)
REFERENCES = text(
    """
    SELECT child.relname, parent.relname FROM pg_constraint k
      JOIN pg_class child ON child.oid = k.conrelid
      JOIN pg_class parent ON parent.oid = k.confrelid
     WHERE k.contype = 'f' AND k.connamespace = 'public'::regnamespace
    """
)
# Emptying the schema at head, in one round trip: the same schema version and revision as
# just after migrating (else it raises, and the schema is migrated anew), then every table
# emptied, tables that refer to others first, and every sequence that was used back at its
# start (the first case is #1 again). DELETE, not TRUNCATE: most tables are empty, and
# deleting nothing costs next to nothing, where TRUNCATE made new files for all 30 tables
# and their indexes (0.2 s a test on a busy machine).
RESET = """
DO $reset$
DECLARE
  name text;
BEGIN
  SET LOCAL synchronous_commit = off;  -- a test database: no need to wait for the disk
  IF {version} IS DISTINCT FROM {expected_version}
     OR (SELECT array_agg(version_num::text ORDER BY version_num) FROM alembic_version)
        IS DISTINCT FROM {heads}::text[] THEN
    RAISE EXCEPTION 'not the schema the session migrated';
  END IF;
  FOREACH name IN ARRAY {tables}::text[] LOOP
    EXECUTE format('DELETE FROM %I', name);
  END LOOP;
  PERFORM setval(format('%I', sequencename)::regclass, start_value, false)
     FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL;
END
$reset$
"""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class MigratedDatabases:
    """One per test session: the SQLite template file and what the PostgreSQL schema at head
    looks like, both made the first time a test asks."""

    def __init__(self, folder: Path, pg_url: str) -> None:
        self.template = folder / "template.db"
        self.pg_url = pg_url
        self._reset: TextClause | None = None  # RESET for the schema the session migrated

    async def sqlite(self, path: Path) -> str:
        """A copy of the migrated template at `path`; its URL."""
        if not self.template.exists():
            await self._migrate_sqlite_template()
        shutil.copyfile(self.template, path)
        return f"sqlite+aiosqlite:///{path}"

    async def _migrate_sqlite_template(self) -> None:
        building = self.template.with_name("building.db")
        db = Database(f"sqlite+aiosqlite:///{building}")
        try:
            await db.upgrade()
        finally:
            await db.dispose()
        # Everything in the one file, no write-ahead log beside it (a copy is then whole).
        conn = sqlite3.connect(building)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        for leftover in ("-wal", "-shm"):
            building.with_name(building.name + leftover).unlink(missing_ok=True)
        building.rename(self.template)

    async def postgresql(self) -> str:
        """The test database at head with every table empty and its ids starting at 1; its
        URL. Migrated from empty on the session's first call and whenever a test left the
        schema another version (RESET); else emptied."""
        if self._reset is not None:
            engine = create_async_engine(self.pg_url, poolclass=NullPool)
            try:
                async with engine.begin() as conn:
                    await conn.execute(self._reset)
                return self.pg_url
            except DBAPIError:
                pass  # another schema, or none: migrated anew
            finally:
                await engine.dispose()
        await reset_postgres(self.pg_url)
        db = Database(self.pg_url)
        try:
            await db.upgrade()
            async with db.engine.connect() as conn:
                self._reset = await _reset_statement(conn)
        finally:
            await db.dispose()
        return self.pg_url


async def _reset_statement(conn: AsyncConnection) -> TextClause:
    """RESET for the schema as it is now, just migrated."""
    tables = set((await conn.execute(TABLES)).scalars())
    seeded = [
        t
        for t in sorted(tables)
        if (await conn.execute(text(f"SELECT count(*) FROM {_quoted(t)}"))).scalar_one()
    ]
    if seeded:
        raise RuntimeError(
            f"migrations put rows into {', '.join(seeded)}: emptying every table between "
            "tests would remove them; tests/databases.py must put them back"
        )
    refers: dict[str, set[str]] = {t: set() for t in tables}  # a table -> tables it refers to
    for child, parent in (await conn.execute(REFERENCES)).all():
        if child != parent and child in tables and parent in tables:
            refers[child].add(parent)
    order = []  # tables no remaining table refers to, first
    while refers:
        free = sorted(t for t in refers if not any(t in parents for parents in refers.values()))
        if not free:
            raise RuntimeError(f"tables refer to each other in a cycle: {sorted(refers)}")
        order += free
        for t in free:
            del refers[t]
    version = (await conn.execute(text(f"SELECT {SCHEMA_VERSION}"))).scalar_one()
    heads = sorted(migration_heads())
    return text(
        RESET.format(
            version=SCHEMA_VERSION,
            expected_version=_literal(version),
            heads=_literal("{" + ",".join(heads) + "}"),
            tables=_literal("{" + ",".join(_quoted(t) for t in order) + "}"),
        )
    )


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
