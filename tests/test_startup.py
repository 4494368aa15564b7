"""Starting while the database or Telegram cannot be reached: one line per retry, no
traceback, no password or token; and what waiting cannot fix stops with one line."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot import startup
from bot.app import BotApp
from bot.config import Settings
from bot.startup import StartupError
from tests.conftest import PG_URL
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import TelegramBot, running_bot, telegram_settings, texts
from tests.local import free_port, reset_postgres

PASSWORD = "SuperSecretPW"
TOKEN = "123:TEST"  # what tests.harness.telegram_settings configures


def retry_lines(caplog: pytest.LogCaptureFixture, what: str) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "bot.startup" and r.getMessage().startswith(f"{what} not reachable")
    ]


def assert_one_line_each(records: list[logging.LogRecord], secret: str) -> None:
    for record in records:
        message = record.getMessage()
        assert "\n" not in message and record.exc_info is None, message
        assert secret not in message
        assert "retrying in" in message


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup, "RETRY_FIRST", 0.05)


async def test_telegram_unreachable_at_start_is_retried_with_one_line(
    settings: Settings,
    server: FakeTelegramServer,
    caplog: pytest.LogCaptureFixture,
    quick_retries: None,
) -> None:
    caplog.set_level(logging.WARNING)
    server.fail_next("getMe", times=3, status=502)  # Telegram (or the way there) is down
    async with running_bot(settings, server) as bot:
        lines = retry_lines(caplog, "telegram")
        assert len(lines) == 3
        assert_one_line_each(lines, TOKEN)
        assert "Telegram: NetworkError" in lines[0].getMessage()
        assert "/status" in texts(await bot.send(5001, "/help"))  # then it runs normally
    assert "Traceback" not in caplog.text


async def test_telegram_refusing_the_token_stops_with_one_line(
    settings: Settings, server: FakeTelegramServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail_next("getMe", status=401, description="Unauthorized")
    app = BotApp(telegram_settings(settings, server), ["telegram"])
    try:
        with pytest.raises(StartupError) as refused:
            await app.start()
    finally:
        await app.stop()
    message = str(refused.value)
    assert message.startswith("telegram.token: Telegram refused the token")
    assert TOKEN not in message and "\n" not in message
    assert retry_lines(caplog, "telegram") == []  # not retried: waiting cannot fix it


async def test_unreachable_database_is_retried_with_one_line_until_stopped(
    tmp_path: Path,
) -> None:
    """The real command: `run` against a PostgreSQL that is not there logs one masked line
    per attempt, backing off, and stops cleanly on SIGTERM (no traceback, no password)."""
    url = f"postgresql+asyncpg://admin:{PASSWORD}@127.0.0.1:{free_port()}/mediation"
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        "run",
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PATH": "/usr/bin:/bin"},
    )
    assert proc.stderr is not None
    seen: list[str] = []
    try:
        while len([s for s in seen if "database not reachable" in s]) < 2:
            line = await asyncio.wait_for(proc.stderr.readline(), timeout=30)
            assert line, f"the bot ended: {seen}"
            seen.append(line.decode())
        proc.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    retries = [s for s in seen if "database not reachable" in s]
    assert "admin:***@127.0.0.1" in retries[0]
    assert "ConnectionRefusedError" in retries[0]
    assert "retrying in 1 s" in retries[0] and "retrying in 2 s" in retries[1]  # backing off
    everything = "".join(seen) + rest.decode() + (await proc.stderr.read()).decode()
    assert PASSWORD not in everything
    assert "Traceback" not in everything
    assert proc.returncode == 0


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
async def test_bot_starts_once_the_database_comes_up(
    settings: Settings,
    server: FakeTelegramServer,
    caplog: pytest.LogCaptureFixture,
    quick_retries: None,
) -> None:
    await reset_postgres(PG_URL)
    real = make_url(PG_URL)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    await proxy.start()
    await proxy.cut()  # PostgreSQL "down" at start
    settings.database.url = real.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False
    )
    app = BotApp(telegram_settings(settings, server), ["telegram"])
    starting = asyncio.create_task(app.start())
    try:
        while len(retry_lines(caplog, "database")) < 2:
            assert not starting.done()
            await asyncio.sleep(0.05)
        await proxy.restore()
        assert await asyncio.wait_for(starting, timeout=30)
        bot = TelegramBot(server, app)
        assert "/status" in texts(await bot.send(5001, "/help"))
    finally:
        if not starting.done():
            starting.cancel()
        await app.stop()
        await proxy.cut()
    assert_one_line_each(retry_lines(caplog, "database"), PASSWORD)
