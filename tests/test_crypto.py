"""Phone and ID numbers are encrypted at rest; old rows are encrypted by the migration."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text

from bot.config import ConfigError, Settings, load_settings
from storage import crypto
from storage.db import Database, _alembic_config
from storage.models import Case

PHONE, ID_NUMBER = "13912345678", "11010519491231002X"
COLUMNS = {  # a case as schema 0005 stored it, phone and ID number in clear
    "number": "'LJ-2026-000002'",
    "state": "'submitted'",
    "applicant_role": "'worker'",
    "applicant_name": "'李测试'",
    "applicant_phone": ":phone",
    "applicant_id_number": ":idn",
    "respondent_name": "'示例公司'",
    "respondent_address": "''",
    "categories": "'[]'",
    "claims_text": "''",
    "facts": "''",
    "workers_count": "1",
    "collective": "false",
    "work_place": "''",
    "contact_time": "''",
    "screening": "'{}'",
    "source_channel": "'bot'",
    "created_at": "CURRENT_TIMESTAMP",
    "updated_at": "CURRENT_TIMESTAMP",
    "respondent_code_failures": "0",
    "court_delegated": "false",
    "extended_days": "0",
    "intake_source": "'bot'",
    "departments": "'[]'",
    "outcome_terms": "''",
}
INSERT_0005 = f"INSERT INTO cases ({', '.join(COLUMNS)}) VALUES ({', '.join(COLUMNS.values())})"


async def test_values_are_encrypted_in_the_database(db: Database) -> None:
    async with db.session() as s:
        s.add(
            Case(
                number="LJ-2026-000001",
                applicant_name="张测试",
                applicant_phone=PHONE,
                applicant_phone_last4=PHONE[-4:],
                applicant_id_number=ID_NUMBER,
                respondent_name="示例公司",
                respondent_phone="13700001111",
            )
        )
    async with db.engine.connect() as conn:
        stored = (
            await conn.execute(
                text("SELECT applicant_phone, applicant_id_number, respondent_phone FROM cases")
            )
        ).one()
    assert all(value.startswith(crypto.PREFIX) for value in stored)
    assert PHONE not in "".join(stored) and ID_NUMBER not in "".join(stored)
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
    assert (case.applicant_phone, case.applicant_id_number) == (PHONE, ID_NUMBER)


@pytest.mark.empty_database  # migrates from no schema at all
async def test_migration_encrypts_rows_written_before(db_url: str) -> None:
    db = Database(db_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), "0005"))
        await conn.execute(text(INSERT_0005), {"phone": PHONE, "idn": ID_NUMBER})
    await db.upgrade()
    async with db.engine.connect() as conn:
        raw = (
            await conn.execute(
                text(
                    "SELECT applicant_phone, applicant_id_number, applicant_phone_last4 FROM cases"
                )
            )
        ).one()
    assert raw[0].startswith(crypto.PREFIX) and raw[1].startswith(crypto.PREFIX)
    assert raw[2] == "5678"
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
    await db.dispose()
    assert case.applicant_phone == PHONE and case.applicant_id_number == ID_NUMBER


def test_key_file_is_created_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret.key"
    first = crypto.load_or_create_key("", path)
    assert crypto.load_or_create_key("", path) == first
    assert path.stat().st_mode & 0o777 == 0o600
    assert crypto.load_or_create_key("configured", path) == "configured"


def test_malformed_key_in_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[security]\ndata_key = "not-a-key"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"security\.data_key"):
        load_settings(config, env={})


def test_settings_default_key_file() -> None:
    assert Settings().security.key_file == "data/secret.key"
