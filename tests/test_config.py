"""Configuration: defaults, file, environment, and clear errors with exit code 2."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK = (
    '[telegram]\ntoken = "1:x"\nmode = "webhook"\nwebhook_url = "https://b.invalid/telegram"\n'
)
PASSWORD = "SuperSecretPW"


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings(env={})
    assert s.enabled_channels() == ["console"]
    assert s.database.url == "sqlite+aiosqlite:///data/mediation.db"
    assert s.center.timezone == "Asia/Shanghai"
    assert s.center.default_locale == "zh_CN"


def test_example_file_loads() -> None:
    s = load_settings(ROOT / "config.example.toml", env={})
    assert s.source.endswith("config.example.toml")
    assert s.center.streets


def test_environment_supplies_secrets(tmp_path: Path) -> None:
    s = load_settings(ROOT / "config.example.toml", env={"MEDIATION_TELEGRAM_TOKEN": "1:x"})
    assert s.telegram.token == "1:x"
    assert s.enabled_channels() == ["telegram"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[center]\ntimezone = "Mars/Base"\n', "center.timezone"),
        ('[center]\ndefault_locale = "fr"\n', "center.default_locale"),
        ('[center]\ncase_prefix = "劳"\n', "center.case_prefix"),
        ("[center]\nstreets = []\n", "center.streets"),
        ('[center]\nsession_reminder_time = "6pm"\n', "center.session_reminder_time: expected"),
        ('[center]\nsession_reminder_time = "22:00"\n', "22:00 is inside the quiet hours"),
        ('[telegram]\nport = "eighty"\n', "telegram.port: expected an integer"),
        ('[telegram]\nmode = "push"\n', "telegram.mode"),
        ('[telegram]\ntoken = "1:x"\nmode = "webhook"\n', "telegram.webhook_url"),
        (WEBHOOK + "\n", "telegram.webhook_secret: required when telegram.mode is 'webhook'"),
        (WEBHOOK + 'webhook_secret = "s3cret"\n', "telegram.webhook_secret: too weak"),
        (WEBHOOK + f'webhook_secret = "{"ab" * 20}"\n', "telegram.webhook_secret: too weak"),
        (WEBHOOK + f'webhook_secret = "{"é" * 40}"\n', "telegram.webhook_secret: expected up"),
        ('[database]\nurl = "mysql://x"\n', "database.url"),
        ('[staff]\nadmins = ["12345"]\n', "staff.admins"),
        ("[webhooks]\nshare_ports = true\n", "webhooks.share_ports: several bot processes need"),
        ('[staff]\nadmins = "telegram:1"\n', "staff.admins: expected a list"),
        ('[centre]\nname = "x"\n', "centre: unknown key"),
        ("[center]\nname = \n", "not valid TOML"),
        ('center = "x"\n', "expected a [center] table"),
    ],
)
def test_invalid_values_name_the_key(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        load_settings(path, env={})


def test_webhook_mode_with_a_strong_secret_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(WEBHOOK, encoding="utf-8")
    secret = secrets.token_urlsafe(32)
    s = load_settings(path, env={"MEDIATION_TELEGRAM_WEBHOOK_SECRET": secret})
    assert s.telegram.webhook_secret == secret


@pytest.mark.parametrize(
    ("body", "env"),
    [
        (f'[database]\nurl = "postgresql://admin:{PASSWORD}@db.example/mediation"\n', {}),
        ("", {"MEDIATION_DATABASE_URL": f"mysql://admin:{PASSWORD}@db.example/x"}),
        ("", {"MEDIATION_DATABASE_URL": f"postgres://admin:p@ss:{PASSWORD}@db/x"}),
        ("", {"MEDIATION_DATABASE_URL": f"postgresql://db/x?user=a&password={PASSWORD}"}),
        (f'[telegram]\ntoken = ["{PASSWORD}"]\n', {}),
        (f'[security]\nold_keys = "{PASSWORD}"\n', {}),
    ],
)
def test_config_error_never_shows_a_password(
    tmp_path: Path, body: str, env: dict[str, str]
) -> None:
    """A wrong database URL is named with its password masked; a secret's value is never
    repeated (error messages end up in terminals, logs and bug reports)."""
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(path, env=env)
    message = str(refused.value)
    assert PASSWORD not in message
    assert message.split(":")[0] in ("database.url", "telegram.token", "security.old_keys")
    if message.startswith("database.url"):
        assert "***" in message  # still shows which URL was meant


def test_cli_config_error_masks_the_database_password(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        f'[database]\nurl = "postgresql://admin:{PASSWORD}@db.example/mediation"\n',
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "check-config"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "database.url" in proc.stderr and "admin:***@db.example" in proc.stderr
    assert PASSWORD not in proc.stderr + proc.stdout


def test_cli_refuses_webhook_mode_without_a_secret(tmp_path: Path) -> None:
    path = tmp_path / "webhook.toml"
    path.write_text(WEBHOOK, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "run"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "telegram.webhook_secret: required" in proc.stderr
    assert "secrets.token_urlsafe" in proc.stderr  # says how to make one
    assert len(proc.stderr.strip().splitlines()) == 1


def test_cli_reports_config_error_with_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[telegram]\nport = "eighty"\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "run"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "telegram.port" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_cli_missing_config_file(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(tmp_path / "nope.toml"), "run"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "not found" in proc.stderr


def test_help_lists_subcommands() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    for name in ("run", "console", "db"):
        assert name in proc.stdout
