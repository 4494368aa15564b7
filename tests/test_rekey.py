"""Key rotation: read with the old key and the new, `rekey` moves every value to the new one."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from bot.config import ConfigError, Settings, load_settings
from storage import crypto
from storage.db import Database
from storage.models import Case
from storage.rekey import rekey
from tests.conftest import TEST_DATA_KEY

PHONE, RESPONDENT_PHONE = "13800001234", "13800005678"
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture
def restore_key() -> Iterator[None]:
    """The tests switch the process's key; the rest of the suite needs the test key back."""
    yield
    crypto.configure(TEST_DATA_KEY)


async def add_case(db: Database, number: str) -> None:
    async with db.session() as s:
        s.add(
            Case(
                number=number,
                applicant_name="李测试",
                applicant_phone=PHONE,
                respondent_name="示例公司",
                respondent_phone=RESPONDENT_PHONE,
            )
        )


async def stored(db: Database) -> list[tuple[str, str | None]]:
    async with db.session() as s:
        rows = await s.execute(text("SELECT applicant_phone, respondent_phone FROM cases"))
        return [tuple(r) for r in rows.all()]


async def test_rotation_reads_old_values_and_rekey_moves_them(
    db: Database, restore_key: None
) -> None:
    await add_case(db, "LJ-2026-000001")  # under the old (test) key
    crypto.configure(NEW_KEY, [TEST_DATA_KEY])
    await add_case(db, "LJ-2026-000002")  # under the new key
    async with db.session() as s:
        phones = (await s.execute(select(Case.applicant_phone))).scalars().all()
    assert phones == [PHONE, PHONE]  # both readable during the rotation

    assert await rekey(db) == 2  # the old case's two phone numbers
    assert await rekey(db) == 0  # nothing more the second time
    crypto.configure(NEW_KEY)  # the old key removed
    async with db.session() as s:
        case = (await s.execute(select(Case).order_by(Case.id))).scalars().first()
    assert (case.applicant_phone, case.respondent_phone) == (PHONE, RESPONDENT_PHONE)
    assert all(PHONE not in str(row) for row in await stored(db))  # still encrypted


async def test_a_value_no_key_can_read_is_reported_not_destroyed(
    db: Database, restore_key: None
) -> None:
    await add_case(db, "LJ-2026-000003")
    before = await stored(db)
    crypto.configure(NEW_KEY)  # the old key forgotten before rekeying
    with pytest.raises(RuntimeError, match="no configured key"):
        await rekey(db)
    assert await stored(db) == before


def test_malformed_old_key_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[security]\nold_keys = ["not-a-key"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"security\.old_keys"):
        load_settings(path, env={})


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_rekey_command(settings: Settings, db: Database, tmp_path: Path) -> None:
    await add_case(db, "LJ-2026-000004")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "{settings.database.url}"\n'
        f'[security]\ndata_key = "{NEW_KEY}"\nold_keys = ["{TEST_DATA_KEY}"]\n',
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "rekey"],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "re-encrypted 2 values" in proc.stdout
    assert "old_keys can now be removed" in proc.stdout
