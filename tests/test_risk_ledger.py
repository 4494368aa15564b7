"""The risk ledger on real databases: warnings once per level (also with two processes), /risk
on Telegram and the console, `mediation-bot risk --json`, the monthly summary."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from handlers.app import Core
from handlers.office import risk_warnings
from handlers.office.risk import build_ledger
from handlers.staff.reports import monthly_report
from storage.db import Database
from storage.models import AccessLog, Case, FollowUp, OutboxMessage, Person, RiskWarning, Staff
from tests.conftest import TEST_DATA_KEY
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, in_group, running_bot, texts
from tests.test_console import run_console
from tests.test_intake_e2e import WORKER, file_case

LIAISON = 9001
ADMIN = 9002
NOW = datetime.now(UTC)
FACTORY = "示例制造有限公司"  # file_case files against this employer
_seq = iter(range(100, 10_000))


def a_case(
    respondent: str = FACTORY, days_ago: float = 5, *, now: datetime = NOW, **kw: Any
) -> Case:
    n = next(_seq)
    received = now - timedelta(days=days_ago)
    values: dict[str, Any] = dict(
        number=f"LJ-2026-{n:06d}",
        state="submitted",
        applicant_name=f"工人{n}",
        applicant_phone="13912345678",
        respondent_name=respondent,
        categories=["pay"],
        amount_claimed=Decimal(5000),
        submitted_at=received,
        received_at=received,
    )
    return Case(**(values | kw))


async def seed(db: Database, *cases: Case, liaison: bool = True) -> None:
    async with db.session() as s:
        s.add_all(cases)
        if liaison:
            s.add(Staff(member=f"telegram:{LIAISON}", role="liaison", department="hrss"))


async def warnings_sent(db: Database) -> list[OutboxMessage]:
    async with db.session() as s:
        stmt = select(OutboxMessage).where(OutboxMessage.idempotency_key.like("risk:%"))
        return list((await s.execute(stmt.order_by(OutboxMessage.id))).scalars())


def group_settings(settings: Settings) -> Settings:
    settings.telegram.token = "1:x"
    settings.telegram.staff_chat_id = STAFF_GROUP
    return settings


async def test_a_warning_goes_once_per_level_and_again_only_higher(
    settings: Settings, db: Database
) -> None:
    core = Core(group_settings(settings), db)
    await seed(db, a_case(), a_case(days_ago=20))  # two cases in 90 days: yellow, no warning
    assert await risk_warnings.tick(core, NOW) == 0
    assert await warnings_sent(db) == []

    await seed(db, a_case("示例制造有限责任公司（柳江分公司）"), liaison=False)  # 3: orange
    assert await risk_warnings.tick(core, NOW) == 1
    assert await risk_warnings.tick(core, NOW + timedelta(hours=1)) == 0  # not again
    rows = await warnings_sent(db)
    assert sorted(r.chat_id for r in rows) == sorted([str(LIAISON), str(STAFF_GROUP)])
    text = rows[0].payload["replies"][0]["text"]
    assert FACTORY[:4] in text and "橙色" in text and "LJ-2026-" in text
    assert "90天内有3件以上" in text  # the reason a liaison reads

    await seed(db, a_case(workers_count=25, collective=True), liaison=False)  # red
    assert await risk_warnings.tick(core, NOW) == 1
    rows = await warnings_sent(db)
    assert len(rows) == 4 and "红色" in rows[-1].payload["replies"][0]["text"]

    async with db.session() as s:  # the collective case ends: back to orange, no new warning
        case = (await s.execute(select(Case).where(Case.workers_count == 25))).scalar_one()
        case.state = "agreement"
    ledger = await build_ledger_now(db, settings)
    assert ledger[0].level == "orange"
    assert await risk_warnings.tick(core, NOW) == 0
    async with db.session() as s:
        levels = (await s.execute(select(RiskWarning.level))).scalars().all()
    assert sorted(levels) == ["orange", "red"]


async def build_ledger_now(db: Database, settings: Settings) -> list[Any]:
    async with db.session() as s:
        return await build_ledger(s, settings.tz, NOW)


async def test_two_processes_evaluating_at_once_warn_once(settings: Settings, db: Database) -> None:
    group_settings(settings)
    await seed(db, *(a_case() for _ in range(3)), a_case("示例建筑工程有限公司", workers_count=12))
    others = [Database(settings.database.url) for _ in range(3)]
    cores = [Core(settings, db), *(Core(settings, other) for other in others)]
    results = await asyncio.gather(
        *(risk_warnings.tick(core, NOW) for core in cores), return_exceptions=True
    )
    for other in others:
        await other.dispose()
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r for r in results if isinstance(r, int)) == 2  # two employers, once each
    rows = await warnings_sent(db)
    assert len(rows) == 4  # each employer: the liaison and the group
    assert len({r.idempotency_key for r in rows}) == 4


async def test_an_unhonoured_agreement_and_a_new_case_turn_red(
    settings: Settings, db: Database
) -> None:
    core = Core(group_settings(settings), db)
    old = a_case(days_ago=60, state="agreement", outcome_amount=Decimal(8000))
    await seed(db, old)
    async with db.session() as s:
        person = Person()
        s.add(person)
        await s.flush()
        s.add(
            FollowUp(
                case_id=old.id,
                person_id=person.id,
                kind="fulfilment",
                status="answered",
                due_at=NOW - timedelta(days=20),
                answered_at=NOW - timedelta(days=19),
                answer="no",
            )
        )
    ledger = await build_ledger_now(db, settings)
    assert [e.level for e in ledger] == ["orange"]
    assert [f.rule.id for f in ledger[0].fired] == ["agreement_not_honoured"]
    assert ledger[0].amount_agreed == Decimal(8000)
    await seed(db, a_case(days_ago=2), liaison=False)
    ledger = await build_ledger_now(db, settings)
    assert ledger[0].level == "red"
    assert "new_case_after_default" in {f.rule.id for f in ledger[0].fired}
    assert await risk_warnings.tick(core, NOW) == 1  # red at once: orange is not sent after


async def test_monthly_report_has_the_risk_summary(settings: Settings, db: Database) -> None:
    core = Core(group_settings(settings), db)
    last_month = NOW.replace(day=1) - timedelta(days=10)
    await seed(
        db,
        a_case("示例建筑工程有限公司", workers_count=15, submitted_at=last_month),
        a_case("示例餐饮有限公司"),
        a_case("示例餐饮有限公司"),
    )
    async with db.session() as s:
        replies = await monthly_report(core, s, NOW)
    assert replies is not None
    text = replies[0].text
    assert "风险台账：红色 1 · 橙色 0 · 黄色 1" in text
    assert "红色单位：示例建筑工程有限公司" in text


async def test_risk_on_telegram_after_a_filing(
    settings: Settings, server: FakeTelegramServer
) -> None:
    """Two cases against the employer; the worker files a third on Telegram: the liaison and
    the group are warned (orange) once, and /risk shows the employer, logged."""
    settings.staff.admins = [f"telegram:{ADMIN}"]
    db = Database(settings.database.url)
    await db.upgrade()
    await seed(db, a_case("示例制造（柳州）有限公司"), a_case(days_ago=30))
    async with running_bot(settings, server) as bot:
        await file_case(bot, server)
        await bot.deliver_outbox()
        warned = texts(server.sent_messages(LIAISON))
        assert "示例制造" in warned and "橙色" in warned and "90天内有3件以上" in warned
        group = texts(server.sent_messages(STAFF_GROUP))
        assert group.count("风险预警") == 1

        ledger = await in_group(bot, ADMIN, "/risk")
        assert "风险台账：红色 0 · 橙色 1 · 黄色 0" in ledger
        assert "示例制造" in ledger and "3 件" in ledger
        one = await in_group(bot, ADMIN, "/risk 示例製造")  # traditional characters
        assert "橙色" in one and "139" not in one
        none = await in_group(bot, ADMIN, "/risk 不存在的单位")
        assert "没有找到" in none
        refused = texts(await bot.send(WORKER, "/risk"))
        assert "示例制造" not in refused
        await bot.deliver_outbox()
    assert texts(server.sent_messages(STAFF_GROUP)).count("风险预警") == 1  # never repeated
    async with db.session() as s:
        views = await s.execute(select(AccessLog.detail).where(AccessLog.action == "view_risk"))
        assert sorted(views.scalars()) == ["all", "不存在的单位", "示例製造"]
    await db.dispose()


def _config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        "[database]\n"
        f'url = "{url}"\n'
        "[storage]\n"
        f'files_dir = "{tmp_path / "files"}"\n'
        "[security]\n"
        f'data_key = "{TEST_DATA_KEY}"\n',
        encoding="utf-8",
    )
    return config


async def _seed_file(tmp_path: Path) -> Path:
    url = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    config = _config(tmp_path, url)
    db = Database(url)
    await db.upgrade()
    await seed(
        db,
        a_case("示例建筑工程有限公司", workers_count=12, respondent_uscc="91450221MA5K8XXX1T"),
        a_case("示例餐饮有限公司"),
        a_case("示例餐饮有限公司（河西分店）"),
        a_case("示例书店"),
    )
    await db.dispose()
    return config


async def test_risk_on_the_console_as_staff(tmp_path: Path) -> None:
    await _seed_file(tmp_path)
    out = await asyncio.to_thread(run_console, tmp_path, ["/risk"], "--staff")
    assert "风险台账：红色 1 · 橙色 0 · 黄色 1" in out
    assert "示例建筑工程有限公司 (91450221MA5K8XXX1T)" in out and "示例书店" not in out
    out = await asyncio.to_thread(run_console, tmp_path, ["/risk 91450221ma5k8xxx1t"], "--staff")
    assert "有10人以上的集体争议尚未办结" in out
    assert "未办结的集体争议：" in out


async def test_cli_risk_json(tmp_path: Path) -> None:
    config = await _seed_file(tmp_path)
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "--config", str(config), "risk", "--json"],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [e["level"] for e in data] == ["red", "yellow"]
    required = {"employer", "credit_code", "level", "cases", "workers", "amount_claimed", "rules"}
    assert all(required <= set(e) for e in data)
    red, yellow = data
    assert red["employer"] == "示例建筑工程有限公司" and red["credit_code"] == "91450221MA5K8XXX1T"
    assert red["workers"] == 12 and red["amount_claimed"] == 5000
    assert red["rules"] == ["collective_dispute"] and len(red["cases"]) == 1
    assert yellow["rules"] == ["repeat_cases"] and len(yellow["cases"]) == 2
