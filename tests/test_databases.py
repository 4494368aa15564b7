"""The test databases (tests/databases.py): each test's is at the latest revision with no rows
and ids from 1, whatever the test before it left; a schema a test changed is migrated anew."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text

from storage.db import Database, _alembic_config, migration_heads
from storage.models import Identity, Person
from tests.conftest import PG_URL
from tests.databases import MigratedDatabases

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason="PG"))]


async def fresh(kind: str, databases: MigratedDatabases, path: Path) -> Database:
    """What the db_url fixture gives the next test."""
    return Database(await (databases.sqlite(path) if kind == "sqlite" else databases.postgresql()))


async def add_person(db: Database) -> int:
    async with db.session() as session:
        person = Person(display_name="张三")
        session.add(person)
        await session.flush()
        who = f"p{person.id}"
        session.add(Identity(person_id=person.id, channel="console", external_id=who, chat_id=who))
        return person.id


async def people(db: Database) -> int:
    async with db.session() as session:
        return (await session.execute(select(func.count()).select_from(Person))).scalar_one()


@pytest.mark.parametrize("kind", KINDS)
async def test_a_test_after_one_that_wrote_rows_finds_none_and_ids_from_one(
    kind: str, databases: MigratedDatabases, tmp_path: Path
) -> None:
    db = await fresh(kind, databases, tmp_path / "1.db")
    try:
        assert await db.revisions() == migration_heads()
        assert [await add_person(db) for _ in range(3)] == [1, 2, 3]
    finally:
        await db.dispose()
    db = await fresh(kind, databases, tmp_path / "2.db")
    try:
        assert await db.revisions() == migration_heads()
        assert await people(db) == 0
        assert await add_person(db) == 1
    finally:
        await db.dispose()


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL keeps its schema from test to test")
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda c: command.downgrade(_alembic_config(c), "0017"), id="downgraded"),
        pytest.param(
            lambda c: c.execute(text("ALTER TABLE people ALTER COLUMN display_name DROP NOT NULL")),
            id="column-changed",
        ),
        pytest.param(lambda c: c.execute(text("DROP INDEX ix_identities_person_id")), id="index"),
    ],
)
async def test_a_schema_a_test_changed_is_migrated_anew(
    change, databases: MigratedDatabases, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    db = await fresh("postgresql", databases, tmp_path)
    await add_person(db)
    async with db.engine.begin() as conn:
        await conn.run_sync(change)
    await db.dispose()
    db = await fresh("postgresql", databases, tmp_path)
    try:
        assert await db.revisions() == migration_heads()
        async with db.engine.connect() as conn:
            nullable = await conn.scalar(
                text(
                    "SELECT is_nullable FROM information_schema.columns"
                    " WHERE table_name = 'people' AND column_name = 'display_name'"
                )
            )
            index = await conn.scalar(text("SELECT to_regclass('ix_identities_person_id')"))
        assert (nullable, index) == ("NO", "ix_identities_person_id")
        assert await people(db) == 0
        assert await add_person(db) == 1
    finally:
        await db.dispose()


@pytest.mark.empty_database
async def test_the_mark_gives_a_database_with_no_schema(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert await db.revisions() == set()
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert tables == []
    finally:
        await db.dispose()
