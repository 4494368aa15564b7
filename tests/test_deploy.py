"""Running as a service: the systemd unit verifies, the data key comes from a systemd
credential, and `mediation-bot doctor` passes a sound installation and names what to fix in
a broken one (credentials checked against the fake Bot API and the fake WeChat API)."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.cli import doctor as cli_doctor
from bot.config import Settings, load_settings
from storage.db import Database
from storage.models import Case
from tests.conftest import TEST_DATA_KEY
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.wechat_api import FakeWeChatApi

UNIT = Path(__file__).parent.parent / "deploy" / "mediation-bot.service"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_the_service_unit_verifies(tmp_path: Path) -> None:
    unit = UNIT.read_text()
    for needed in (
        "User=mediation-bot",
        "Restart=on-failure",
        "LoadCredential=data-key:",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "CapabilityBoundingSet=\n",
        "SystemCallFilter=@system-service",
    ):
        assert needed in unit, needed
    # verify checks that ExecStart exists: point it at this checkout's program
    program = Path(sys.executable).parent / "mediation-bot"
    copy = tmp_path / "mediation-bot.service"
    copy.write_text(unit.replace("/srv/mediation-bot/.venv/bin/mediation-bot", str(program)))
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(copy)], capture_output=True, text=True
    )
    # unknown keys and bad values are only warned about: the output must be empty too
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), done.stderr


def test_the_data_key_comes_from_the_systemd_credential(tmp_path: Path) -> None:
    (tmp_path / "data-key").write_text(TEST_DATA_KEY + "\n")
    env = {"CREDENTIALS_DIRECTORY": str(tmp_path), "MEDIATION_HEALTH_PORT": "9107"}
    settings = load_settings(None, env=env)
    assert settings.security.data_key == TEST_DATA_KEY
    assert settings.health.port == 9107
    other = Fernet.generate_key().decode()
    configured = load_settings(None, env={**env, "MEDIATION_DATA_KEY": other})
    assert configured.security.data_key == other  # a key given explicitly wins


def write_config(path: Path, settings: Settings, **tables: dict[str, object]) -> Path:
    def value(v: object) -> str:
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return str(v).lower() if isinstance(v, bool) else str(v)

    base: dict[str, dict[str, object]] = {
        "database": {"url": settings.database.url},
        "storage": {"files_dir": settings.storage.files_dir},
        "security": {"data_key": TEST_DATA_KEY, "key_file": settings.security.key_file},
    }
    for name, table in tables.items():
        base.setdefault(name, {}).update(table)
    lines = []
    for name, table in base.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {value(v)}" for k, v in table.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


async def doctor(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = await asyncio.to_thread(cli_doctor.run, argparse.Namespace(config=str(config)))
    return code, capsys.readouterr().out


async def installed(settings: Settings) -> None:
    """A migrated database holding one encrypted phone number."""
    db = Database(settings.database.url)
    await db.upgrade()
    async with db.session() as s:
        s.add(
            Case(
                number="LJ-2026-000001",
                applicant_name="张测试",
                applicant_phone="13912345678",
                respondent_name="示例公司",
            )
        )
    await db.dispose()
    Path(settings.storage.files_dir).mkdir(mode=0o700)


@pytest.fixture
async def wechat() -> FakeWeChatApi:
    async with FakeWeChatApi() as api:
        yield api


def channel_tables(server: FakeTelegramServer, api: FakeWeChatApi) -> dict[str, dict[str, object]]:
    return {
        "telegram": {"token": "123:TEST", "base_url": server.base_url, "staff_chat_id": -100},
        "wechat": {
            "app_id": api.app_id,
            "app_secret": api.secret,
            "token": "t" * 16,
            "encoding_aes_key": "a" * 43,
            "api_base_url": api.base_url,
        },
    }


async def test_doctor_passes_a_sound_installation(
    settings: Settings,
    server: FakeTelegramServer,
    wechat: FakeWeChatApi,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await installed(settings)
    config = write_config(tmp_path / "config.toml", settings, **channel_tables(server, wechat))
    code, out = await doctor(config, capsys)
    assert code == 0, out
    assert "token works: @" in out and server.calls_to("getMe")
    assert "credentials work" in out and wechat.token_fetches == 1
    assert "opens the stored numbers" in out, out
    assert "migrations" in out and "current" in out


async def test_doctor_names_what_to_fix(
    settings: Settings,
    server: FakeTelegramServer,
    wechat: FakeWeChatApi,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await installed(settings)
    tables = channel_tables(server, wechat)
    tables["wechat"]["app_secret"] = "not-the-secret"
    tables["security"] = {"data_key": Fernet.generate_key().decode()}  # not the stored one's
    config = write_config(tmp_path / "config.toml", settings, **tables)
    config.chmod(0o644)  # secrets readable by everyone
    server.fail_next("getMe", status=401, description="Unauthorized")
    code, out = await doctor(config, capsys)
    assert code == 1
    problems = [line for line in out.splitlines() if "FAIL" in line]
    assert len(problems) == 4, out
    assert "getMe refused: Unauthorized" in out and "@BotFather" in out
    assert "access token refused" in out and "IP allowlist" in out
    assert "does not open the stored phone and ID numbers" in out
    assert "holds secrets and other users can read it" in out and f"chmod 640 {config}" in out


async def test_doctor_reports_a_broken_configuration_and_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[health]\nport = "metrics"\n', encoding="utf-8")
    code, out = await doctor(config, capsys)
    assert code == 1 and "health.port: expected an integer" in out and "config.example" in out

    from tests.local import free_port

    away = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none"
    config.write_text(f'[database]\nurl = "{away}"\n', encoding="utf-8")
    code, out = await doctor(config, capsys)
    assert code == 1 and "cannot connect" in out and "MEDIATION_DATABASE_URL" in out
    assert os.environ.get("MEDIATION_DATABASE_URL") is None
