"""/healthz, /readyz and /metrics of a bot serving Telegram (fake Bot API) and WeChat (signed
XML to the real webhook) at once; and /readyz when something is wrong."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.load_wechat import WeChatSide, wechat_config
from bot.config import Settings
from bot.health import HealthServer
from settings import HealthSettings
from storage.db import Database
from storage.models import Case, OutboxMessage, utcnow
from tests.conftest import PG_URL
from tests.databases import MigratedDatabases
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.wechat_api import FakeWeChatApi
from tests.harness import TelegramBot, telegram_settings
from tests.local import BotProcess, free_port, listening
from tests.wechat_harness import WeChatUser, running_wechat_bot, wechat_settings

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


async def scrape(base: str) -> Samples:
    status, content_type, body = await get(f"{base}/metrics")
    assert status == 200 and content_type.startswith("text/plain"), (status, content_type)
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape_until_failure_counted(base: str, before: Samples, seconds: float = 5.0) -> Samples:
    """The metrics once the failed push to channel "gone" is counted: the dispatcher's own loop
    may have claimed that push a moment before ``run_once`` and still be sending it."""
    name = "mediation_delivery_failures_total"
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        after = await scrape(base)
        counted = value(after, name, channel="gone") > value(before, name, channel="gone")
        if counted or asyncio.get_running_loop().time() > deadline:
            return after
        await asyncio.sleep(0.05)


async def add_cases_and_pushes(db: Database) -> None:
    now = utcnow()
    base = dict(applicant_name="张测试", applicant_phone="13912345678", respondent_name="示例公司")
    async with db.session() as s:
        s.add_all(
            [
                Case(
                    number="LJ-2026-000901",
                    state="in_mediation",
                    due_at=now - timedelta(days=1),
                    **base,
                ),
                Case(
                    number="LJ-2026-000902",
                    state="in_mediation",
                    due_at=now + timedelta(days=5),
                    **base,
                ),
                Case(number="LJ-2026-000903", state="submitted", **base),
                Case(
                    number="LJ-2026-000904",
                    state="agreement",
                    due_at=now - timedelta(days=9),
                    **base,
                ),
                Case(number=None, state="submitted", **base),  # a draft, not a case yet
            ]
        )
        later = now + timedelta(hours=1)  # pending, not due yet: stays in the backlog
        s.add_all(
            [
                OutboxMessage(
                    idempotency_key="m-old",
                    channel="wechat",
                    chat_id="o_x",
                    payload={},
                    status="pending",
                    next_attempt_at=later,
                    created_at=now - timedelta(minutes=10),
                ),
                OutboxMessage(
                    idempotency_key="m-held",
                    channel="wechat",
                    chat_id="o_y",
                    payload={},
                    status="held",
                    created_at=now,
                ),
                OutboxMessage(
                    idempotency_key="m-failed",
                    channel="telegram",
                    chat_id="1",
                    payload={},
                    status="failed",
                    created_at=now,
                ),
                OutboxMessage(
                    idempotency_key="m-nowhere",
                    channel="gone",
                    chat_id="1",
                    payload={"replies": []},
                    status="pending",
                    created_at=now,
                ),
            ]
        )


async def test_health_and_metrics_while_serving_telegram_and_wechat(
    settings: Settings, server: FakeTelegramServer
) -> None:
    telegram_settings(settings, server)
    settings.health.port = free_port()
    base = f"http://127.0.0.1:{settings.health.port}"
    async with FakeWeChatApi() as api:
        wechat_settings(settings, api)
        async with running_wechat_bot(settings, api, ("telegram", "wechat")) as (app, side):
            assert await get(f"{base}/healthz") == (200, "text/plain; charset=utf-8", "ok\n")
            status, _, body = await get(f"{base}/readyz")
            assert status == 200, body
            for check in ("database", "migrations", "channel:telegram", "channel:wechat"):
                assert f'"{check}": {{"ok": true' in body, body

            before = await scrape(base)
            tg = TelegramBot(server, app)
            await tg.send(7001, "/start")
            await tg.send(7001, "老板拖欠工资怎么办？")  # answered from the FAQ
            await tg.send(
                7001, "我想问一下打印机卡纸了到底应该怎么弄"
            )  # not sure, no route: refused
            person = WeChatUser(side, "o_health_1")
            await person.send("/start")
            settings.wechat.reply_budget_seconds = 0.0001  # this one answers late, by push
            await person.send("/help")
            settings.wechat.reply_budget_seconds = 4.0
            await add_cases_and_pushes(app.db)
            assert app.dispatcher is not None
            await app.dispatcher.run_once()  # the push to channel "gone" fails
            after = await scrape_until_failure_counted(base, before)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("mediation_updates_handled_total", channel="telegram") == 3
    assert delta("mediation_updates_handled_total", channel="wechat") == 2
    assert delta("mediation_update_handling_seconds_count", channel="telegram") == 3
    assert (
        value(after, "mediation_update_handling_seconds_bucket", channel="wechat", le="+Inf") >= 2
    )
    assert delta("mediation_faq_questions_total", outcome="answered") == 1
    assert delta("mediation_faq_questions_total", outcome="refused") == 1
    assert ("mediation_faq_questions_total", (("outcome", "referred"),)) in after
    assert delta("mediation_wechat_late_replies_total") == 1
    assert delta("mediation_delivery_failures_total", channel="gone") == 1
    assert value(after, "mediation_database_up") == 1
    assert value(after, "mediation_outbox_messages", status="pending") >= 2  # old + "gone" retry
    assert value(after, "mediation_outbox_messages", status="held") == 1
    assert value(after, "mediation_outbox_messages", status="failed") == 1
    assert 600 <= value(after, "mediation_outbox_oldest_pending_age_seconds") < 700
    assert value(after, "mediation_cases_overdue") == 1
    assert value(after, "mediation_cases_open", state="in_mediation") == 2
    assert value(after, "mediation_cases_open", state="submitted") == 1
    assert value(after, "mediation_cases_open", state="agreement") == 0  # ended
    assert value(after, "process_resident_memory_bytes") > 0


@pytest.mark.empty_database  # a database never migrated
async def test_readyz_names_what_is_not_ready(settings: Settings) -> None:
    port = free_port()
    fresh = Database(settings.database.url)  # never migrated
    started = {"telegram": True, "wechat": False}
    health = HealthServer(HealthSettings(port=port), fresh, lambda: started)
    await health.start()
    try:
        status, _, body = await get(f"http://127.0.0.1:{port}/readyz")
        assert status == 503
        assert '"migrations": {"ok": false' in body and "expected" in body
        assert '"channel:wechat": {"ok": false, "detail": "not started"}' in body
        assert '"channel:telegram": {"ok": true' in body
        await fresh.upgrade()
        started["wechat"] = True
        assert (await get(f"http://127.0.0.1:{port}/readyz"))[0] == 200
    finally:
        await health.stop()
        await fresh.dispose()


async def test_readyz_and_metrics_when_the_database_is_away() -> None:
    port = free_port()
    away = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none", timeout=1)
    health = HealthServer(HealthSettings(port=port), away, lambda: {"console": True})
    await health.start()
    try:
        status, _, body = await get(f"http://127.0.0.1:{port}/readyz")
        assert status == 503 and '"database": {"ok": false, "detail": "unreachable' in body
        samples = await scrape(f"http://127.0.0.1:{port}")
        assert value(samples, "mediation_database_up") == 0
    finally:
        await health.stop()
        await away.dispose()


async def test_health_is_off_by_default() -> None:
    assert Settings().health.port == 0


@pytest.mark.skipif(not PG_URL, reason="processes sharing a port share PostgreSQL")
async def test_processes_sharing_the_webhook_port_each_serve_their_own_metrics(
    tmp_path: Path, databases: MigratedDatabases
) -> None:
    """webhooks.share_ports: one WeChat port for both; a health port for each process,
    whose counters are that process' own and add up to what was sent."""
    await databases.postgresql()
    async with FakeWeChatApi() as api:
        config = wechat_config(api, PG_URL, tmp_path, share_ports=True)
        config.search_process = False  # it has tests of its own (test_search_ahead.py)
        ports = [free_port(), free_port()]
        processes = []
        for n, port in enumerate(ports):
            path = config.write(tmp_path / f"bot{n}.toml")
            path.write_text(path.read_text() + f"\n[health]\nport = {port}\n")
            processes.append(BotProcess.ours(path))
        side = WeChatSide(
            f"http://127.0.0.1:{config.port}/wechat", api.app_id, fresh_connections=True
        )
        try:
            for process in processes:
                await process.start(listening(process))
            for port in ports:
                assert (await get(f"http://127.0.0.1:{port}/readyz"))[0] == 200
            answers = [await side.post(f"hp-{n}", "/start") for n in range(12)]
            handled = [
                value(
                    await scrape(f"http://127.0.0.1:{port}"),
                    "mediation_updates_handled_total",
                    channel="wechat",
                )
                for port in ports
            ]
        finally:
            await side.close()
            for process in processes:
                await process.stop()
    assert all(status == 200 for status, _ in answers)
    assert sum(handled) == 12, handled
