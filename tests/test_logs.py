"""Logs an operator can use, with no person's numbers in them: a full scripted run on
Telegram (an application with phone and ID numbers, free text with a bank card, a request
for a person) at DEBUG, every line scanned."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot import logs
from bot.config import ConfigError, Settings, load_settings
from handlers.conversation import log_context
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, in_group, running_bot, texts
from tests.test_intake_e2e import ID_NUMBER, PHONE, WORKER, file_case

OTHER_PHONE = "13800138000"
OTHER_ID = "11010519491231002X"
BANK_CARD = "6222021234567890123"
NAME = "张测试"


@contextmanager
def captured(fmt: str) -> Iterator[io.StringIO]:
    """Logging as `mediation-bot -v` sets it up, into a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    saved_levels = {name: logging.getLogger(name).level for name in logs.QUIET}
    stream = io.StringIO()
    logs.configure(fmt, verbose=True, stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


def personal_numbers(text: str) -> list[str]:
    spaced = f"{PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}"
    found = [n for n in (PHONE, ID_NUMBER, OTHER_PHONE, OTHER_ID, BANK_CARD, spaced) if n in text]
    return found + ([NAME] if NAME in text else [])


@pytest.mark.parametrize("fmt", ["json", "text"])
async def test_a_full_run_at_debug_logs_no_personal_data(
    settings: Settings, server: FakeTelegramServer, fmt: str
) -> None:
    settings.staff.admins = ["telegram:9001"]
    with captured(fmt) as stream:
        async with running_bot(settings, server) as bot:
            number = await file_case(bot, server)
            await bot.send(WORKER, "/human")
            await bot.send(WORKER, f"请回电{OTHER_PHONE}，我的身份证{OTHER_ID}，卡号{BANK_CARD}")
            await bot.deliver_outbox()
            await in_group(bot, 9001, f"/case {number}")
            server.fail_next("sendMessage", times=3, status=400)
            await bot.send(WORKER, f"我的电话是{OTHER_PHONE}")  # its answer fails: logged
            logging.getLogger("test").debug("typed by someone: %s %s", OTHER_PHONE, OTHER_ID)
            try:
                raise ValueError(f"bad value {BANK_CARD}")
            except ValueError:
                logging.getLogger("test").exception("a traceback with %s", PHONE)
    output = stream.getvalue()
    lines = output.splitlines()
    assert sum("DEBUG" in line for line in lines) > 40, output  # one per update, and more
    assert personal_numbers(output) == [], [line for line in lines if personal_numbers(line)]
    assert "138****8000" in output  # masked, still useful for support
    assert number in texts(server.sent_messages(STAFF_GROUP))  # the group saw the case
    if fmt == "json":
        records = [json.loads(line) for line in lines]  # every line is one JSON object
        assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
        handled = [r for r in records if r.get("channel") == "telegram"]
        assert handled and all(r["update_id"] for r in handled)
        assert any(r.get("case") == number for r in records), "no line names the case"
        assert any("traceback" in r for r in records)


def test_json_line_fields() -> None:
    with captured("json") as stream:
        with log_context.handling("wechat", "6000000000000000001"):
            log_context.bind_case("LJ-2026-000042")
            logging.getLogger("bot.x").warning("call about %s failed", "LJ-2026-000042")
        logging.getLogger("bot.y").info("between updates")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "WARNING" and first["logger"] == "bot.x"
    assert first["channel"] == "wechat" and first["case"] == "LJ-2026-000042"
    assert first["update_id"].endswith("0001")
    assert first["time"].endswith("+00:00")
    assert "channel" not in second and "case" not in second


def test_logging_format_is_checked(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[logging]\nformat = "xml"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"logging\.format"):
        load_settings(config, env={})
    config.write_text('[logging]\nformat = "json"\n', encoding="utf-8")
    assert load_settings(config, env={}).logging.format == "json"
