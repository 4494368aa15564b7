"""A non-labour question on WeChat and WeCom: referred to where it belongs, never answered
with labour law. Real signed, encrypted XML posted to the real aiohttp server; the answer
read from the passive reply as WeChat's servers would read it.

(Telegram and the console: tests/test_referrals.py.)
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import Settings
from handlers.conversation.i18n import Translator
from knowledge.referrals import load_routes
from storage.db import Database
from storage.models import Conversation, FaqMiss
from tests.fakes.wechat_api import FakeWeChatApi
from tests.fakes.wecom_api import FakeWeComApi
from tests.test_wecom import ADMIN, number_of, running, text_xml, wecom_settings
from tests.test_wecom import api as wecom_api  # noqa: F401 (a fixture)
from tests.wechat_harness import WeChatUser, running_wechat_bot, wechat_settings

ZH = Translator("zh_CN", ZoneInfo("Asia/Shanghai"))
NOT_LABOUR = ZH(
    "This does not look like a labour or personnel dispute, so it is not something "
    "the center handles. Here is where to go:"
)
TENANCY = load_routes()["tenancy"]
QUESTION = "房东说我弄脏了墙，租房押金两千块一分都不退，我该去哪里说理"


@pytest.fixture
async def api() -> FakeWeChatApi:
    async with FakeWeChatApi() as fake:
        yield fake


async def misses(url: str) -> list[tuple[str, str | None]]:
    db = Database(url)
    async with db.session() as s:
        rows = (await s.execute(select(FaqMiss.question, FaqMiss.best_id))).all()
    await db.dispose()
    return [(q, b) for q, b in rows]


async def conversations(url: str) -> int:
    db = Database(url)
    async with db.session() as s:
        n = len((await s.execute(select(Conversation.id))).all())
    await db.dispose()
    return n


async def test_wechat_tenancy_question_is_referred_with_where_to_go_and_the_source(
    settings: Settings, api: FakeWeChatApi
) -> None:
    async with running_wechat_bot(wechat_settings(settings, api), api) as (_app, side):
        user = WeChatUser(side, "o_tenant_1")
        reply = await user.send(QUESTION)
        # where to go instead, who handles it, and the law it rests on
        assert NOT_LABOUR in reply
        assert TENANCY.text("title", "zh_CN") in reply
        assert TENANCY.text("where", "zh_CN") in reply
        assert "人民调解委员会" in reply and "12345" in reply
        assert ZH("Legal basis: {citations}", citations=TENANCY.text("basis", "zh_CN")) in reply
        assert "📖" not in reply  # no labour entry was given as the answer
        # the one button, as WeChat shows it: a numbered choice that leads to a person
        person = await user.choose(ZH("Talk to a person"))
        assert (
            ZH(
                "Write your message for the center's staff. They answer here, usually within "
                "office hours. Press End when you are done."
            )
            in person
        )
    # staff see it under the referred questions (/faq misses), with the route
    assert await misses(settings.database.url) == [(QUESTION, "route:tenancy")]


async def test_wechat_labour_twin_is_still_answered_as_labour(
    settings: Settings, api: FakeWeChatApi
) -> None:
    async with running_wechat_bot(wechat_settings(settings, api), api) as (_app, side):
        reply = await WeChatUser(side, "o_worker_1").send("入职的时候公司让我交两千块押金，合法吗")
        assert NOT_LABOUR not in reply
        assert reply.startswith("📖")
    assert await misses(settings.database.url) == []
    assert await conversations(settings.database.url) == 0  # an answer writes no conversation


async def test_wecom_question_in_the_app_chat_is_referred_too(
    settings: Settings,
    wecom_api: FakeWeComApi,  # noqa: F811
) -> None:
    """WeCom is the staff channel (only members of the center's organisation can use the
    app), so parties never ask there; a staff member who types such a question gets the
    same referral as a party would, as the app chat's passive text."""
    async with running(wecom_settings(settings, wecom_api)) as (_app, side):
        reply = await side.send(text_xml(ADMIN, QUESTION))
        assert NOT_LABOUR in reply
        assert TENANCY.text("where", "zh_CN") in reply
        assert ZH("Legal basis: {citations}", citations=TENANCY.text("basis", "zh_CN")) in reply
        assert number_of(ZH("Talk to a person"), reply)
    assert await misses(settings.database.url) == [(QUESTION, "route:tenancy")]
