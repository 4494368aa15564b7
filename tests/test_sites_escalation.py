"""Issue 21: a station's collective dispute (10 or more workers) and a case past its period
go up to the district center by themselves, once, even with two bot processes on one
database; each station's group gets the daily digest of its own cases only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.config import Settings
from handlers.app import Core
from handlers.staff import digest
from settings import SiteSettings
from storage.db import Database
from storage.models import Case, CaseEvent, Identity, OutboxMessage, Person, Staff
from tests.conftest import PG_URL
from tests.databases import MigratedDatabases
from tests.fakes.wecom_api import ROBOT_KEY, FakeWeComApi
from tests.fault_tools import STAFF_GROUP, HoldingTelegramServer, eventually, write_config
from tests.local import BotProcess, asked_for_updates
from tests.test_wecom import SAMPLE, running, text_xml, wecom_settings

NOW = datetime(2026, 11, 20, 1, 5, tzinfo=UTC)  # 09:05 in Shanghai: the digest's time
HEXI_GROUP = -100500


async def seed(db: Database, now: datetime) -> None:
    """Four cases of the 河西镇 station and one of the center's."""
    async with db.session() as s:
        person = Person(locale="en")
        s.add(person)
        await s.flush()
        s.add(Identity(person_id=person.id, channel="telegram", external_id="42", chat_id="42"))
        recent = now - timedelta(days=2)
        base = dict(
            applicant_person_id=person.id,
            applicant_name="张测试",
            applicant_phone="13912345678",
            respondent_name="示例公司",
            submitted_at=recent,
            received_at=recent,
            accept_by=(now + timedelta(days=3)).date(),
        )
        s.add_all(
            [
                # twelve workers: collective, goes up at once
                Case(
                    number="LJ-2026-000001", site="hexi", workers_count=12, collective=True, **base
                ),
                # accepted, past the station's working period
                Case(
                    number="LJ-2026-000002",
                    site="hexi",
                    state="in_mediation",
                    due_at=now - timedelta(hours=1),
                    **base,
                ),
                # within its period (ending in 2 days): stays at the station
                Case(
                    number="LJ-2026-000003",
                    site="hexi",
                    state="accepted",
                    due_at=now + timedelta(days=2),
                    **base,
                ),
                # ended: stays where it ended
                Case(
                    number="LJ-2026-000004",
                    site="hexi",
                    state="agreement",
                    due_at=now - timedelta(days=5),
                    **base,
                ),
                # the center's own collective case: nowhere to go
                Case(number="LJ-2026-000005", workers_count=30, collective=True, **base),
            ]
        )


def hexi() -> SiteSettings:
    return SiteSettings(
        id="hexi",
        name="河西镇调解站",
        kind="station",
        streets=["河西镇"],
        telegram_chat_id=HEXI_GROUP,
    )


async def state(db: Database) -> tuple[dict[str, str], list[str], list[OutboxMessage]]:
    async with db.session() as s:
        sites = {c.number: c.site for c in (await s.execute(select(Case))).scalars()}
        events = (
            await s.execute(
                select(Case.number)
                .join(CaseEvent, CaseEvent.case_id == Case.id)
                .where(CaseEvent.action == "escalated")
            )
        ).scalars()
        rows = (await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return sites, sorted(events), list(rows)


async def test_escalated_once_by_two_processes_at_the_same_minute(
    settings: Settings, db: Database
) -> None:
    settings.telegram.token = "1:x"
    settings.telegram.staff_chat_id = STAFF_GROUP
    settings.center.default_locale = "en"
    settings.sites = [hexi()]
    await seed(db, NOW)
    other = Database(settings.database.url)  # a second bot process's engine
    cores = [Core(settings, db), Core(settings, other)]
    for _ in range(3):  # the same minute, on both, three times over
        await asyncio.gather(*(digest.tick(core, NOW) for core in cores))

    sites, escalated, rows = await state(db)
    assert escalated == ["LJ-2026-000001", "LJ-2026-000002"]  # one event each
    assert sites == {
        "LJ-2026-000001": "center",
        "LJ-2026-000002": "center",
        "LJ-2026-000003": "hexi",
        "LJ-2026-000004": "hexi",
        "LJ-2026-000005": "center",
    }
    notices = [r for r in rows if "escalated to the district center" in str(r.payload)]
    # one notice per case in each group: the station's and the center's
    assert sorted((r.chat_id, r.payload["replies"][0]["text"][:19]) for r in notices) == sorted(
        (chat, f"Case LJ-2026-00000{n}")
        for n in (1, 2)
        for chat in (str(STAFF_GROUP), str(HEXI_GROUP))
    )
    collective = next(r for r in notices if "000001" in r.payload["replies"][0]["text"])
    assert "a collective dispute (10 or more workers)" in collective.payload["replies"][0]["text"]
    told = [r for r in rows if r.chat_id == "42" and "district center" in str(r.payload)]
    assert len(told) == 2  # the party of each case hears who handles it now, once
    # the station's digest: its own cases only; the center's: every case
    digests = {r.chat_id: r for r in rows if r.idempotency_key.startswith("digest:")}
    assert sorted(digests) == sorted([str(STAFF_GROUP), str(HEXI_GROUP)])  # once each
    station = digests[str(HEXI_GROUP)].payload["replies"][0]["text"]
    center = digests[str(STAFF_GROUP)].payload["replies"][0]["text"]
    assert "LJ-2026-000003" in station and "LJ-2026-000003" in center
    assert "LJ-2026-000002" not in station and "LJ-2026-000002" in center  # moved up

    # the center sends the collective case back to the station: it is not escalated again
    async with db.session() as s:
        await s.execute(update(Case).where(Case.number == "LJ-2026-000001").values(site="hexi"))
    await asyncio.gather(*(digest.tick(core, NOW + timedelta(minutes=1)) for core in cores))
    await other.dispose()
    sites, escalated, _rows = await state(db)
    assert sites["LJ-2026-000001"] == "hexi" and len(escalated) == 2


async def test_a_single_site_install_escalates_nothing(settings: Settings, db: Database) -> None:
    settings.telegram.token = "1:x"
    settings.telegram.staff_chat_id = STAFF_GROUP
    await seed(db, NOW)  # even with cases marked for a site no longer configured
    await digest.tick(Core(settings, db), NOW)
    sites, escalated, _rows = await state(db)
    assert escalated == [] and sites["LJ-2026-000001"] == "hexi"


@pytest.mark.skipif(not PG_URL, reason="two bot processes share PostgreSQL")
async def test_two_bot_processes_escalate_each_case_once(
    tmp_path: Path, databases: MigratedDatabases
) -> None:
    db = Database(await databases.postgresql())
    now = datetime.now(UTC)
    await seed(db, now)
    async with HoldingTelegramServer() as server:
        processes = []
        for n in (1, 2):
            folder = tmp_path / f"bot{n}"
            folder.mkdir()
            config = write_config(folder, server, PG_URL)
            config.write_text(
                config.read_text(encoding="utf-8")
                + '[[sites]]\nid = "hexi"\nname = "河西镇调解站"\nkind = "station"\n'
                f'streets = ["河西镇"]\ntelegram_chat_id = {HEXI_GROUP}\n',
                encoding="utf-8",
            )
            processes.append(BotProcess.ours(config, log_path=folder / "bot.log", cwd=folder))
        try:  # both at once: their first minute's work runs at the same time
            await asyncio.gather(*(p.start(asked_for_updates(server)) for p in processes))

            async def both_told() -> bool:
                return len(server.texts_to(HEXI_GROUP)) >= 2 and len(server.texts_to(42)) >= 2

            await eventually(both_told, "the escalation notices did not arrive")
            await asyncio.sleep(1.5)  # time for a second copy, if there were one
            for process in processes:
                assert process.alive and not process.problems(), process.log_tail()
        finally:
            for process in processes:
                await process.stop()
        center = [t for t in server.texts_to(STAFF_GROUP) if "提级" in t]
        station = [t for t in server.texts_to(HEXI_GROUP) if "提级" in t]
        party = [t for t in server.texts_to(42) if "district center" in t]
    sites, escalated, _rows = await state(db)
    await db.dispose()
    assert escalated == ["LJ-2026-000001", "LJ-2026-000002"]
    assert len(center) == 2 and len(station) == 2 and len(party) == 2, (center, station, party)
    assert sites["LJ-2026-000003"] == "hexi" and sites["LJ-2026-000002"] == "center"


# --- WeCom: a station's own group robot, and a station's staff in the app chat ------------
@pytest.fixture
async def api() -> AsyncIterator[FakeWeComApi]:
    async with FakeWeComApi(corp_id=SAMPLE["app_id"]) as fake:
        yield fake


async def test_a_station_on_wecom_has_its_own_robot_and_sees_its_own_cases(
    settings: Settings, api: FakeWeComApi
) -> None:
    wecom_settings(settings, api)
    station_robot = api.site_robot_url("hexi-robot")
    settings.sites = [
        SiteSettings(
            id="hexi",
            name="河西镇调解站",
            kind="station",
            streets=["河西镇"],
            wecom_robot_webhook_url=station_robot,
            address="河西镇便民服务中心2楼",
        )
    ]
    async with running(settings) as (app, side):
        await seed(app.db, datetime.now(UTC))
        async with app.db.session() as s:
            s.add(Staff(member="wecom:wangwu", name="王站长", role="admin", site="hexi"))
        queue = await side.send(text_xml("wangwu", "/queue"))
        assert "LJ-2026-000003" in queue and "LJ-2026-000005" not in queue
        refused = await side.send(text_xml("wangwu", "/case LJ-2026-000005"))
        # the station's staff are refused the center's case, in the station's words
        assert "LJ-2026-000005" in refused and "河西镇调解站" in refused
        assert "张测试" not in refused
        moved = await side.send(text_xml("wangwu", "/transfer LJ-2026-000003 center 涉及多个街道"))
        assert "LJ-2026-000003" in moved

        def transfer_posted(key: str) -> bool:
            return any("涉及多个街道" in text for text in api.robot_texts(key))

        # the station's group (its own robot) and the center's group, through the outbox
        await api.wait_for(lambda: transfer_posted("hexi-robot") and transfer_posted(ROBOT_KEY))
        assert sum("涉及多个街道" in text for text in api.robot_texts("hexi-robot")) == 1
