"""Monthly figures, the ledger and the chart, on a month seeded with exactly known cases.

The month is March 2026 in Asia/Shanghai (UTC+8): it runs from 2026-02-28 16:00 UTC to
2026-03-31 16:00 UTC, and cases sit just inside and just outside both edges.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import warnings
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fontTools.ttLib import TTFont
from openpyxl import load_workbook
from sqlalchemy import select

from bot.cli import reports as cli_reports
from bot.config import Settings
from handlers.app import Core
from handlers.conversation.i18n import Translator
from handlers.office import charts
from handlers.office.ledger import Ledger, build_ledger, write_csv, write_xlsx
from handlers.office.stats import month_figures, month_label, parse_month
from handlers.office.trend import month_trend
from handlers.staff import reports  # noqa: F401  (registers /stats and /export)
from handlers.staff.reports import monthly_report
from storage.db import Database
from storage.models import AccessLog, Case, CaseEvent, FollowUp, Person, Staff
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, running_bot

SH = ZoneInfo("Asia/Shanghai")
MARCH = date(2026, 3, 1)
AFTER_MARCH = datetime(2026, 4, 2, 10, 0, tzinfo=SH)  # "now" for March as a past month
PNG = b"\x89PNG\r\n\x1a\n"
ADMIN = 9100


def local(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


async def seed(db: Database) -> None:
    """Eleven cases, their state changes and follow-ups (see the expected figures below)."""
    async with db.session() as s:
        worker, boss = Person(display_name="张测试"), Person(display_name="示例")
        mediator = Staff(member="telegram:9200", name="王调解", role="mediator")
        s.add_all([worker, boss, mediator])
        await s.flush()

        def case(n: int, submitted: datetime, states: list[tuple[datetime, str]], **kw) -> Case:  # type: ignore[no-untyped-def]
            values = {
                "applicant_name": "张测试",
                "applicant_phone": "13912345678",
                "applicant_id_number": "110101190001011239",
                "respondent_name": "示例制造有限公司",
                "categories": ["pay"],
                "source_channel": "telegram",
                "applicant_person_id": worker.id,
                **kw,
            }
            row = Case(number=f"LJ-2026-{n:06d}", submitted_at=submitted, **values)
            row.state = states[-1][1] if states else "submitted"
            s.add(row)
            previous = None
            for at, state in [(submitted, "submitted"), *states]:
                s.add(
                    CaseEvent(
                        case=row,
                        at=at,
                        actor="test",
                        action="state",
                        from_state=previous,
                        to_state=state,
                    )
                )
                previous = state
            return row

        c1 = case(
            1,
            datetime(2026, 2, 28, 17, 0, tzinfo=UTC),  # 1 March 01:00 local: in March
            [
                (local(3, 2), "accepted"),
                (local(3, 3), "assigned"),
                (local(3, 5), "in_mediation"),
                (local(3, 11, 10), "agreement"),
                (local(3, 20), "closed"),
            ],
            categories=["pay", "overtime"],
            entry_source="示例街道",
            amount_claimed=Decimal("12000"),
            mediator_id=mediator.id,
            outcome_amount=Decimal("10000"),
            outcome_at=local(3, 11, 10),
            respondent_person_id=boss.id,
        )
        c2 = case(
            2,
            local(2, 28, 23, 59),  # February; fails 1 March 00:30 local: concluded in March
            [(local(3, 1, 0, 30), "failed")],
            categories=["compensation"],
            outcome_at=local(3, 1, 0, 30),
        )
        case(
            3,
            local(3, 31, 23, 59),  # the last minute of March
            [(local(4, 2), "accepted")],
            source_channel="wechat",
            entry_source="新城街道",
            collective=True,
            workers_count=12,
            amount_claimed=Decimal("50000"),
            department="court",
        )
        case(4, local(4, 1, 0, 0), [], categories=["injury"])  # the first minute of April
        case(
            5,
            local(3, 10),
            [
                (local(3, 11), "accepted"),
                (local(3, 12), "assigned"),
                (local(3, 13), "in_mediation"),
                (local(4, 3), "agreement"),
            ],
            categories=["no_contract"],
            department="union",
            due_at=local(3, 26, 23, 59),  # passed while open: overdue at the end of March
            outcome_amount=Decimal("3000"),
            outcome_at=local(4, 3),
        )
        case(
            6,
            local(3, 15),
            [(local(3, 18), "declined_by_respondent")],  # no outcome_at: the event's time
            amount_claimed=Decimal("6000"),
        )
        case(
            7,
            local(1, 20),
            [(local(1, 21), "accepted"), (local(1, 22), "assigned")],
            due_at=local(2, 10, 23, 59),  # still open: overdue
        )
        case(
            8,
            local(3, 20),
            [(local(3, 22), "withdrawn")],
            categories=["other"],
            source_channel="console",
            amount_claimed=Decimal("800.50"),
            due_at=local(3, 21),  # passed, but the case was concluded: not overdue
            outcome_at=local(3, 22),
        )
        case(
            9,
            local(3, 5),
            [(local(3, 6), "referred")],
            applicant_role="employer",
            applicant_name="示例科技有限公司",
            respondent_name="李测试",
            categories=["social_insurance"],
            source_channel="wechat",
            entry_source="示例街道",
        )
        c10 = case(
            10,
            local(2, 5),
            [(local(2, 25), "agreement")],
            outcome_amount=Decimal("5000"),
            outcome_at=local(2, 25),
        )
        case(
            11,
            local(3, 25),
            [(local(3, 26), "in_mediation"), (local(4, 1, 0, 30), "agreement")],
            categories=["overtime"],
            amount_claimed=Decimal("2000"),
            due_at=local(4, 9, 23, 59),
            outcome_amount=Decimal("1500"),
            outcome_at=local(4, 1, 0, 30),  # 31 March 16:30 UTC: April in Shanghai
        )
        s.add(Case(number=None, applicant_name="草稿", applicant_phone="", respondent_name=""))
        await s.flush()

        def follow(c: Case, person: Person, kind: str, answer: str | None, at: datetime | None):  # type: ignore[no-untyped-def]
            s.add(
                FollowUp(
                    case_id=c.id,
                    person_id=person.id,
                    kind=kind,
                    status="answered",
                    due_at=local(3, 1),
                    answer=answer,
                    answered_at=at,
                )
            )

        follow(c1, worker, "fulfilment", "yes", local(3, 25))
        follow(c1, worker, "satisfaction", "5", local(3, 12))
        follow(c1, boss, "satisfaction", "2", local(4, 1, 0, 30))  # April
        follow(c10, worker, "fulfilment", "partly", local(3, 31, 23))
        follow(c10, worker, "satisfaction", "3", local(3, 2))
        follow(c10, boss, "satisfaction", "1", local(2, 28, 23, 30))  # February
        follow(c2, worker, "satisfaction", None, None)  # never answered


EXPECTED = {
    "month": "2026-03",
    "received": 7,  # cases 1, 3, 5, 6, 8, 9, 11
    "by_category": {
        "pay": 3,
        "overtime": 2,
        "no_contract": 1,
        "other": 1,
        "social_insurance": 1,
    },
    "by_outcome": {  # where they stood at the end of March
        "agreement": 1,  # case 1, closed since: counted as its outcome
        "submitted": 1,
        "in_mediation": 2,  # case 11 reached agreement 30 minutes into April
        "declined_by_respondent": 1,
        "withdrawn": 1,
        "referred": 1,
    },
    "by_source": {"telegram": 4, "wechat": 2, "console": 1},
    "by_entry_source": {"示例街道": 2, "新城街道": 1},
    "by_department": {"": 5, "court": 1, "union": 1},
    "collective": 1,
    "amount_claimed": "70800.50",
    "concluded": 4,  # cases 1, 2, 6, 8
    "concluded_by_outcome": {
        "agreement": 1,
        "failed": 1,
        "declined_by_respondent": 1,
        "withdrawn": 1,
    },
    "agreements": 1,
    "agreement_rate": 0.25,
    "amount_agreed": "10000.00",
    "mean_days": 4.0,  # 10, 1, 3 and 2 calendar days
    "median_days": 2.5,
    "overdue": 2,  # cases 5 and 7
    "satisfaction_mean": 4.0,  # 5 and 3
    "satisfaction_count": 2,
    "fulfilment_rate": 0.5,
    "fulfilment_counts": {"yes": 1, "partly": 1, "no": 0},
}


def check_figures(data: dict) -> None:  # type: ignore[type-arg]
    for key, value in EXPECTED.items():
        assert data[key] == value, key
    assert data["category_outcome"]["pay"] == {
        "agreement": 1,
        "open": 1,
        "declined_by_respondent": 1,
    }


async def test_month_figures_are_exact(db: Database) -> None:
    await seed(db)
    async with db.session() as s:
        fig = await month_figures(s, MARCH, SH, now=AFTER_MARCH)
    check_figures(fig.to_json())
    assert fig.as_of == local(4, 1, 0, 0)


async def test_current_month_counts_up_to_now(db: Database) -> None:
    await seed(db)
    async with db.session() as s:
        fig = await month_figures(s, MARCH, SH, now=local(3, 20, 12))
    assert fig.as_of == local(3, 20, 12)
    assert fig.overdue == 1  # case 7; case 5's period runs to 26 March
    assert fig.received == 5  # cases 1, 9, 5, 6 and 8 (20 March 09:00)
    assert fig.by_outcome == {
        "agreement": 1,
        "declined_by_respondent": 1,
        "in_mediation": 1,
        "referred": 1,
        "submitted": 1,  # case 8 is withdrawn only on 22 March
    }
    assert fig.concluded_by_outcome == {"failed": 1, "agreement": 1, "declined_by_respondent": 1}
    assert (fig.satisfaction_count, fig.fulfilment_counts["yes"]) == (2, 0)


async def test_twelve_month_trend(db: Database) -> None:
    await seed(db)
    async with db.session() as s:
        trend = await month_trend(s, MARCH, SH)
    assert (trend[0].month, trend[-1].month, len(trend)) == (date(2025, 4, 1), MARCH, 12)
    counts = {p.month: (p.received, p.agreements) for p in trend}
    assert counts[date(2026, 1, 1)] == (1, 0)
    assert counts[date(2026, 2, 1)] == (2, 1)
    assert counts[MARCH] == (7, 1)
    assert sum(p.received for p in trend) == 10 and sum(p.agreements for p in trend) == 2


def test_parse_month() -> None:
    assert parse_month("2026-03") == parse_month("2026/3") == parse_month("2026年3月") == MARCH
    for bad in ("2026-13", "2026-00", "03-2026", "march", "2026", "26-03", "2026-3-1"):
        assert parse_month(bad) is None, bad


async def test_ledger_xlsx_full_and_masked(db: Database, tmp_path: Path) -> None:
    await seed(db)
    t = Translator("en", SH)
    async with db.session() as s:
        full = await build_ledger(s, t, SH, month=MARCH)
        masked = await build_ledger(s, t, SH, month=MARCH, masked=True)
        everything = await build_ledger(s, t, SH)
    assert len(everything.rows) == 11  # every submitted case, no draft
    sheet = load_workbook(write_xlsx(full, tmp_path / "full.xlsx", "Mar 2026")).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Case number",
        "Date received",
        "Applicant",
        "Applicant phone",
        "Applicant ID number",
        "Respondent",
        "Category",
        "Amount claimed (yuan)",
        "Collective",
        "Department",
        "Mediator",
        "Outcome",
        "Amount agreed (yuan)",
        "Date concluded",
        "Days taken",
        "Follow-up result",
    )
    numbers = [r[0] for r in rows[1:]]
    assert numbers == [f"LJ-2026-{n:06d}" for n in (1, 9, 5, 6, 8, 11, 3)]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Date received"].date() == date(2026, 3, 1)  # local date, not UTC
    assert first["Applicant"] == "张测试" and first["Applicant phone"] == "13912345678"
    assert first["Category"] == "Unpaid wages、Overtime pay"
    assert first["Amount claimed (yuan)"] == 12000 and first["Amount agreed (yuan)"] == 10000
    assert first["Mediator"] == "王调解" and first["Outcome"] == "agreement reached"
    assert first["Date concluded"].date() == date(2026, 3, 11) and first["Days taken"] == 10
    assert first["Follow-up result"] == "carried out; satisfaction 5, 2"
    last = dict(zip(rows[0], rows[-1], strict=True))
    assert last["Collective"] == "yes" and last["Department"] == "people's court"
    assert last["Outcome"] == "accepted by the center" and last["Days taken"] is None

    sheet = load_workbook(write_xlsx(masked, tmp_path / "masked.xlsx", "Mar 2026")).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "Applicant phone" not in rows[0] and "Applicant ID number" not in rows[0]
    cells = " ".join(str(v) for row in rows for v in row)
    assert "张测试" not in cells and "李测试" not in cells and "13912345678" not in cells
    assert "1101011900" not in cells
    by_number = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_number["LJ-2026-000001"]["Applicant"] == "张**"
    employer = by_number["LJ-2026-000009"]  # an employer applies: the worker is the respondent
    assert employer["Applicant"] == "示例科技有限公司" and employer["Respondent"] == "李**"


async def test_ledger_csv(db: Database, tmp_path: Path) -> None:
    await seed(db)
    async with db.session() as s:
        ledger = await build_ledger(s, Translator("zh_CN", SH), SH, month=MARCH, masked=True)
    raw = write_csv(ledger, tmp_path / "ledger.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese correctly
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 8 and len(rows[0]) == 14
    assert rows[1][:3] == ["LJ-2026-000001", "2026-03-01", "张**"]
    assert "13912345678" not in raw.decode("utf-8-sig")


def test_text_typed_by_a_party_never_becomes_a_formula(tmp_path: Path) -> None:
    evil = '=HYPERLINK("http://example.invalid","点我")'
    ledger = Ledger(["applicant", "claimed"], ["Applicant", "Claimed"], [[evil, None]], [1])
    cell = load_workbook(write_xlsx(ledger, tmp_path / "l.xlsx", "x")).active["A2"]
    assert cell.data_type == "s" and cell.value == evil
    rows = list(
        csv.reader(io.StringIO(write_csv(ledger, tmp_path / "l.csv").read_text("utf-8-sig")))
    )
    assert rows[1] == ["'" + evil, ""]


async def test_chart_is_a_png_with_every_glyph(db: Database, tmp_path: Path) -> None:
    await seed(db)
    async with db.session() as s:
        fig = await month_figures(s, MARCH, SH, now=AFTER_MARCH)
        trend = await month_trend(s, MARCH, SH)
    for locale in ("zh_CN", "en"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph … missing from font(s)" fails the test
            path = charts.render_chart(fig, trend, Translator(locale, SH), tmp_path / "c.png")
        assert path.read_bytes().startswith(PNG) and path.stat().st_size > 20_000


def test_shipped_font_covers_the_chinese_chart_labels() -> None:
    cmap = TTFont(charts.FONT_PATH)["cmap"].getBestCmap()
    t = Translator("zh_CN", SH)
    labels = [t(m) for m in charts.CHART_MSGIDS]
    labels += [month_label("zh_CN", date(2026, m, 1)) for m in range(1, 13)]
    missing = {c for text in labels for c in text if not c.isspace() and ord(c) not in cmap}
    assert not missing, f"rebuild knowledge/fonts (build_subset.py); missing: {missing}"
    assert charts.FONT_PATH.stat().st_size < 2_000_000
    assert (charts.FONT_PATH.parent / "OFL.txt").is_file()


async def test_monthly_report(db: Database, settings: Settings) -> None:
    core = Core(settings, db)
    async with db.session() as s:
        assert await monthly_report(core, s, AFTER_MARCH) is None  # nothing happened
    await seed(db)
    settings.center.default_locale = "en"
    async with db.session() as s:
        replies = await monthly_report(core, s, AFTER_MARCH)
    assert replies is not None
    text, image = replies
    assert "Monthly report of Labour and Personnel Dispute Mediation Center" in text.text
    assert "Cases received: 7" in text.text
    assert (
        "Agreement rate: 25.0%" in text.text and "Overdue at the end of the month: 2" in text.text
    )
    assert image.image is not None
    path = Path(image.image)
    assert path.parent == Path(settings.storage.files_dir) / "reports"
    assert path.read_bytes().startswith(PNG)


async def group(bot, user: int, text: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return await bot.send(user, text, chat_id=STAFF_GROUP, chat_type="supergroup")


def texts_of(messages: list[dict]) -> str:  # type: ignore[type-arg]
    return "\n".join(m.get("text") or m.get("caption") or "" for m in messages)


async def test_stats_and_export_from_telegram(
    db: Database, settings: Settings, server: FakeTelegramServer
) -> None:
    await seed(db)
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.default_locale = "en"
    async with running_bot(settings, server, clock=lambda: AFTER_MARCH.astimezone(UTC)) as bot:
        await bot.send(ADMIN, "/lang en")
        sent = await group(bot, ADMIN, "/stats")  # last month: March
        figures = texts_of(sent)
        assert "Figures for Mar 2026" in figures and "Cases received: 7 (collective: 1)" in figures
        assert "Days from receipt to outcome: mean 4, median 2.5" in figures
        photos = [m for m in sent if m["method"] == "sendPhoto"]
        assert len(photos) == 1
        assert server.file_content(photos[0]["photo"][-1]["file_id"]).startswith(PNG)

        assert "like 2026-03" in texts_of(await group(bot, ADMIN, "/stats 2026-13"))
        assert "has not begun" in texts_of(await group(bot, ADMIN, "/stats 2026-05"))

        sent = await group(bot, ADMIN, "/export 2026-03")
        (doc,) = [m for m in sent if m["method"] == "sendDocument"]
        assert doc["document"]["file_name"] == "ledger-2026-03-masked.xlsx"
        assert "masked" in doc["caption"] and "7 cases" in doc["caption"]
        book = load_workbook(io.BytesIO(server.file_content(doc["document"]["file_id"])))
        cells = " ".join(str(v) for row in book.active.iter_rows(values_only=True) for v in row)
        assert "张**" in cells and "张测试" not in cells and "13912345678" not in cells

        sent = await bot.send(ADMIN, "/export 2026-03")  # an admin in a private chat
        (doc,) = [m for m in sent if m["method"] == "sendDocument"]
        assert doc["document"]["file_name"] == "ledger-2026-03.xlsx"
        book = load_workbook(io.BytesIO(server.file_content(doc["document"]["file_id"])))
        cells = " ".join(str(v) for row in book.active.iter_rows(values_only=True) for v in row)
        assert "张测试" in cells and "13912345678" in cells
        assert "could not read" in texts_of(await bot.send(ADMIN, "/export March"))
    async with db.session() as s:
        logged = (
            (await s.execute(select(AccessLog).where(AccessLog.action == "export_ledger")))
            .scalars()
            .all()
        )
    assert len(logged) == 7 and {a.actor for a in logged} == {f"telegram:{ADMIN}"}


async def test_cli(db: Database, settings: Settings, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    await seed(db)
    parser = argparse.ArgumentParser()
    cli_reports.add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["stats", "--month", "2026-03", "--json"])
    assert await asyncio.to_thread(cli_reports.run, args, settings) == 0
    data = json.loads(capsys.readouterr().out)
    check_figures(data)
    assert len(data["trend"]) == 12 and data["trend"][-1] == {
        "month": "2026-03",
        "received": 7,
        "agreements": 1,
    }
    out = tmp_path / "ledger.csv"
    args = parser.parse_args(["export", "--month", "2026-03", "--out", str(out), "--csv"])
    assert await asyncio.to_thread(cli_reports.run, args, settings) == 0
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 8
    with pytest.raises(SystemExit):
        parser.parse_args(["stats", "--month", "2026-3x"])
