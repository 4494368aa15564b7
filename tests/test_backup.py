"""`mediation-bot backup` while the bot runs, then `restore` into an empty database: the
figures, the cases and the evidence are identical (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import backup as bk
from bot.cli import backup as cli_backup
from bot.config import Settings
from handlers.office.stats import month_figures
from storage.db import Database
from storage.models import Attachment, Base
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import in_group, running_bot
from tests.local import reset_postgres
from tests.test_intake_e2e import WORKER, file_case

ADMIN = 9001


def command(settings: Settings, name: str, path: Path) -> int:
    ns = argparse.Namespace(command=name, out=path, path=path)
    return cli_backup.run(ns, settings)


async def snapshot(url: str, tz: Any, now: datetime) -> dict[str, Any]:
    """Every row of every table (evidence paths relative to the files folder), the month's
    figures, and the evidence files' bytes."""
    db = Database(url)
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with db.session() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table).order_by(*table.primary_key))).all()
            tables[table.name] = [tuple(r) for r in rows]
        paths = (await session.execute(select(Attachment.path).order_by(Attachment.id))).all()
        local = now.astimezone(tz)
        month = date(local.year, local.month, 1)
        figures = (await month_figures(session, month, tz, now=now)).to_json()
    await db.dispose()
    # A reply is kept with its update only until it is sent (storage.models.InboundUpdate):
    # the backup caught some in flight that the live database cleared a moment later.
    updates = Base.metadata.tables["inbound_updates"].c.keys()
    transient = {updates.index("answer"), updates.index("answer_owner")}
    tables["inbound_updates"] = [
        tuple(v for i, v in enumerate(r) if i not in transient) for r in tables["inbound_updates"]
    ]
    path_column = list(Base.metadata.tables["attachments"].c.keys()).index("path")
    tables["attachments"] = [
        (*r[:path_column], Path(r[path_column]).name, *r[path_column + 1 :])
        for r in tables["attachments"]
    ]
    evidence = [Path(p).read_bytes() for (p,) in paths]
    return {"tables": tables, "figures": figures, "evidence": evidence}


async def filed_and_accepted(settings: Settings, server: FakeTelegramServer, out: Path) -> None:
    """A case filed (two evidence files) and accepted; the backup taken while the bot runs
    and handles another message at the same moment."""
    settings.staff.admins = [f"telegram:{ADMIN}"]
    async with running_bot(settings, server) as bot:
        number = await file_case(bot, server)
        await in_group(bot, ADMIN, f"/accept {number}")
        await bot.deliver_outbox()
        during = asyncio.create_task(bot.send(WORKER, "/status"))
        assert await asyncio.to_thread(command, settings, "backup", out) == 0
        await during


async def test_backup_and_restore_round_trip(
    settings: Settings, server: FakeTelegramServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    await filed_and_accepted(settings, server, out)
    now = datetime.now(UTC)
    before = await snapshot(settings.database.url, settings.tz, now)
    assert len(before["evidence"]) == 2 and before["tables"]["cases"]
    assert before["figures"]["received"] == 1 and before["figures"]["amount_claimed"] != "0"

    manifest = json.loads((out / bk.MANIFEST).read_text())
    assert len(manifest["files"]) >= 2 and manifest["database"]["sha256"]
    key = settings.security.data_key
    assert key not in "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())

    target = copy.deepcopy(settings)
    target.storage.files_dir = str(tmp_path / "restored-files")
    if settings.database.url.startswith("sqlite"):
        target.database.url = f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
    else:  # only our one test database: emptied, then restored into
        await reset_postgres(settings.database.url)
    assert await asyncio.to_thread(command, target, "restore", out) == 0
    after = await snapshot(target.database.url, target.tz, now)
    # The /status handled during the backup is recorded in the backup or not, depending on
    # which came first (both are consistent): its update row is left out of the comparison.
    during = max(row[0] for row in before["tables"]["inbound_updates"])
    for snap in (before, after):
        snap["tables"]["inbound_updates"] = [
            row for row in snap["tables"]["inbound_updates"] if row[0] != during
        ]
    assert after == before

    # a second restore finds the database in use and refuses
    assert await asyncio.to_thread(command, target, "restore", out) == 1


async def test_restore_refuses_a_damaged_backup_or_another_key(
    settings: Settings,
    server: FakeTelegramServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "backup"
    await filed_and_accepted(settings, server, out)
    target = copy.deepcopy(settings)
    target.database.url = f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
    if not settings.database.url.startswith("sqlite"):
        target.database.url = settings.database.url
        await reset_postgres(settings.database.url)
    target.storage.files_dir = str(tmp_path / "restored-files")

    evidence = next(p for p in (out / bk.FILES).rglob("*") if p.is_file())
    evidence.write_bytes(evidence.read_bytes() + b"tampered")
    assert await asyncio.to_thread(command, target, "restore", out) == 1
    assert "checksum does not match" in capsys.readouterr().err
    assert not Path(target.storage.files_dir).exists()  # nothing restored

    evidence.write_bytes(evidence.read_bytes()[: -len(b"tampered")])
    from cryptography.fernet import Fernet

    target.security.data_key = Fernet.generate_key().decode()
    assert await asyncio.to_thread(command, target, "restore", out) == 1
    assert "not the one this backup was made with" in capsys.readouterr().err


async def test_backup_wants_a_new_folder(settings: Settings, tmp_path: Path) -> None:
    db = Database(settings.database.url)
    await db.upgrade()
    await db.dispose()
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    assert await asyncio.to_thread(command, settings, "backup", tmp_path / "used") == 1


def test_pg_dump_command_keeps_the_password_out_of_sight() -> None:
    cmd = bk.pg_command("pg_dump", "postgresql+asyncpg://bot:s3cret@db.internal:5433/center", "-Fc")
    assert cmd.argv == [
        "pg_dump",
        "-Fc",
        "--host",
        "db.internal",
        "--port",
        "5433",
        "--username",
        "bot",
        "--dbname",
        "center",
    ]
    assert cmd.env == {"PGPASSWORD": "s3cret"}
    assert "s3cret" not in cmd.shown() and cmd.shown().startswith("PGPASSWORD=... pg_dump")


def test_without_pg_dump_the_exact_command_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bk.shutil, "which", lambda _name: None)
    cmd = bk.pg_command("pg_dump", "postgresql+asyncpg://bot@127.0.0.1/center", "--format=custom")
    with pytest.raises(bk.BackupError) as caught:
        bk._run_pg(cmd)
    assert "postgresql-client" in str(caught.value)
    assert "pg_dump --format=custom --host 127.0.0.1 --username bot --dbname center" in str(
        caught.value
    )
