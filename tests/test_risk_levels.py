"""The monthly report's risk summary comes from the levels the periodic risk check kept
(issue 21: rebuilding the ledger was most of the report at a city's scale): the same figures
as the ledger rebuilt, said to be as of the check; a check that is late, or none at all, makes
the report build the ledger once and keep it; two processes storing at once leave one
evaluation's rows. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from handlers.app import Core
from handlers.office import risk_warnings
from handlers.office.risk import build_ledger, counts_by_level
from handlers.staff.reports import monthly_report
from storage.db import Database
from storage.models import Case, RiskEvaluation, RiskLevel
from tests.harness import STAFF_GROUP
from tests.test_risk_ledger import a_case as ledger_case

NOW = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)  # the report is September's


def a_case(employer: str, days_ago: float = 10, **kw: Any) -> Case:
    """A dismissal case against ``employer``, received ``days_ago`` before the report."""
    defaults: dict[str, Any] = {"categories": ["dismissal"], "amount_claimed": None}
    return ledger_case(employer, days_ago, now=NOW, **(defaults | kw))


def a_month() -> list[Case]:
    """September by hand: two red employers (the one with more cases first in the ledger),
    one orange, one yellow, one without any rule."""
    return [
        a_case("甲建筑工程有限公司", workers_count=12, collective=True),  # red: collective
        a_case("甲建筑工程有限公司（柳江分公司）"),
        *(a_case("丙餐饮管理有限公司", days_ago=d) for d in (5, 12)),
        a_case("丙餐饮管理有限公司", workers_count=10, collective=True),  # red, 3 cases
        *(a_case("乙机械有限公司", days_ago=d) for d in (3, 8, 20)),  # orange: 3 in 90 days
        *(a_case("丁商贸有限公司", days_ago=d) for d in (4, 9)),  # yellow: 2 in 90 days
        a_case("戊科技有限公司", amount_claimed=Decimal(1000)),  # no rule
    ]


def core_of(settings: Settings, db: Database) -> Core:
    settings.telegram.token = "1:x"
    settings.telegram.staff_chat_id = STAFF_GROUP
    return Core(settings, db)


async def ledger_now(db: Database, settings: Settings, at: datetime) -> tuple[dict[str, int], str]:
    """The ledger rebuilt: its count per level and its red employers as the report words them."""
    async with db.session() as s:
        ledger = await build_ledger(s, settings.tz, at)
    counts = counts_by_level(ledger)
    t = Core(settings, db).translator()
    red = t.join(e.name for e in ledger if e.level == "red")
    return counts, red


def summary_line(counts: dict[str, int]) -> str:
    return f"风险台账：红色 {counts['red']} · 橙色 {counts['orange']} · 黄色 {counts['yellow']}"


async def report_at(core: Core, db: Database, at: datetime) -> str:
    async with db.session() as s:
        replies = await monthly_report(core, s, at)
    assert replies is not None
    return replies[0].text


async def test_without_a_check_the_report_builds_the_ledger_once_and_keeps_it(
    settings: Settings, db: Database
) -> None:
    core = core_of(settings, db)
    async with db.session() as s:
        s.add_all(a_month())
    counts, red = await ledger_now(db, settings, NOW)
    assert counts == {"red": 2, "orange": 1, "yellow": 1}
    assert red.startswith("丙餐饮管理有限公司、甲建筑工程有限公司")  # more cases first

    text = await report_at(core, db, NOW)  # nothing stored yet (a fresh install)
    assert summary_line(counts) in text and f"红色单位：{red}" in text
    assert f"截至{core.translator().datetime(NOW)}" in text
    async with db.session() as s:
        evaluated = (await s.execute(select(RiskEvaluation))).scalar_one()
        rows = (await s.execute(select(RiskLevel))).scalars().all()
    assert evaluated.evaluated_at == NOW and evaluated.employers == 4
    assert sorted(r.level for r in rows) == ["orange", "red", "red", "yellow"]
    # only the red employers' names are kept (the report names them); the others by key
    assert {r.employer_name for r in rows if r.level != "red"} == {""}
    assert all(r.employer_key.startswith("name#") for r in rows)
    # the same report again reads what was kept: the same figures
    assert summary_line(counts) in await report_at(core, db, NOW + timedelta(minutes=1))


async def test_the_report_gives_the_last_checks_figures_and_a_late_check_is_not_used(
    settings: Settings, db: Database
) -> None:
    core = core_of(settings, db)
    async with db.session() as s:
        s.add_all(a_month())
    checked = NOW - timedelta(minutes=30)
    at_check, red = await ledger_now(db, settings, checked)
    await risk_warnings.tick(core, checked)  # the periodic check (every 60 minutes)

    async with db.session() as s:  # after the check, 戊 gets two more cases: orange
        s.add_all([a_case("戊科技有限公司", days_ago=1), a_case("戊科技有限公司", days_ago=2)])
    text = await report_at(core, db, NOW)
    assert summary_line(at_check) in text and f"红色单位：{red}" in text
    assert f"截至{core.translator().datetime(checked)}" in text

    later = NOW + timedelta(hours=2)  # no check for two hours: built again, and kept
    now_counts, _red = await ledger_now(db, settings, later)
    assert now_counts["orange"] == at_check["orange"] + 1
    text = await report_at(core, db, later)
    assert summary_line(now_counts) in text
    assert f"截至{core.translator().datetime(later)}" in text
    async with db.session() as s:
        assert (await s.execute(select(RiskEvaluation.evaluated_at))).scalar_one() == later


async def test_two_processes_checking_at_once_keep_one_evaluation(
    settings: Settings, db: Database
) -> None:
    core_of(settings, db)
    async with db.session() as s:
        s.add_all(a_month())
    others = [Database(settings.database.url) for _ in range(4)]
    cores = [Core(settings, db), *(Core(settings, other) for other in others)]
    seconds = [0, 1, 2, 3, 3]  # two of them at the same moment
    results = await asyncio.gather(
        *(
            risk_warnings.tick(core, NOW + timedelta(seconds=n))
            for core, n in zip(cores, seconds, strict=True)
        ),
        return_exceptions=True,
    )
    for other in others:
        await other.dispose()
    assert not [r for r in results if isinstance(r, BaseException)], results
    async with db.session() as s:
        evaluated = (await s.execute(select(RiskEvaluation))).scalars().all()
        rows = (await s.execute(select(RiskLevel))).scalars().all()
    latest = NOW + timedelta(seconds=3)
    assert [e.evaluated_at for e in evaluated] == [latest]
    assert len(rows) == 4 and {r.evaluated_at for r in rows} == {latest}  # one evaluation's
    assert len({r.employer_key for r in rows}) == 4
