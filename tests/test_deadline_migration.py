"""Migration 0009: existing cases get their statutory receipt date (调解仲裁法 第十四条)."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from storage.db import Database, _alembic_config
from tests.test_crypto import COLUMNS

SUBMITTED = "2026-10-01 02:00:00"


@pytest.mark.empty_database  # migrates from no schema at all
async def test_existing_cases_are_received_when_they_were_submitted(db_url: str) -> None:
    db = Database(db_url)
    columns = {
        **COLUMNS,
        "number": "'LJ-2026-000001'",
        "submitted_at": f"'{SUBMITTED}'",
        "applicant_phone": "'x'",
        "applicant_id_number": "NULL",
    }
    court = {**columns, "number": "'LJ-2026-000002'", "court_delegated": "true"}
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), "0006"))
        for values in (columns, court):
            await conn.execute(
                text(
                    f"INSERT INTO cases ({', '.join(values)}) VALUES ({', '.join(values.values())})"
                )
            )
    await db.upgrade()
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT received_at, submitted_at, court_delegation, court_period_days "
                    "FROM cases ORDER BY id"
                )
            )
        ).all()
    await db.dispose()
    assert [str(r[0])[:19] for r in rows] == [SUBMITTED, SUBMITTED]
    assert [r[2] for r in rows] == [None, "pre_filing"]  # the court's default: 委派
    assert [r[3] for r in rows] == [None, None]  # the period falls back to 30 days
