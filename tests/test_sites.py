"""Issue 21: one district center, many stations.

A filing goes to the station serving the street where the work is done, its notice to that
station's group and to the center's; a station's staff see and act on their own cases only;
`/transfer` moves a case and tells both groups and the parties who handles it now. Driven
through the real Telegram Application against the fake Bot API, and the site configuration
through bot/config.py.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import ConfigError, Settings, load_settings
from settings import SiteSettings
from storage.db import Database
from storage.models import AccessLog, Case, CaseEvent, Site, Staff
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, running_bot, texts
from tests.harness import in_group as center_group
from tests.test_console import console_config, employer_files, run_console
from tests.test_intake_e2e import PHONE, WORKER, file_case

ADMIN = 9100  # district admin (from the configuration)
JIEDAO_HEAD = 9400  # admin of the 示例街道 station
HEXI_HEAD = 9500  # admin of the 河西镇 station
JIEDAO_GROUP = -100400
HEXI_GROUP = -100500


def network(settings: Settings) -> Settings:
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.default_locale = "en"  # the groups read English in these tests
    settings.sites = [
        SiteSettings(
            id="jiedao",
            name="示例街道调解站",
            name_en="Shili Street Station",
            kind="station",
            streets=["示例街道", "新城街道"],
            telegram_chat_id=JIEDAO_GROUP,
            address="示例街道人民路8号",
            hours="工作日 8:30-17:30",
        ),
        SiteSettings(
            id="hexi",
            name="河西镇调解站",
            name_en="Hexi Town Station",
            kind="station",
            streets=["河西镇"],
            telegram_chat_id=HEXI_GROUP,
            address="河西镇便民服务中心2楼",
            hours="工作日 9:00-17:00",
        ),
    ]
    return settings


async def in_group(bot: object, user: int, chat: int, text: str) -> str:
    return texts(await bot.send(user, text, chat_id=chat, chat_type="supergroup"))  # type: ignore[attr-defined]


async def test_a_filing_goes_to_its_street_station_and_stations_see_their_own_cases(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(network(settings), server) as bot:
        for member in (ADMIN, JIEDAO_HEAD, HEXI_HEAD):
            await bot.send(member, "/lang en")
        number = await file_case(bot, server)  # the work is done in 示例街道
        await bot.deliver_outbox()
        # the station's group and the center's group get the notice; the other station not
        for chat in (JIEDAO_GROUP, STAFF_GROUP):
            notice = texts(server.sent_messages(chat))
            assert number in notice and "Site: Shili Street Station" in notice
            assert PHONE not in notice and "139****5678" in notice  # masked in every group
        assert number not in texts(server.sent_messages(HEXI_GROUP))

        # the district admin gives each station its head
        for member, site in ((JIEDAO_HEAD, "jiedao"), (HEXI_HEAD, "hexi")):
            await center_group(bot, ADMIN, f"/staff add telegram:{member} admin 站长{site}")
            set_site = await center_group(bot, ADMIN, f"/staff site telegram:{member} {site}")
            assert "now works for" in set_site

        # the other station's head: refused, privately and in their group, and logged
        refused = texts(await bot.send(HEXI_HEAD, f"/case {number}"))
        assert "handled by Shili Street Station" in refused and "Hexi Town Station only" in refused
        assert PHONE not in refused and "张测试" not in refused
        assert "张测试" not in await in_group(bot, HEXI_HEAD, HEXI_GROUP, f"/accept {number}")
        assert number not in await in_group(bot, HEXI_HEAD, HEXI_GROUP, "/queue")
        assert number not in texts(await bot.send(HEXI_HEAD, "/find 张测试"))
        # …and a station's staff cannot work in another station's group or the center's
        elsewhere = await in_group(bot, HEXI_HEAD, JIEDAO_GROUP, "/queue")
        assert "work in its own group" in elsewhere
        # the ledger reaches beyond one site
        assert "district center's staff" in texts(await bot.send(HEXI_HEAD, "/export"))
        for command in ("/risk", "/subsidy", "/assessment", "/publish 1", "/broadcast list"):
            assert "district center's staff" in texts(await bot.send(HEXI_HEAD, command)), command

        # its own station sees and acts on it, in its group
        assert number in await in_group(bot, JIEDAO_HEAD, JIEDAO_GROUP, "/queue")
        accepted = await in_group(bot, JIEDAO_HEAD, JIEDAO_GROUP, f"/accept {number}")
        assert f"Case {number} accepted" in accepted
        # the district sees every site
        assert number in await center_group(bot, ADMIN, "/queue")

        # the station moves it to 河西镇: both groups told, the worker told who handles it now
        await bot.deliver_outbox()
        worker_seen = len(server.sent_messages(WORKER))
        hexi_seen = len(server.sent_messages(HEXI_GROUP))
        moved = await in_group(
            bot, JIEDAO_HEAD, JIEDAO_GROUP, f"/transfer {number} hexi 工作地点实际在河西镇"
        )
        assert "now handled by Hexi Town Station" in moved
        await bot.deliver_outbox()
        for chat in (JIEDAO_GROUP, HEXI_GROUP, STAFF_GROUP):
            told = texts(server.sent_messages(chat)[-1:])
            assert f"Case {number} moved from Shili Street Station to Hexi Town Station" in told
            assert "工作地点实际在河西镇" in told
        assert len(server.sent_messages(HEXI_GROUP)) == hexi_seen + 1  # once
        to_worker = texts(server.sent_messages(WORKER)[worker_seen:])
        assert "Hexi Town Station" in to_worker
        assert "河西镇便民服务中心2楼" in to_worker and "9:00-17:00" in to_worker
        # now the first station is refused and the second one sees it
        assert "handled by Hexi Town Station" in texts(
            await bot.send(JIEDAO_HEAD, f"/case {number}")
        )
        assert number in await in_group(bot, HEXI_HEAD, HEXI_GROUP, f"/case {number}")
        bad = await in_group(bot, HEXI_HEAD, HEXI_GROUP, f"/transfer {number} nowhere 试试")
        assert "No site nowhere" in bad and "jiedao" in bad
        sites = await center_group(bot, ADMIN, "/sites")
        assert "hexi · Hexi Town Station" in sites and "jiedao" in sites
        # the center takes it, then hands it back to a station: its own decision, so the
        # case is never escalated back to it by itself
        async with bot.app.db.session() as s:
            before = (await s.execute(select(Case))).scalar_one()
            assert before.escalated_at is None  # a station's move is not the center's decision
        assert "now handled by" in await center_group(bot, ADMIN, f"/transfer {number} center 集中")
        assert "Shili Street" in await center_group(bot, ADMIN, f"/transfer {number} jiedao 退回")

    db = Database(settings.database.url)
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
        events = [e.action for e in (await s.execute(select(CaseEvent))).scalars()]
        refusals = (
            (await s.execute(select(AccessLog).where(AccessLog.action == "refused")))
            .scalars()
            .all()
        )
        heads = {
            r.member: r.site
            for r in (await s.execute(select(Staff).where(Staff.role == "admin"))).scalars()
        }
        synced = {r.id: r.kind for r in (await s.execute(select(Site))).scalars()}
    await db.dispose()
    assert case.site == "jiedao" and events.count("transferred") == 3
    assert case.escalated_at is not None
    out_of_site = [r for r in refusals if r.case_id == case.id]
    assert {r.actor for r in out_of_site} == {f"telegram:{HEXI_HEAD}", f"telegram:{JIEDAO_HEAD}"}
    assert any("(site hexi)" in r.detail for r in refusals)  # the group and the ledger
    assert heads[f"telegram:{HEXI_HEAD}"] == "hexi" and heads[f"telegram:{ADMIN}"] is None
    assert synced == {"center": "center", "jiedao": "station", "hexi": "station"}


async def test_a_single_site_install_has_no_site_line_and_files_into_the_center(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.center.default_locale = "en"
    async with running_bot(settings, server) as bot:
        number = await file_case(bot, server)
        await bot.deliver_outbox()
        assert number in texts(server.sent_messages(STAFF_GROUP))
        assert "Site:" not in texts(server.sent_messages(STAFF_GROUP))
    db = Database(settings.database.url)
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
    await db.dispose()
    assert case.site == "center"


# --- configuration -----------------------------------------------------------------------
def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    center = '[center]\nstreets = ["示例街道", "河西镇"]\n'
    top_level = body.startswith("sites =")  # a plain key must come before any table
    path.write_text(body + center if top_level else center + body, encoding="utf-8")
    return path


def test_sites_load_from_the_file(tmp_path: Path) -> None:
    s = load_settings(
        write(
            tmp_path,
            '[[sites]]\nid = "hexi"\nname = "河西镇调解站"\nkind = "station"\n'
            'streets = ["河西镇"]\ntelegram_chat_id = -100500\n'
            '[[sites]]\nid = "build"\nname = "建筑业调解工作室"\nkind = "trade"\n'
            'industries = ["建筑"]\n',
        ),
        env={},
    )
    assert [site.id for site in s.all_sites()] == ["center", "hexi", "build"]
    assert s.site("hexi").streets == ["河西镇"]  # type: ignore[union-attr]
    assert load_settings(write(tmp_path, ""), env={}).all_sites()[0].id == "center"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[[sites]]\nid = "a"\nname = "甲"\nkind = "station"\nstreets = ["东城"]\n',
            "sites[0].streets",
        ),
        ('[[sites]]\nid = "a"\nname = "甲"\nkind = "kiosk"\n', "sites[0].kind"),
        (
            '[[sites]]\nid = "a"\nname = "甲"\nkind = "station"\n'
            '[[sites]]\nid = "a"\nname = "乙"\nkind = "station"\n',
            "sites[1].id",
        ),
        ('[[sites]]\nid = "a b"\nname = "甲"\nkind = "station"\n', "sites[0].id"),
        ('[[sites]]\nname = "甲"\nkind = "station"\n', "sites[0].id: required"),
        ('[[sites]]\nid = "a"\nkind = "station"\n', "sites[0].name"),
        ('[[sites]]\nid = "a"\nname = "甲"\nkind = "station"\ncolour = 1\n', "sites[0].colour"),
        (
            '[[sites]]\nid = "a"\nname = "甲"\nkind = "station"\nindustries = ["建筑"]\n',
            "industries",
        ),
        ('sites = "hexi"\n', "sites: expected [[sites]]"),
    ],
)
def test_a_wrong_site_names_the_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(write(tmp_path, body), env={})


# --- the console: a trade body by the employer's name, a station by its QR code ------------
CONSOLE_SITES = """
[[sites]]
id = "canyin"
name = "餐饮行业调解工作室"
kind = "trade"
industries = ["餐饮"]
[[sites]]
id = "jiedao"
name = "示例街道调解站"
kind = "station"
streets = ["示例街道"]
[[sites]]
id = "hexi"
name = "河西镇调解站"
kind = "station"
streets = ["河西镇"]
"""


def test_on_the_console_a_trade_body_and_a_qr_code_choose_the_site(tmp_path: Path) -> None:
    config = console_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8") + CONSOLE_SITES, encoding="utf-8")
    # 示例餐饮有限公司, work in 示例街道: the catering trade body takes it before the street
    out = run_console(tmp_path, employer_files())
    notice = out[out.index("📋") :]
    assert "办理站点：餐饮行业调解工作室" in notice
    # the same filing after scanning the 河西镇 station's QR code (/start hexi) goes there
    out = run_console(tmp_path, ["/start hexi", *employer_files()])
    assert "办理站点：河西镇调解站" in out[out.index("📋") :]
    conn = sqlite3.connect(tmp_path / "console.db")
    rows = conn.execute("SELECT entry_source, site FROM cases ORDER BY id").fetchall()
    conn.close()
    assert rows == [(None, "canyin"), ("hexi", "hexi")]
