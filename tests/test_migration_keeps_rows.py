"""Upgrading an installation keeps its cases' history.

On SQLite, Alembic changes a column's type by building a new table and dropping the old one;
with foreign keys on, that DROP deletes every row that cascades from the table (case events,
evidence, follow-ups). Migrations therefore run with foreign keys off on SQLite and are
checked afterwards (storage.db.Database.upgrade).
"""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from storage.db import Database, _alembic_config
from tests.test_crypto import INSERT_0005

EVENT = (
    "INSERT INTO case_events (case_id, at, actor, from_state, to_state, action, note) "
    "VALUES ((SELECT id FROM cases), CURRENT_TIMESTAMP, 'desk', 'draft', 'submitted', "
    "'submitted', '已登记')"
)


@pytest.mark.empty_database  # migrates from no schema at all
async def test_upgrading_from_an_old_schema_keeps_the_case_history(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), "0005"))
            await conn.execute(text(INSERT_0005), {"phone": "13800000000", "idn": None})
            await conn.execute(text(EVENT))
        await db.upgrade()
        async with db.engine.connect() as conn:
            cases = (await conn.execute(text("SELECT count(*) FROM cases"))).scalar_one()
            events = (await conn.execute(text("SELECT count(*) FROM case_events"))).scalar_one()
        assert (cases, events) == (1, 1)
    finally:
        await db.dispose()
