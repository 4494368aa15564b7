"""Issue 23, points 5 and 6: per-case subsidies (以案定补) and the annual assessment (年度考核)
on a hand-built year in Asia/Shanghai (UTC+8), with cases concluded just either side of a month
and a year boundary in local time; trainings, complaints, the published roster; in chat and
from the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fontTools.ttLib import TTFont
from openpyxl import load_workbook
from sqlalchemy import select

from bot.cli import mediators as cli_mediators
from bot.config import Settings
from handlers.conversation.i18n import Translator
from handlers.office import assessment_chart, charts
from handlers.office.assessment import assess
from handlers.office.subsidy import month_subsidies
from storage.db import Database
from storage.models import Case, CaseEvent, FollowUp, Person, Staff, Training
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, in_group, running_bot, texts
from tests.test_console import run_console

SH = ZoneInfo("Asia/Shanghai")
ADMIN, PARTY = 9100, 7001
NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)  # 10:00 on 10 December in Shanghai


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


async def seed(db: Database) -> None:
    async with db.session() as s:
        wang = Staff(member="telegram:9201", name="王调解", role="mediator", full_time=True)
        li = Staff(member="telegram:9202", name="李调解", role="mediator")
        worker = Person(display_name="张测试")
        s.add_all([wang, li, worker])
        await s.flush()

        def case(n: int, mediator: Staff, received: datetime, states: list[str], **kw) -> Case:  # type: ignore[no-untyped-def]
            row = Case(
                number=f"LJ-2026-{n:06d}",
                state=states[-1],
                applicant_name="张测试",
                applicant_phone="13912345678",
                respondent_name="示例制造有限公司",
                categories=kw.pop("categories", ["pay"]),
                applicant_person_id=worker.id,
                mediator_id=mediator.id,
                submitted_at=received,
                received_at=received,
                **kw,
            )
            s.add(row)
            at = kw.get("outcome_at") or received
            for state in states:
                s.add(CaseEvent(case=row, at=at, actor="test", action="state", to_state=state))
            return row

        c1 = case(  # 1 March 00:30 local: March, not February; collective
            1, wang, local(2026, 2, 20, 9), ["agreement"], collective=True,
            outcome_at=utc(2026, 2, 28, 16, 30), due_at=local(2026, 3, 5, 23, 59),
        )  # fmt: skip
        c2 = case(  # 31 March 23:59 local: still March; court-delegated; past its period
            2, wang, local(2026, 3, 1, 9), ["failed"], court_delegated=True,
            outcome_at=utc(2026, 3, 31, 15, 59), due_at=local(2026, 3, 20, 23, 59),
        )  # fmt: skip
        case(  # 1 April 00:00 local: April
            3, wang, local(2026, 3, 25, 9), ["withdrawn"], outcome_at=utc(2026, 3, 31, 16, 0)
        )
        c4 = case(  # an agreement, closed after follow-up: still counts as an agreement
            4, li, local(2026, 3, 10, 9), ["agreement", "closed"],
            outcome_at=utc(2026, 3, 15, 2), due_at=local(2026, 3, 20, 23, 59),
            categories=["compensation"],
        )  # fmt: skip
        # referred out: no subsidy, not handled
        case(5, li, local(2026, 3, 12, 9), ["referred"], referred_route="people_mediation")
        case(6, wang, local(2026, 12, 1, 9), ["in_mediation"])  # open: handled, not concluded
        c7 = case(  # 1 January 2026 00:30 local: the year 2026 and January
            7, li, local(2025, 12, 20, 9), ["agreement"], outcome_at=utc(2025, 12, 31, 16, 30)
        )
        case(  # 31 December 2025 23:00 local: 2025
            8, wang, local(2025, 12, 1, 9), ["agreement"], outcome_at=utc(2025, 12, 31, 15, 0)
        )
        await s.flush()
        employer = Person(display_name="示例")
        s.add(employer)
        await s.flush()
        follow_ups = [
            (c1, worker, "satisfaction", "5", None),
            (c1, employer, "satisfaction", "4", None),
            (c1, worker, "fulfilment", "yes", None),
            (c2, worker, "satisfaction", "2", local(2026, 4, 2, 10)),  # flagged as a complaint
            (c4, worker, "satisfaction", "3", None),
            (c4, worker, "fulfilment", "no", None),
            (c7, worker, "fulfilment", "partly", None),
        ]
        for row, person, kind, answer, complaint in follow_ups:
            s.add(
                FollowUp(
                    case_id=row.id, person_id=person.id, kind=kind, status="answered",
                    due_at=NOW, answer=answer, comment="态度不好" if complaint else "",
                    complaint_at=complaint,
                )
            )  # fmt: skip
        s.add_all(
            [
                Training(staff_id=wang.id, day=date(2026, 3, 3), topic="工资争议调解技巧"),
                Training(staff_id=wang.id, day=date(2026, 9, 9), topic="庭审观摩"),
                Training(staff_id=wang.id, day=date(2025, 11, 1), topic="去年的培训"),
                Training(staff_id=li.id, day=date(2026, 6, 1), topic="案例分析"),
            ]
        )


async def test_subsidies_count_each_case_once_in_the_local_month(
    settings: Settings, db: Database
) -> None:
    await seed(db)
    async with db.session() as s:
        march = await month_subsidies(s, date(2026, 3, 1), settings)
        feb = await month_subsidies(s, date(2026, 2, 1), settings)
        april = await month_subsidies(s, date(2026, 4, 1), settings)
        january = await month_subsidies(s, date(2026, 1, 1), settings)
        december = await month_subsidies(s, date(2025, 12, 1), settings)
    assert [r.to_json() for r in march] == [
        {
            "mediator": "李调解",
            "cases": 1,
            "agreements": 1,
            "amount": 300,
            "detail": [
                {
                    "number": "LJ-2026-000004",
                    "concluded": "2026-03-15",
                    "rules": ["agreement"],
                    "amount": 300,
                }
            ],
        },
        {
            "mediator": "王调解",
            "cases": 2,
            "agreements": 1,
            "amount": 750,
            "detail": [
                {
                    "number": "LJ-2026-000001",
                    "concluded": "2026-03-01",
                    "rules": ["agreement", "collective_supplement"],
                    "amount": 500,
                },
                {
                    "number": "LJ-2026-000002",
                    "concluded": "2026-03-31",
                    "rules": ["no_agreement", "court_supplement"],
                    "amount": 250,
                },
            ],
        },
    ]
    assert feb == []  # case 1 concluded at 00:30 on 1 March in Shanghai
    assert [(r.mediator, r.amount) for r in april] == [("王调解", 50)]  # withdrawn
    assert [(r.mediator, r.amount) for r in january] == [("李调解", 300)]
    assert [(r.mediator, r.amount) for r in december] == [("王调解", 300)]
    settings.subsidy.agreement, settings.subsidy.collective_supplement = 400, 0
    async with db.session() as s:
        (li, wang) = await month_subsidies(s, date(2026, 3, 1), settings)
    assert (li.amount, wang.amount) == (400, 650)  # the rates are configuration


async def test_annual_assessment_with_the_center_beside_each_figure(
    settings: Settings, db: Database
) -> None:
    await seed(db)
    async with db.session() as s:
        result = await assess(s, 2026, settings)
    (li_name, li), (wang_name, wang) = result.mediators
    assert (li_name, wang_name) == ("李调解", "王调解")
    assert wang == {
        "handled": 4,  # cases 1, 2, 3 and the open 6; not 8 (concluded in 2025)
        "concluded": 3,
        "agreement_rate": pytest.approx(1 / 3),
        "within_period": 0.5,  # case 1 in its period, case 2 not; case 3 had none
        "median_days": 9.0,  # 9, 30 and 7 days
        "satisfaction": pytest.approx(11 / 3),  # 5, 4, 2
        "fulfilment": 1.0,
        "complaints": 1,
        "trainings": 2,
    }
    assert li == {
        "handled": 2,  # 4 and 7 (1 January local); the referred 5 is not handled
        "concluded": 2,
        "agreement_rate": 1.0,
        "within_period": 1.0,
        "median_days": 8.5,  # 5 and 12 days
        "satisfaction": 3.0,
        "fulfilment": 0.0,  # "no" and "partly"
        "complaints": 0,
        "trainings": 1,
    }
    assert result.center == {
        "handled": 3.0,
        "concluded": 2.5,
        "agreement_rate": 0.6,
        "within_period": pytest.approx(2 / 3),
        "median_days": 9.0,
        "satisfaction": 3.5,
        "fulfilment": pytest.approx(1 / 3),
        "complaints": 0.5,
        "trainings": 1.5,
    }
    async with db.session() as s:
        last_year = await assess(s, 2025, settings)
    assert [(n, f["concluded"], f["trainings"]) for n, f in last_year.mediators] == [
        ("李调解", 0, 0),
        ("王调解", 1, 1),
    ]


async def test_cli_json_and_xlsx(db: Database, settings: Settings, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    await seed(db)
    parser = argparse.ArgumentParser()
    cli_mediators.add_parsers(parser.add_subparsers(dest="command"))
    out = tmp_path / "subsidy.xlsx"
    args = parser.parse_args(["subsidy", "--month", "2026-03", "--json", "--out", str(out)])
    assert await asyncio.to_thread(cli_mediators.run, args, settings) == 0
    data = json.loads(capsys.readouterr().out)
    assert [{k: r[k] for k in ("mediator", "cases", "agreements", "amount")} for r in data] == [
        {"mediator": "李调解", "cases": 1, "agreements": 1, "amount": 300},
        {"mediator": "王调解", "cases": 2, "agreements": 1, "amount": 750},
    ]
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("调解员", "案件编号", "办结日期", "适用标准", "金额（元）")
    assert (
        "王调解",
        "LJ-2026-000001",
        datetime(2026, 3, 1),
        "达成协议 + 集体争议补贴",
        500,
    ) in rows
    assert ("王调解", "合计", None, None, 750) in rows

    book, chart = tmp_path / "assessment.xlsx", tmp_path / "assessment.png"
    args = parser.parse_args(
        ["assessment", "--year", "2026", "--json", "--out", str(book), "--chart", str(chart)]
    )
    assert await asyncio.to_thread(cli_mediators.run, args, settings) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["mediator"] for r in data] == ["李调解", "王调解", None]
    assert data[-1]["center_average"] is True and data[-1]["agreement_rate"] == 0.6
    sheet = list(load_workbook(book).active.iter_rows(values_only=True))
    assert sheet[0][:3] == ("调解员", "承办案件", "办结案件") and sheet[-1][0] == "中心平均"
    assert chart.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(SystemExit):
        parser.parse_args(["assessment", "--year", "26"])


async def test_staff_and_parties_in_telegram(
    settings: Settings, server: FakeTelegramServer, db: Database
) -> None:
    await seed(db)
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.default_locale = "en"
    async with running_bot(settings, server, clock=lambda: NOW) as bot:
        await bot.send(ADMIN, "/lang en")
        subsidy = await bot.send(
            ADMIN, "/subsidy 2026-03", chat_id=STAFF_GROUP, chat_type="supergroup"
        )
        text = texts(subsidy)
        assert "王调解: 2 cases, 1 agreements, CN¥750.00" in text
        assert (
            "LJ-2026-000001 · March 1, 2026 · agreement + collective supplement · CN¥500.00" in text
        )
        assert "Total: CN¥1,050.00" in text
        (doc,) = [m for m in subsidy if m["method"] == "sendDocument"]
        assert doc["document"]["file_name"] == "subsidy-2026-03.xlsx"
        assert "like 2026-11" in await in_group(bot, ADMIN, "/subsidy March")

        training = await in_group(
            bot, ADMIN, "/mediators training telegram:9202 2026-11-20 调解技巧"
        )
        assert "Training recorded for 李调解" in training
        assert "could not read the date" in await in_group(
            bot, ADMIN, "/mediators training telegram:9202 someday 调解技巧"
        )
        assert "not on the roster" in await in_group(
            bot, ADMIN, "/mediators training x 2026-11-20 a"
        )
        assert "李调解 is now full-time" in await in_group(
            bot, ADMIN, "/mediators time telegram:9202 full"
        )

        sent = await bot.send(
            ADMIN, "/assessment 2026", chat_id=STAFF_GROUP, chat_type="supergroup"
        )
        text = texts(sent)
        assert "Annual assessment 2026 (center's figure in brackets):" in text
        assert (
            "王调解: Cases handled 4 (3); Cases concluded 3 (2.5); Agreement rate 33% (60%)" in text
        )
        assert "Trainings attended 2 (2)" in text  # 李调解's new training: 2 each now
        assert len([m for m in sent if m["method"] == "sendPhoto"]) == 1
        assert "as a year" in await in_group(bot, ADMIN, "/assessment 3000")

        # A follow-up comment flagged as a complaint counts for the case's mediator.
        async with db.session() as s:
            c4 = (await s.execute(select(Case).where(Case.number == "LJ-2026-000004"))).scalar_one()
            row = (
                await s.execute(
                    select(FollowUp).where(
                        FollowUp.case_id == c4.id, FollowUp.kind == "satisfaction"
                    )
                )
            ).scalar_one()
            row.comment = "调解员没有回电话"
        assert "No follow-up comment" in await in_group(bot, ADMIN, "/flag_complaint 1")
        flagged = await in_group(bot, ADMIN, "/flag_complaint 4")
        assert "Flagged as a complaint about case LJ-2026-000004" in flagged
        assert "already flagged" in await in_group(bot, ADMIN, "/flag_complaint 4")
        assert "flagged as a complaint" in await in_group(bot, ADMIN, "/survey 4")

        roster = texts(await bot.send(PARTY, "/roster"))  # anyone, in a private chat
        assert "王调解 · 专职 · 擅长：拖欠工资" in roster  # the party's language
        assert "李调解 · 专职 · 擅长：拖欠工资、经济补偿" in roster
        assert "9201" not in roster and "telegram:" not in roster and "139" not in roster
        # specialties declared on the roster (what /assign suggests by) are shown instead
        await in_group(bot, ADMIN, "/mediators specialty telegram:9201 injury overtime")
        roster = texts(await bot.send(PARTY, "/roster"))
        assert "王调解 · 专职 · 专长：工伤医疗费和工伤待遇、加班费" in roster, roster
        assert "李调解 · 专职 · 擅长：拖欠工资、经济补偿" in roster
    async with db.session() as s:
        result = await assess(s, 2026, settings)
    assert dict(result.mediators)["李调解"]["complaints"] == 1
    assert dict(result.mediators)["李调解"]["trainings"] == 2


def test_the_chart_labels_are_in_the_shipped_font() -> None:
    cmap = TTFont(charts.FONT_PATH)["cmap"].getBestCmap()
    t = Translator("zh_CN", SH)
    labels = [t(m) for m in assessment_chart.CHART_MSGIDS]
    missing = {c for text in labels for c in text if not c.isspace() and ord(c) not in cmap}
    assert not missing, f"rebuild knowledge/fonts (build_subset.py); missing: {missing}"


def test_the_roster_and_the_reports_on_the_console(tmp_path: Path) -> None:
    out = run_console(
        tmp_path,
        [
            "/mediators add console:wang 王调解",
            "/mediators time console:wang full",
            "/mediators training console:wang 2026-11-20 庭审观摩",
            "/roster",
            "/subsidy 2026-11",
            "/assessment 2026",
        ],
        "--staff",
    )
    assert (
        "王调解现为专职调解员。" in out and "已记录王调解的培训：2026年11月20日，庭审观摩。" in out
    )
    assert (
        "本中心调解员：\n王调解 · 专职" in out
        and "console:wang" not in out.split("本中心调解员")[1]
    )
    assert "2026年11月没有调解员办结的案件。" in out
    assert "王调解：承办案件 0 (0)" in out and "参加培训 1 (1)" in out
    assert "assessment-2026.xlsx" in out and ".png" in out
