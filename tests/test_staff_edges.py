"""Issue 20, the last staff edges: the actor in history and `/audit` by name and role (not an
account id), and `/schedule` times the way staff write them (9:30, 9点半, 下午3点).

Through the real Telegram Application against the fake Bot API.
"""

from __future__ import annotations

from datetime import time

import pytest

from bot.config import Settings
from handlers.conversation.i18n import Translator
from handlers.staff.actors import actor_names
from handlers.staff.refs import parse_clock
from storage.db import Database
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import in_group, texts
from tests.staff_harness import ADMIN, MEDIATOR, case_filed
from tests.test_intake_e2e import WORKER


@pytest.mark.parametrize(
    ("typed", "clock", "place"),
    [
        ("9:30 调解室一", time(9, 30), "调解室一"),
        ("09:30 调解室一", time(9, 30), "调解室一"),
        ("9：30 调解室一", time(9, 30), "调解室一"),  # full-width colon
        ("9点半 调解室一", time(9, 30), "调解室一"),
        ("9点半调解室一", time(9, 30), "调解室一"),  # no space before the place
        ("9点15分 video", time(9, 15), "video"),
        ("9点钟 调解室一", time(9, 0), "调解室一"),
        ("下午3点 调解室一", time(15, 0), "调解室一"),
        ("下午 3点半 调解室一", time(15, 30), "调解室一"),
        ("晚上7点 video", time(19, 0), "video"),
        ("中午12点 调解室一", time(12, 0), "调解室一"),
        ("15点 调解室一", time(15, 0), "调解室一"),
        ("14时30分 调解室一", time(14, 30), "调解室一"),
        ("上午十点 调解室一", time(10, 0), "调解室一"),
        ("三点一刻 调解室一", time(3, 15), "调解室一"),
        ("3pm room 2", time(15, 0), "room 2"),
        ("3:30 p.m. room 2", time(15, 30), "room 2"),
        ("10:00 amphitheatre", time(10, 0), "amphitheatre"),  # "am" of a word is not a.m.
    ],
)
def test_times_as_staff_write_them(typed: str, clock: time, place: str) -> None:
    assert parse_clock(typed) == (clock, place)


@pytest.mark.parametrize(
    "typed",
    [
        "15 调解室一",
        "25:00 调解室一",
        "9:75 调解室一",
        "9:305 调解室一",
        "下午15点 调解室一",
        "晚上12点 调解室一",
        "明天 调解室一",
        "13pm 调解室一",
        "九点多 调解室一",
        "9点左右 调解室一",
    ],
)
def test_what_is_not_a_time(typed: str) -> None:
    assert parse_clock(typed) is None


async def test_schedule_reads_9_30_and_names_the_forms_it_reads(
    settings: Settings, server: FakeTelegramServer
) -> None:
    # the work group reads Chinese
    async with case_filed(settings, server, english=(), locale=None) as (bot, number):
        await in_group(bot, ADMIN, f"/accept {number}")
        await in_group(bot, ADMIN, f"/assign {number} union")
        bad = await in_group(bot, ADMIN, f"/schedule {number} 2099-01-05 九点多 调解室一")
        assert "无法识别时间“九点多”" in bad
        assert "14:30、9:30、9点半、下午3点 或 15点" in bad
        bad = await in_group(bot, ADMIN, f"/schedule {number} 2099-02-30 9:30 调解室一")
        assert "没有 2099-02-30 这一天" in bad
        bad = await in_group(bot, ADMIN, f"/schedule {number} 明年 9:30 调解室一")
        assert "无法识别日期“明年”" in bad and "2026-11-25" in bad
        done = await in_group(bot, ADMIN, f"/schedule {number} 2099-01-05 9:30 调解室一")
        assert "2099年1月5日 09:30" in done, done
        done = await in_group(bot, ADMIN, f"/schedule {number} 2099年1月6日 下午3点半 调解室二")
        assert "2099年1月6日 15:30" in done, done
        await bot.deliver_outbox()
        told = texts(server.sent_messages(WORKER)[-1:])
        assert "January 6, 2099 3:30\u202fPM, 调解室二" in told  # the worker (English) hears it


async def test_history_and_audit_name_the_staff_member_and_the_party(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with case_filed(settings, server) as (bot, number):
        await in_group(bot, ADMIN, f"/accept {number}")
        await in_group(bot, ADMIN, f"/mediators add telegram:{MEDIATOR} 王调解")
        await in_group(bot, ADMIN, f"/assign {number} 王调解")
        await in_group(bot, MEDIATOR, f"/note {number} 已电话联系申请人")
        history = await in_group(bot, ADMIN, f"/case {number}")
        assert "· the applicant · application filed" in history, history
        assert "· 王调解 (mediator) · note · 已电话联系申请人" in history
        assert f"telegram:{MEDIATOR}" not in history and f"telegram:{WORKER}" not in history
        # the admin came from the config without a name: the id, masked in the group
        assert "· telegram:91** (admin) · received, waiting for review → accepted" in history
        private = texts(await bot.send(ADMIN, f"/case {number}"))
        assert f"· telegram:{ADMIN} (admin) · received" in private  # in full, privately
        audit = texts(await bot.send(ADMIN, f"/audit {number}"))
        assert f"telegram:{ADMIN} (admin) · viewed the case" in audit
        await bot.send(MEDIATOR, "/lang zh_CN")
        await bot.send(MEDIATOR, f"/case {number}")
        audit = texts(await bot.send(ADMIN, f"/audit {number}"))
        assert "王调解 (mediator) · viewed the case" in audit
        await bot.send(ADMIN, f"/staff add telegram:{ADMIN} admin 张主任")  # a name, at last
        history = await in_group(bot, ADMIN, f"/case {number}")
        assert "· 张主任 (admin) · received, waiting for review → accepted" in history


async def test_actors_nobody_registered_in_words(settings: Settings, db: Database) -> None:
    """The system, a party anonymized by retention, an account nobody named: the last only
    as its id, masked for a group."""
    t = Translator("zh_CN", settings.tz)
    async with db.session() as s:
        group = await actor_names(s, t, ["system", "party", "telegram:5551234"], private=False)
        private = await actor_names(s, t, ["telegram:5551234"], private=True)
    assert group == {"system": "系统", "party": "当事人", "telegram:5551234": "telegram:55*****"}
    assert private["telegram:5551234"] == "telegram:5551234"
