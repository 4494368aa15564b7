"""Two bot processes on one PostgreSQL, both behind the Telegram webhook, under load.

The fake Telegram server plays the HTTPS proxy in front of them: each update goes to one
instance or the other in turn, and every fourth one to both (a retry landing on the other
instance). Several people file at once, staff accept every case from the work group, and
nothing may be lost or doubled: case numbers, answers, notices and pushes.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bench.load_driver import Driver
from bench.load_script import person_script
from bench.load_targets import STAFF_GROUP, BotConfig
from bench.load_wechat import WeChatSide, wechat_config
from storage.db import Database
from storage.models import Case, InboundUpdate
from tests.conftest import PG_URL
from tests.databases import MigratedDatabases
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.wechat_api import FakeWeChatApi
from tests.local import BotProcess, free_port, listening, telegram_ready

# Real processes, each started more than once: a start with no cached knowledge base builds
# the FAQ index before it listens (about 6 s on two quiet cores, well over 10 s beside the rest
# of the suite); later starts read it back (knowledge/kb_cache.py).
pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="two instances share PostgreSQL"),
    pytest.mark.timeout(180),
]

ADMIN = 9100
CALIBRATION = 8000
PEOPLE = list(range(8001, 8007))


async def start_two(server: FakeTelegramServer, tmp_path: Path) -> list[BotProcess]:
    key = Fernet.generate_key().decode()  # every instance needs the same data key
    configs = []
    for n in (1, 2):
        data = tmp_path / f"instance{n}"
        data.mkdir()
        config = BotConfig(
            server=server,
            db_url=PG_URL,
            data_dir=data,
            data_key=key,
            mode="webhook",
            port=free_port(),
            admins=[f"telegram:{ADMIN}"],
            outbox_poll_seconds=0.3,
            search_process=False,  # it has tests of its own (test_search_ahead.py)
        )
        configs.append((config, config.write(data / "config.toml")))
    server.route_webhook(*(c.webhook_url for c, _ in configs), duplicate_every=4)
    processes = [BotProcess.ours(path) for _, path in configs]
    for process in processes:  # one after the other: each is up when it sets the webhook
        await process.start(telegram_ready(server, "webhook"))
    return processes


async def wait_until(condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_two_instances_lose_and_double_nothing(
    tmp_path: Path, databases: MigratedDatabases
) -> None:
    await databases.postgresql()
    async with FakeTelegramServer() as server:
        processes = await start_two(server, tmp_path)
        try:
            driver = Driver(server, timeout=20)
            script = person_script()
            expected = await driver.calibrate(CALIBRATION, script, idle=0.25)
            stats = await driver.run(PEOPLE, script, expected)

            # every update answered once, in order; one case each, all numbers different
            assert not stats.errors, stats.errors
            assert stats.reordered == 0
            assert stats.handled == len(PEOPLE) * sum(s.updates for s in script)
            assert len(stats.cases) == len(set(stats.cases)) == len(PEOPLE)

            # the work group hears of each case, whichever instance pushed it
            await wait_until(lambda: len(notices(server)) >= len(PEOPLE) + 1)

            # staff accept every case; each worker is told exactly once
            for notice in notices(server):
                server.user_presses(ADMIN, notice, _button(notice, "Accept"), chat_id=STAFF_GROUP)

            def told(person: int) -> int:
                texts = [m.get("text") or "" for m in server.sent_messages(person)]
                return sum("has accepted case" in text for text in texts)

            await wait_until(lambda: all(told(p) for p in PEOPLE))
            await asyncio.sleep(1.0)  # a second push would come within the outbox poll
            assert [told(p) for p in PEOPLE] == [1] * len(PEOPLE)
            for number in stats.cases:  # and each notice was sent once
                assert sum(number in m["text"] for m in notices(server)) == 1, number
        finally:
            for process in processes:
                await process.stop()

    # both instances took updates, and some updates reached both
    urls = {url for _, url, status in server.webhook_deliveries if status == 200}
    assert len(urls) == 2
    twice = [u for u, _, status in server.webhook_deliveries if status == 200]
    assert len(twice) > len(set(twice))
    for process in processes:
        assert not process.problems(), process.log_tail()

    db = Database(PG_URL)
    async with db.session() as session:
        numbers = (await session.execute(select(Case.number))).scalars().all()
    await db.dispose()
    assert len(numbers) == len(set(numbers)) == len(PEOPLE) + 1  # and the calibration walk


def notices(server: FakeTelegramServer) -> list[dict]:  # type: ignore[type-arg]
    """New-case notices sent to the work group (as sent: later edits do not hide them)."""
    sent = [c.result for c in server.calls_to("sendMessage") if c.params["chat_id"] == STAFF_GROUP]
    return [m for m in sent if "Accept" in _labels(m)]


def _labels(message: dict) -> list[str]:  # type: ignore[type-arg]
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b.get("text", "") for row in rows for b in row]


def _button(message: dict, label: str) -> str:  # type: ignore[type-arg]
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return next(b["callback_data"] for row in rows for b in row if b.get("text") == label)


async def test_processes_sharing_the_wechat_port_keep_answering(
    tmp_path: Path, databases: MigratedDatabases
) -> None:
    """webhooks.share_ports: two processes listen on one port; when one dies, WeChat's
    calls keep being answered by the other, each message once."""
    await databases.postgresql()
    async with FakeWeChatApi() as api:
        config = wechat_config(api, PG_URL, tmp_path, share_ports=True)
        config.search_process = False  # it has tests of its own (test_search_ahead.py)
        processes = [BotProcess.ours(config.write(tmp_path / f"bot{n}.toml")) for n in (1, 2)]
        side = WeChatSide(
            f"http://127.0.0.1:{config.port}/wechat", api.app_id, fresh_connections=True
        )
        try:
            for process in processes:  # the second binds the port the first already holds
                await process.start(listening(process))
            before = [await side.post(f"share-{n}", "你好") for n in range(12)]
            await processes[0].kill()
            after = [await side.post(f"share-{n}", "你好") for n in range(12, 24)]
        finally:
            await side.close()
            for process in processes:
                await process.stop()
    for status, reply in before + after:
        assert status == 200 and reply, (status, reply)
    assert not processes[1].problems(), processes[1].log_tail()

    db = Database(PG_URL)
    async with db.session() as session:
        handled = (await session.execute(select(InboundUpdate.update_key))).scalars().all()
    await db.dispose()
    assert len(handled) == len(set(handled)) == 24
