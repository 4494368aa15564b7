"""Session reminders from two bot processes on one PostgreSQL, each started twice (issue 23.1):
each party and the mediator get the reminder once.

The bots run as in production (`python -m bot run`, tests/local.py's BotProcess) against the
fake Telegram server, with the real clock: the session is set 50 minutes from now, planned
three hours ago, so its hour-before reminder is due when the bots start (their minute timer
runs at start), and the quiet hours are put where they cannot interfere.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.load_targets import BotConfig
from bot.config import Settings
from handlers.staff import reminders
from storage.db import Database
from storage.models import Case, SessionReminder
from tests.conftest import PG_URL, TEST_DATA_KEY
from tests.databases import MigratedDatabases
from tests.fakes.telegram_api import FakeTelegramServer
from tests.local import BotProcess, free_port, telegram_ready
from tests.test_sessions import EMPLOYER, MEDIATOR, WORKER, seed

# Real processes, each started more than once: a start with no cached knowledge base builds
# the FAQ index before it listens (about 6 s on two quiet cores, well over 10 s beside the rest
# of the suite); later starts read it back (knowledge/kb_cache.py).
pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="two processes share PostgreSQL"),
    pytest.mark.timeout(180),
]


def config_for(server: FakeTelegramServer, data: Path, local_now: datetime) -> Path:
    config = BotConfig(
        server=server,
        db_url=PG_URL,
        data_dir=data,
        data_key=TEST_DATA_KEY,
        mode="webhook",
        port=free_port(),
        outbox_poll_seconds=0.3,
        search_process=False,  # it has tests of its own (test_search_ahead.py)
    )
    path = config.write(data / "config.toml")
    hhmm = [(local_now + timedelta(hours=h)).strftime("%H:%M") for h in (2, 3, 4)]
    text = path.read_text(encoding="utf-8").replace(
        "[center]\n", f'[center]\nsession_reminder_time = "{hhmm[2]}"\n'
    )
    text += f'[followup]\nquiet_start = "{hhmm[0]}"\nquiet_end = "{hhmm[1]}"\n'
    path.write_text(text, encoding="utf-8")
    return path


def reminders_to(server: FakeTelegramServer, chat: int) -> list[str]:
    texts = [m.get("text") or "" for m in server.sent_messages(chat)]
    return [t for t in texts if "LJ-2026-000001" in t and ("Reminder" in t or "提醒" in t)]


async def test_two_processes_restarted_send_each_reminder_once(
    tmp_path: Path, databases: MigratedDatabases
) -> None:
    db = Database(await databases.postgresql())
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    session_at = now + timedelta(minutes=50)
    await seed(
        db,
        [
            {
                "number": "LJ-2026-000001",
                "state": "in_mediation",
                "session_at": session_at,
                "session_place": "video https://meet.example.org/LJ-2026-000001-abc",
            }
        ],
    )
    settings = Settings()
    async with db.session() as s:
        case = await s.get(Case, 1)
        assert case is not None
        assert await reminders.plan(s, settings, case, now - timedelta(hours=3)) >= 1

    async with FakeTelegramServer() as server:
        configs = []
        for n in (1, 2):
            (tmp_path / f"bot{n}").mkdir()
            configs.append(config_for(server, tmp_path / f"bot{n}", now.astimezone(settings.tz)))
        processes = [BotProcess.ours(path) for path in configs]
        try:
            for round_ in range(2):  # started, stopped, started again
                for process in processes:
                    await process.start(telegram_ready(server, "webhook"))
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 20
                while not all(reminders_to(server, c) for c in (WORKER, EMPLOYER, MEDIATOR)):
                    assert loop.time() < deadline, [p.log_tail() for p in processes]
                    await asyncio.sleep(0.1)
                # the timer runs at start; a second push would come within the outbox poll
                await asyncio.sleep(1.5 if round_ == 0 else 4)
                for process in processes:
                    await process.stop()
        finally:
            for process in processes:
                await process.stop()

        for chat in (WORKER, EMPLOYER, MEDIATOR):
            got = reminders_to(server, chat)
            assert len(got) == 1, (chat, got)
            assert "meet.example.org/LJ-2026-000001-abc" in got[0]
    for process in processes:
        assert not process.problems(), process.log_tail()
    async with db.session() as s:
        rows = (await s.execute(select(SessionReminder))).scalars().all()
    await db.dispose()
    assert [r.status for r in rows if r.kind == "hour_before"] == ["sent"]
