"""Staff on WeCom (企业微信): the app's callback on a real port, the fake WeCom API behind it.

Messages are signed and encrypted exactly as WeCom's servers do it (wechatpy's WeChatCrypto
with WeChat's public sample token and key); replies come back passively or through
message/send, work-group notices through the group robot.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import xmltodict
from sqlalchemy import func, select
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.app import BotApp
from bot.channels.wecom import GROUP, WeComChannel
from bot.channels.wecom_api import WeComError
from bot.config import Settings
from handlers.app import Core
from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Inbound, Reply
from storage import outbox
from storage.db import Database
from storage.models import Case, InboundUpdate, OutboxMessage
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.wecom_api import FakeWeComApi
from tests.harness import TelegramBot
from tests.local import free_port
from tests.test_intake_e2e import ID_NUMBER, PHONE, file_case

SAMPLE = json.loads((Path(__file__).parent / "data" / "wechat_sample.json").read_text())
ADMIN = "zhangsan"
OUTSIDER = "lisi"
ZH = Translator("zh_CN", ZoneInfo("Asia/Shanghai"))
_ids = itertools.count(7_100_000_000_000_000_001)


def wecom_settings(settings: Settings, api: FakeWeComApi) -> Settings:
    c = settings.wecom
    c.corp_id, c.agent_id, c.secret = api.corp_id, api.agent_id, api.secret
    c.token, c.encoding_aes_key = SAMPLE["token"], SAMPLE["encoding_aes_key"]
    c.api_base_url = api.base_url
    c.robot_webhook_url = api.robot_url
    c.port = free_port()
    settings.staff.admins = [f"wecom:{ADMIN}"]
    settings.outbox.poll_seconds = 0.2
    return settings


def message_xml(user: str, kind: str, inner: str, msg_id: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{SAMPLE['app_id']}]]></ToUserName>"
        f"<FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
        f"{inner}<MsgId>{msg_id or next(_ids)}</MsgId><AgentID>1000002</AgentID></xml>"
    )


def text_xml(user: str, text: str, msg_id: int | None = None) -> str:
    return message_xml(user, "text", f"<Content><![CDATA[{text}]]></Content>", msg_id)


def event_xml(user: str, event: str, key: str = "") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{SAMPLE['app_id']}]]></ToUserName>"
        f"<FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey>"
        "<AgentID>1000002</AgentID></xml>"
    )


class WeComSide:
    """Plays WeCom's servers: encrypts and signs calls to the bot, decrypts its answers."""

    def __init__(self, url: str, crypto: WeChatCrypto) -> None:
        self.url = url
        self.crypto = crypto
        self.http = aiohttp.ClientSession()

    def signed(self, xml: str) -> tuple[dict[str, str], str]:
        timestamp, nonce = str(int(time.time())), str(next(_ids) % 10**9)
        envelope = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, timestamp))["xml"]
        body = (
            f"<xml><ToUserName><![CDATA[{SAMPLE['app_id']}]]></ToUserName>"
            f"<AgentID><![CDATA[1000002]]></AgentID>"
            f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
        )
        query = {"msg_signature": envelope["MsgSignature"], "timestamp": timestamp, "nonce": nonce}
        return query, body

    async def post_raw(self, query: dict[str, str], body: str | bytes) -> tuple[int, str]:
        async with self.http.post(self.url, params=query, data=body) as resp:
            return resp.status, await resp.text()

    async def send(self, xml: str) -> str:
        """Post a message; the text of the passive reply ('' for an empty answer)."""
        status, answer = await self.post_raw(*self.signed(xml))
        assert status == 200, (status, answer)
        if not answer:
            return ""
        env = xmltodict.parse(answer)["xml"]
        plain = self.crypto.decrypt_message(
            answer, env["MsgSignature"], env["TimeStamp"], env["Nonce"]
        )
        return str(xmltodict.parse(plain)["xml"]["Content"])


def number_of(label: str, text: str) -> str:
    for line in text.splitlines():
        match = re.match(r"^(\d+)\. (.*)$", line)
        if match and match.group(2) == label:
            return match.group(1)
    raise AssertionError(f"no choice {label!r} in:\n{text}")


@pytest.fixture
async def api() -> AsyncIterator[FakeWeComApi]:
    async with FakeWeComApi(corp_id=SAMPLE["app_id"]) as fake:
        yield fake


@asynccontextmanager
async def running(
    settings: Settings, channels: tuple[str, ...] = ("wecom",)
) -> AsyncIterator[tuple[BotApp, WeComSide]]:
    app = BotApp(settings, list(channels))
    await app.start()
    c = settings.wecom
    crypto = WeChatCrypto(c.token, c.encoding_aes_key, c.corp_id)
    side = WeComSide(f"http://127.0.0.1:{c.port}{c.path}", crypto)
    try:
        yield app, side
    finally:
        await side.http.close()
        await app.stop()


def channel_of(app: BotApp) -> WeComChannel:
    return cast(WeComChannel, app.channels["wecom"])


def count_calls(channel: WeComChannel, delay: float = 0.0) -> list[Inbound]:
    """Record (and optionally slow down) every message the core is asked to handle."""
    seen: list[Inbound] = []
    original = channel.handler

    async def handler(inbound: Inbound) -> list[Reply]:
        seen.append(inbound)
        await asyncio.sleep(delay)
        return await original(inbound)

    channel.handler = handler
    return seen


async def updates_recorded(app: BotApp) -> int:
    async with app.db.session() as session:
        stmt = select(func.count()).select_from(InboundUpdate)
        return int((await session.execute(stmt)).scalar_one())


async def test_url_verification_with_the_public_sample(
    settings: Settings, api: FakeWeComApi, caplog: pytest.LogCaptureFixture
) -> None:
    sample = SAMPLE["verify_url"]
    query = {k: sample[k] for k in ("msg_signature", "timestamp", "nonce", "echostr")}
    async with running(wecom_settings(settings, api)) as (_app, side):
        async with side.http.get(side.url, params=query) as resp:
            assert resp.status == 200
            assert await resp.text() == sample["expect_plain"] == "5927782489442352469"
        with caplog.at_level(logging.WARNING):
            async with side.http.get(side.url, params={**query, "nonce": "437374424"}) as resp:
                assert resp.status == 403
        assert "wecom callback refused (403)" in caplog.text


async def test_staff_use_commands_in_the_app_chat_others_are_refused(
    settings: Settings, api: FakeWeComApi
) -> None:
    async with running(wecom_settings(settings, api)) as (app, side):
        assert await side.send(text_xml(ADMIN, "/queue")) == ZH("The queue is empty.")
        refused = await side.send(text_xml(OUTSIDER, "/queue"))
        assert refused == ZH("Only registered staff of the center can do that.")
        assert api.sent() == []  # both answered passively, within WeCom's 5 seconds
        assert await side.send(event_xml(ADMIN, "click", "/queue")) == ZH("The queue is empty.")
        assert await side.send(event_xml(ADMIN, "enter_agent")) == ""  # opening the app
    assert app.core.staff_target() == ("wecom", GROUP)


async def test_a_retried_message_is_handled_once(settings: Settings, api: FakeWeComApi) -> None:
    async with running(wecom_settings(settings, api)) as (app, side):
        seen = count_calls(channel_of(app))
        msg_id = next(_ids)
        command = "/mediators add wecom:wangwu 王调解"
        first = await side.send(text_xml(ADMIN, command, msg_id))
        again = await side.send(text_xml(ADMIN, command, msg_id))  # WeCom's retry
        assert first and again == first
        assert len(seen) == 1 and await updates_recorded(app) == 1
        # even when this instance no longer remembers it, the database does
        channel_of(app)._calls.clear()
        assert await side.send(text_xml(ADMIN, command, msg_id)) == ""
        mediators = await side.send(text_xml(ADMIN, "/mediators"))
        assert mediators.count("王调解") == 1


async def test_forged_oversized_and_doctype_calls_are_refused_and_not_handled(
    settings: Settings, api: FakeWeComApi, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(wecom_settings(settings, api)) as (app, side):
        seen = count_calls(channel_of(app))
        query, body = side.signed(text_xml(ADMIN, "/queue"))
        with caplog.at_level(logging.WARNING):
            forged = {**query, "msg_signature": "0" * 40}
            assert (await side.post_raw(forged, body))[0] == 403
            assert (await side.post_raw({"timestamp": "1", "nonce": "2"}, body))[0] == 403
            impostor = WeChatCrypto("not-the-token", SAMPLE["encoding_aes_key"], api.corp_id)
            impostor_side = WeComSide(side.url, impostor)
            try:
                signed = impostor_side.signed(text_xml(ADMIN, "/staff add wecom:evil admin"))
                assert (await side.post_raw(*signed))[0] == 403
            finally:
                await impostor_side.http.close()
        assert "message with a wrong signature" in caplog.text
        big = body.replace("<xml>", "<xml>" + " " * 70_000)
        assert (await side.post_raw(query, big))[0] == 413
        doctype = '<!DOCTYPE xml [<!ENTITY e "x">]>' + body
        assert (await side.post_raw(query, doctype))[0] == 400
        assert seen == [] and await updates_recorded(app) == 0


async def test_numbered_choices_press_the_buttons_of_the_last_reply(
    settings: Settings, api: FakeWeComApi
) -> None:
    async with running(wecom_settings(settings, api)) as (_app, side):
        menu = await side.send(text_xml(OUTSIDER, "/start"))
        assert f"1. {ZH('Can the center help me?')}" in menu
        assert menu.endswith(ZH("Reply with the number of your choice."))
        language = await side.send(text_xml(OUTSIDER, number_of(ZH("Language / 语言"), menu)))
        assert "2. English" in language
        english = await side.send(text_xml(OUTSIDER, "２"))  # a full-width digit works too
        assert "Language set to English." in english
        assert "1. Can the center help me?" in english
        question = await side.send(text_xml(OUTSIDER, "1"))
        assert "1. I am the worker (employee)" in question
        # a number that matches no choice is text: the question is asked again
        assert "1. I am the worker (employee)" in await side.send(text_xml(OUTSIDER, "9"))


async def test_a_slow_answer_arrives_through_message_send_exactly_once(
    settings: Settings, api: FakeWeComApi
) -> None:
    async with running(wecom_settings(settings, api)) as (app, side):
        channel = channel_of(app)
        channel.reply_budget = 0.3
        seen = count_calls(channel, delay=3.0)
        msg_id = next(_ids)
        started = time.monotonic()
        assert await side.send(text_xml(ADMIN, "/queue", msg_id)) == ""  # an empty 200
        # it did not wait for the answer (3 s); on a busy machine the budget of 0.3 s took up
        # to 1.25 s end to end, so the bound is set well below the answer, not near the budget
        assert time.monotonic() - started < 2.5
        assert await side.send(text_xml(ADMIN, "/queue", msg_id)) == ""  # WeCom retries
        await api.wait_for(lambda: api.sent(ADMIN))
        await asyncio.sleep(1.0)  # time for a second copy, if there were one
        assert api.texts(ADMIN) == [ZH("The queue is empty.")]
        assert len(seen) == 1 and api.token_fetches == 1
        async with app.db.session() as session:
            rows = (await session.execute(select(OutboxMessage))).scalars().all()
        assert [(r.chat_id, r.status, r.route) for r in rows] == [(ADMIN, "delivered", "app")]


async def test_app_messages_split_long_texts_renew_the_token_and_carry_files(
    settings: Settings, api: FakeWeComApi, tmp_path: Path
) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n fake chart")
    letter = tmp_path / "notice.pdf"
    letter.write_bytes(b"%PDF-1.4 notice")
    long_text = "\n".join(f"第{i}行：调解记录摘要，内容较长。" for i in range(200))
    async with running(wecom_settings(settings, api)) as (app, _side):
        channel = channel_of(app)
        await channel.deliver("wangwu", [Reply("你好")])
        api.valid_token = "voided-by-another-fetch"  # the token in use is rejected now
        await channel.deliver(
            "wangwu",
            [
                Reply(long_text),
                Reply("本月图表", image=str(chart)),
                Reply(document=str(letter), file_name="通知书.pdf"),
            ],
        )
    texts = api.texts("wangwu")
    assert texts[0] == "你好" and "\n".join(texts[1:-1]) == long_text
    assert all(len(t.encode()) <= 2048 for t in texts) and len(texts) > 3
    assert texts[-1] == "本月图表"
    assert [m["msgtype"] for m in api.sent("wangwu")][-2:] == ["image", "file"]
    assert sorted((kind, name) for kind, _, name in api.uploads.values()) == [
        ("file", "通知书.pdf"),
        ("image", "chart.png"),
    ]
    assert api.token_fetches == 2


async def test_images_sent_in_the_app_chat_are_fetched_with_media_get(
    settings: Settings, api: FakeWeComApi
) -> None:
    photo = b"\xff\xd8\xff fake pay slip"
    media_id = api.add_media(photo, "slip.jpg", "image/jpeg")
    async with running(wecom_settings(settings, api)) as (app, side):
        seen = count_calls(channel_of(app))
        inner = f"<PicUrl><![CDATA[http://127.0.0.1/x]]></PicUrl><MediaId>{media_id}</MediaId>"
        await side.send(message_xml(ADMIN, "image", inner))
        too_big = api.add_media(b"x" * 2048, "big.jpg", "image/jpeg")
        channel_of(app).max_bytes = 1024
        inner = f"<MediaId><![CDATA[{too_big}]]></MediaId>"
        await side.send(message_xml(ADMIN, "image", inner))
    (attachment,) = seen[0].attachments
    assert Path(attachment.path).read_bytes() == photo and attachment.kind == "photo"
    assert seen[1].attachments == () and seen[1].refused[0].reason == "too_large"


async def test_pushes_to_a_wecom_member_go_to_the_app_chat(
    settings: Settings, api: FakeWeComApi
) -> None:
    async with running(wecom_settings(settings, api)) as (app, _side):
        async with app.db.session() as session:
            pushed = await app.core.push_to_member(
                session, "wecom:wangwu", "test:push", [Reply("案件已指派给您。")]
            )
        assert pushed
        assert app.dispatcher is not None
        await app.dispatcher.run_once()
    assert api.texts("wangwu") == ["案件已指派给您。"]


async def test_group_notices_are_split_and_a_robot_error_is_retried_without_repeats(
    settings: Settings, api: FakeWeComApi
) -> None:
    lines = [f"{i:03d} 逾期案件 LJ-2026-{i:06d}：请尽快处理。" for i in range(300)]
    async with running(wecom_settings(settings, api)) as (app, _side):
        channel = channel_of(app)
        await channel.deliver(GROUP, [Reply("\n".join(lines))])
        parts = api.robot_texts()
        assert len(parts) > 2 and all(len(p.encode()) <= 2048 for p in parts)
        assert "\n".join(parts).splitlines() == lines  # split on line boundaries only

        api.fail("/cgi-bin/webhook/send", 45009, after=1)  # the robot's rate limit, mid-way
        again = [line.replace("逾期", "待受理") for line in lines]
        with pytest.raises(WeComError):
            await channel.deliver(GROUP, [Reply("\n".join(again))])
        await channel.deliver(GROUP, [Reply("\n".join(again))])  # the outbox's retry
        assert "\n".join(api.robot_texts()[len(parts) :]).splitlines() == again  # each once

        api.fail("/cgi-bin/webhook/send", 45009)
        async with app.db.session() as session:
            await outbox.enqueue(
                session,
                key="t:daily",
                channel="wecom",
                chat_id=GROUP,
                payload={"replies": [Reply("每日提醒").to_dict()]},
            )
        assert app.dispatcher is not None
        await app.dispatcher.run_once()  # or the running dispatcher, woken by the enqueue, did
        for _ in range(50):
            async with app.db.session() as session:
                row = (await session.execute(select(OutboxMessage))).scalar_one()
            if row.attempts:
                break
            await asyncio.sleep(0.1)
        assert row.status == "pending" and row.attempts == 1 and "45009" in row.last_error
        assert "每日提醒" not in api.robot_texts()


async def test_a_filed_case_reaches_the_group_robot_and_staff_act_in_the_app(
    settings: Settings, api: FakeWeComApi, server: FakeTelegramServer
) -> None:
    """A worker files on Telegram; the notice goes to the WeCom group; staff accept in the app."""
    settings.telegram.token = "123:TEST"
    settings.telegram.base_url = server.base_url
    settings.telegram.base_file_url = server.base_file_url
    settings.telegram.staff_chat_id = 0  # no Telegram work group: WeCom is the staff side
    async with running(wecom_settings(settings, api), ("telegram", "wecom")) as (app, side):
        bot = TelegramBot(server, app)
        number = await file_case(bot, server)
        await bot.deliver_outbox()
        notice = "\n".join(api.robot_texts())
        assert number in notice and "139****5678" in notice and PHONE not in notice
        assert ID_NUMBER not in notice
        assert f"{ZH('Accept')}：/accept {number}" in notice
        assert f"/case {number}" in notice and f"/refer {number}" in notice
        assert all(len(t.encode()) <= 2048 for t in api.robot_texts())

        queue = await side.send(text_xml(ADMIN, "/queue"))
        assert number in queue and "139****5678" not in queue
        accepted = await side.send(text_xml(ADMIN, number_of(ZH("Accept"), queue)))
        assert number in accepted
        await bot.deliver_outbox()
        case = await side.send(text_xml(ADMIN, f"/case {number}"))
        assert PHONE in case  # full details in the one-to-one app chat
        # issue 20 on WeCom: times as staff write them, who was told, the actor in words
        await side.send(text_xml(ADMIN, f"/assign {number} union"))
        scheduled = await side.send(
            text_xml(ADMIN, f"/schedule {number} 2099-01-05 9点半 调解室一")
        )
        assert "2099年1月5日 09:30" in scheduled and "已通过本机器人通知：申请人。" in scheduled
        case = await side.send(text_xml(ADMIN, f"/case {number}"))
        assert "· 申请人 · 提交申请" in case, case
        assert f"· wecom:{ADMIN}（管理员） · " in case
    async with app.db.session() as session:
        stored = (await session.execute(select(Case))).scalar_one()
    assert stored.state == "in_mediation"


async def test_charts_reach_the_group_as_images_and_documents_as_a_pointer(
    settings: Settings, api: FakeWeComApi, tmp_path: Path
) -> None:
    chart = tmp_path / "stats-2026-10.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n fake chart")
    ledger = tmp_path / "ledger.xlsx"
    ledger.write_bytes(b"PK fake workbook")
    async with running(wecom_settings(settings, api)) as (app, _side):
        await channel_of(app).deliver(
            GROUP,
            [
                Reply("2026年10月统计", image=str(chart)),
                Reply("台账", document=str(ledger), file_name="台账-2026-10.xlsx"),
            ],
        )
    kinds = [m["msgtype"] for m in api.robot_messages()]
    assert kinds == ["text", "image", "text"]
    image = api.robot_messages()[1]["image"]
    assert base64.b64decode(image["base64"]) == chart.read_bytes()  # md5 checked by the fake
    assert api.robot_texts()[1] == "台账\n" + ZH(
        "📄 {name}: ask for it in the app chat.", name="台账-2026-10.xlsx"
    )


async def test_work_group_notices_go_to_telegram_first_then_the_robot(
    settings: Settings, db: Database
) -> None:
    settings.wecom.robot_webhook_url = "http://127.0.0.1:9/cgi-bin/webhook/send?key=k"
    assert Core(settings, db).staff_target() == ("wecom", GROUP)
    settings.telegram.token, settings.telegram.staff_chat_id = "123:TEST", -100200300
    assert Core(settings, db).staff_target() == ("telegram", "-100200300")
    settings.telegram.token = settings.wecom.robot_webhook_url = ""
    assert Core(settings, db).staff_target() == ("console", "staff")
