"""Figures per site (issue 21): the by_site breakdown on a hand-built month, the ranking of the
sites against the agreement target, the ledger's site column, `stats --json`, /stats SITE, and
a single-site install that reads exactly as before.

March 2026 in Asia/Shanghai; every figure below is counted by hand from the cases in `seed`.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.cli import reports as cli_reports
from bot.config import Settings
from handlers.app import Core
from handlers.conversation.i18n import Translator
from handlers.office.ledger import build_ledger
from handlers.office.site_figures import rank_sites
from handlers.office.stats import month_figures
from handlers.staff.reports import figures_text, monthly_report
from settings import SiteSettings
from storage.db import Database
from storage.models import Case, CaseEvent, FollowUp, Person
from tests import test_stats
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, running_bot

SH = ZoneInfo("Asia/Shanghai")
MARCH = date(2026, 3, 1)
AFTER_MARCH = datetime(2026, 4, 2, 10, 0, tzinfo=SH)
PNG = b"\x89PNG\r\n\x1a\n"
ADMIN = 9100


def local(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SH)


def with_sites(settings: Settings) -> Settings:
    settings.sites = [
        SiteSettings(id="center"),
        SiteSettings(
            id="xincheng", name="新城街道工作站", name_en="Xincheng Street Station", kind="station"
        ),
        SiteSettings(id="hexi", name="河西镇工作站", name_en="Hexi Town Station", kind="station"),
        SiteSettings(id="park", name="工业园区调解室", name_en="Industrial Park", kind="park"),
    ]
    return settings


async def seed(db: Database) -> None:
    """Eight cases at four sites (one, "gone", no longer configured)."""
    async with db.session() as s:
        worker, boss = Person(display_name="张测试"), Person(display_name="示例")
        s.add_all([worker, boss])
        await s.flush()
        n = 0

        def case(site: str, submitted: datetime, states: list[tuple[datetime, str]], **kw) -> Case:  # type: ignore[no-untyped-def]
            nonlocal n
            n += 1
            row = Case(
                number=f"LJ-2026-{n:06d}",
                submitted_at=submitted,
                site=site,
                applicant_name="张测试",
                applicant_phone="13912345678",
                respondent_name="示例制造有限公司",
                categories=["pay"],
                source_channel="telegram",
                applicant_person_id=worker.id,
                state=states[-1][1] if states else "submitted",
                **kw,
            )
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

        a = case("xincheng", local(3, 2), [(local(3, 6), "agreement")], due_at=local(3, 20))
        case("xincheng", local(3, 3), [(local(3, 13), "agreement")], due_at=local(3, 10))  # late
        case("xincheng", local(3, 5), [(local(3, 8), "failed")])  # no period: not timed
        case("xincheng", local(3, 20), [(local(3, 21), "accepted")])
        e = case("hexi", local(2, 20), [(local(3, 1), "agreement")], due_at=local(3, 5))
        f = case("hexi", local(3, 10), [(local(3, 12), "withdrawn")], due_at=local(3, 25))
        case("center", local(3, 15), [(local(3, 16), "agreement")], due_at=local(3, 30))
        case("gone", local(3, 25), [])
        await s.flush()
        for c, person, answer, at in (
            (a, worker, "5", local(3, 7)),
            (a, boss, "4", local(3, 8)),
            (e, worker, "2", local(4, 1, 10)),  # April: not March's
            (f, worker, "3", local(3, 20)),
        ):
            s.add(
                FollowUp(
                    case_id=c.id,
                    person_id=person.id,
                    kind="satisfaction",
                    status="answered",
                    due_at=local(3, 1),
                    answer=answer,
                    answered_at=at,
                )
            )


BY_SITE = {
    "xincheng": {
        "received": 4,
        "concluded": 3,
        "agreements": 2,
        "agreement_rate": 2 / 3,
        "on_time_rate": 0.5,  # of the two with a period, one concluded by it
        "median_days": 4.0,  # 4, 10 and 3 days
        "satisfaction": 4.5,
    },
    "hexi": {
        "received": 1,
        "concluded": 2,  # one received in February
        "agreements": 1,
        "agreement_rate": 0.5,
        "on_time_rate": 1.0,
        "median_days": 5.5,  # 9 and 2 days
        "satisfaction": 3.0,
    },
    "center": {
        "received": 1,
        "concluded": 1,
        "agreements": 1,
        "agreement_rate": 1.0,
        "on_time_rate": 1.0,
        "median_days": 1.0,
        "satisfaction": None,
    },
    "gone": {
        "received": 1,
        "concluded": 0,
        "agreements": 0,
        "agreement_rate": None,
        "on_time_rate": None,
        "median_days": None,
        "satisfaction": None,
    },
}


async def test_figures_per_site_on_a_hand_built_month(db: Database) -> None:
    await seed(db)
    async with db.session() as s:
        fig = await month_figures(s, MARCH, SH, now=AFTER_MARCH)
        one = await month_figures(s, MARCH, SH, now=AFTER_MARCH, site="xincheng")
    data = fig.to_json()
    assert data["by_site"] == BY_SITE  # "park" had nothing: not in the breakdown
    assert (fig.received, fig.concluded, fig.agreements) == (7, 6, 4)
    assert sum(v["received"] for v in BY_SITE.values()) == fig.received
    # one site's own figures are that site's share, and nothing of the others'
    assert (one.received, one.concluded, one.agreements) == (4, 3, 2)
    assert one.satisfaction_count == 2 and one.satisfaction_mean == 4.5
    assert one.to_json()["by_site"] == {"xincheng": BY_SITE["xincheng"]}


async def test_sites_ranked_against_the_target(db: Database, settings: Settings) -> None:
    await seed(db)
    with_sites(settings)
    async with db.session() as s:
        fig = await month_figures(s, MARCH, SH, now=AFTER_MARCH)
    ranks = rank_sites(settings, fig, "en")
    assert [r.site for r in ranks[:3]] == ["center", "xincheng", "hexi"]
    assert [r.meets for r in ranks] == [True, True, False, None, None]
    assert {r.site for r in ranks[3:]} == {"gone", "park"}  # nothing concluded: last
    settings.center.site_agreement_target = 0.7  # two thirds no longer reach it
    assert [r.meets for r in rank_sites(settings, fig, "en")][:3] == [True, False, False]

    settings.center.site_agreement_target = 0.6
    settings.center.default_locale = "en"
    core = Core(settings, db)
    async with db.session() as s:
        replies = await monthly_report(core, s, AFTER_MARCH)
    assert replies is not None
    text, chart, site_chart = replies
    lines = text.text.splitlines()
    head = lines.index(
        "Sites, by agreement rate (target: 60.0% of concluded cases settled by agreement):"
    )
    assert lines[head + 1].startswith("1. Labour and Personnel Dispute Mediation Center:")
    assert lines[head + 2] == (
        "2. Xincheng Street Station: received 4 · concluded 3 · agreements 2 (66.7%, target "
        "met) · on time 50.0% · median days 4 · satisfaction 4.5"
    )
    assert lines[head + 3].startswith("3. Hexi Town Station:") and "below target" in lines[head + 3]
    assert "gone: received 1 · concluded 0" in text.text  # unconfigured: shown by its id
    assert "Industrial Park: received 0" in text.text
    assert "Below the target: Hexi Town Station" in lines  # then the risk summary
    for reply in (chart, site_chart):
        assert reply.image is not None and Path(reply.image).read_bytes().startswith(PNG)
    assert Path(site_chart.image or "").name.startswith("monthly-2026-03-sites.")

    settings.center.default_locale = "zh_CN"
    async with db.session() as s:
        replies = await monthly_report(core, s, AFTER_MARCH)
    assert replies is not None
    assert "2. 新城街道工作站：" in replies[0].text and "低于目标" in replies[0].text


async def test_ledger_site_column(db: Database, settings: Settings) -> None:
    await seed(db)
    with_sites(settings)
    t = Translator("en", SH)
    async with db.session() as s:
        ledger = await build_ledger(
            s, t, SH, month=MARCH, masked=True, sites={"xincheng": "Xincheng Street Station"}
        )
        plain = await build_ledger(s, t, SH, month=MARCH, masked=True)
    assert ledger.headers[:3] == ["Case number", "Date received", "Site"]
    sites = [row[2] for row in ledger.rows]
    assert sites.count("Xincheng Street Station") == 4 and "gone" in sites and "hexi" in sites
    assert "Site" not in plain.headers and len(plain.headers) == len(ledger.headers) - 1


async def test_cli_json_by_site(db: Database, settings: Settings, capsys) -> None:  # type: ignore[no-untyped-def]
    await seed(db)
    with_sites(settings)
    parser = argparse.ArgumentParser()
    cli_reports.add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["stats", "--month", "2026-03", "--json"])
    assert await asyncio.to_thread(cli_reports.run, args, settings) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["by_site"] == BY_SITE and data["site"] is None
    args = parser.parse_args(["stats", "--month", "2026-03", "--json", "--site", "hexi"])
    assert await asyncio.to_thread(cli_reports.run, args, settings) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["site"] == "hexi" and data["received"] == 1 and data["concluded"] == 2
    assert list(data["by_site"]) == ["hexi"]


async def test_stats_of_a_site_from_telegram(
    db: Database, settings: Settings, server: FakeTelegramServer
) -> None:
    await seed(db)
    with_sites(settings)
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.default_locale = "en"
    async with running_bot(settings, server, clock=lambda: AFTER_MARCH.astimezone(UTC)) as bot:
        await bot.send(ADMIN, "/lang en")

        async def group(text: str) -> list[dict]:  # type: ignore[type-arg]
            return await bot.send(ADMIN, text, chat_id=STAFF_GROUP, chat_type="supergroup")

        sent = await group("/stats xincheng 2026-03")
        text = test_stats.texts_of(sent)
        assert "Figures for Mar 2026 · Xincheng Street Station" in text
        assert "Cases received: 4 (collective: 0)" in text and "Sites, by" not in text
        assert len([m for m in sent if m["method"] == "sendPhoto"]) == 1

        sent = await group("/stats")  # the district: the ranking and its chart as well
        text = test_stats.texts_of(sent)
        assert "Cases received: 7" in text and "2. Xincheng Street Station" in text
        assert len([m for m in sent if m["method"] == "sendPhoto"]) == 2

        text = test_stats.texts_of(await group("/stats nowhere"))
        assert "There is no site “nowhere”" in text and "xincheng (Xincheng Street Station)" in text
        assert "like 2026-03" in test_stats.texts_of(await group("/stats 2026-13"))

        sent = await group("/export 2026-03")
        (doc,) = [m for m in sent if m["method"] == "sendDocument"]
        book = load_workbook(io.BytesIO(server.file_content(doc["document"]["file_id"])))
        rows = list(book.active.iter_rows(values_only=True))
        assert rows[0][2] == "Site" and rows[1][2] == "Xincheng Street Station"


async def test_single_site_install_reads_as_before(db: Database, settings: Settings) -> None:
    """No [[sites]]: no per-site lines, no sites' chart, no site column."""
    await test_stats.seed(db)
    settings.center.default_locale = "en"
    async with db.session() as s:
        fig = await month_figures(s, MARCH, SH, now=AFTER_MARCH)
        ledger = await build_ledger(s, Translator("en", SH), SH, month=MARCH)
        replies = await monthly_report(Core(settings, db), s, AFTER_MARCH)
    t = Translator("en", SH)
    assert figures_text(t, fig, settings=settings) == figures_text(t, fig)
    assert "Site" not in ledger.headers
    assert replies is not None and len(replies) == 2
    assert "Sites, by" not in replies[0].text and "target" not in replies[0].text
    assert list(fig.by_site) == ["center"] and fig.by_site["center"].received == 7
    settings.sites = [SiteSettings(id="center")]  # the center configured alone: the same
    async with db.session() as s:
        assert len(await monthly_report(Core(settings, db), s, AFTER_MARCH) or []) == 2
