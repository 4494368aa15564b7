"""The WeChat Official Account channel, through its real aiohttp webhook."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.channels import callback_checks
from bot.channels.wechat_api import WeChatApi
from bot.config import Settings
from handlers.casework.validators import id_check_char
from handlers.conversation.messages import Reply
from storage.db import Database
from storage.models import Attachment, Case, InboundUpdate, OutboxMessage, utcnow
from storage.people import find_identity
from tests.fakes.wechat_api import FakeWeChatApi
from tests.wechat_harness import (
    SAMPLE,
    WeChatUser,
    envelope,
    event_xml,
    media_xml,
    running_wechat_bot,
    sign,
    text_xml,
    wechat_settings,
)

CASE_NUMBER = re.compile(r"LJ-\d{4}-\d{6}")


@pytest.fixture
async def api() -> FakeWeChatApi:
    async with FakeWeChatApi() as fake:
        yield fake


async def count(db_url: str, model: type) -> int:
    db = Database(db_url)
    async with db.session() as s:
        n = (await s.execute(select(func.count()).select_from(model))).scalar_one()
    await db.dispose()
    return int(n)


def sample_settings(settings: Settings, api: FakeWeChatApi) -> None:
    """The bot configured with WeChat's public sample token, key and app id."""
    wechat_settings(settings, api)
    w = settings.wechat
    w.token, w.encoding_aes_key = SAMPLE["token"], SAMPLE["encoding_aes_key"]
    w.app_id = api.app_id = SAMPLE["app_id"]


async def test_public_sample_message_is_decrypted_and_answered(
    settings: Settings, api: FakeWeChatApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample_settings(settings, api)
    sample = SAMPLE["decrypt"]
    # the sample was signed in 2014: seen from then, it is fresh
    monkeypatch.setattr(callback_checks, "now", lambda: float(sample["timestamp"]))
    body = envelope(sample["encrypt"])
    query = {k: sample[k] for k in ("msg_signature", "timestamp", "nonce")}
    async with running_wechat_bot(settings, api) as (_app, side):
        forged = dict(query, msg_signature="0" * 40)
        assert (await side.post_raw(forged, body))[0] == 403
        assert await count(settings.database.url, InboundUpdate) == 0  # nothing processed
        status, answer = await side.post_raw(query, body)
        assert status == 200
        reply = side.read_reply(answer)
        assert reply  # "test" is answered (menu or FAQ), in Chinese by default
        assert re.search(r"[\u4e00-\u9fff]", reply)
        status, again = await side.post_raw(query, body)  # WeChat's retry of the same MsgId
        assert status == 200 and side.read_reply(again) == ""
    assert await count(settings.database.url, InboundUpdate) == 1
    db = Database(settings.database.url)
    async with db.session() as s:  # decrypted as WeChat says: from "messense", MsgId kept
        update = (await s.execute(select(InboundUpdate))).scalar_one()
        assert update.update_key == sample["expect"]["MsgId"]
        assert await find_identity(s, "wechat", sample["expect"]["FromUserName"])
    await db.dispose()


async def test_url_verification_with_the_public_sample(
    settings: Settings, api: FakeWeChatApi
) -> None:
    sample_settings(settings, api)
    v = SAMPLE["verify_url"]
    query = {k: v[k] for k in ("msg_signature", "timestamp", "nonce", "echostr")}
    async with running_wechat_bot(settings, api) as (_app, side):
        async with side.http.get(side.url, params=query) as resp:
            assert resp.status == 200 and await resp.text() == v["expect_plain"]
        async with side.http.get(side.url, params=dict(query, nonce="437374424")) as resp:
            assert resp.status == 403
        # the plain variant: sha1 signature over token, timestamp and nonce
        plain = {"timestamp": "1411443780", "nonce": "42", "echostr": "hello-echo"}
        plain["signature"] = sign(SAMPLE["token"], plain["timestamp"], plain["nonce"])
        async with side.http.get(side.url, params=plain) as resp:
            assert await resp.text() == "hello-echo"
        async with side.http.get(side.url, params=dict(plain, nonce="43")) as resp:
            assert resp.status == 403


@pytest.mark.parametrize("mode", ["plain", "safe"])
async def test_forged_malformed_and_oversized_calls_are_refused(
    settings: Settings, api: FakeWeChatApi, mode: str
) -> None:
    wechat_settings(settings, api, mode=mode)
    async with running_wechat_bot(settings, api) as (_app, side):
        query, body = side.signed(text_xml("o_forger", "/start"))
        assert (await side.post_raw(dict(query, timestamp="1"), body))[0] == 403
        assert (await side.post_raw(dict(query, signature="f" * 40, msg_signature="f" * 40), body))[
            0
        ] == 403
        bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><a>&a;</a></xml>'
        assert (await side.post(bomb))[0] == 400
        assert (await side.post("not xml at all \x00\xff"))[0] == 400
        huge = text_xml("o_forger", "长" * 40_000)
        assert (await side.post(huge))[0] == 413
    assert await count(settings.database.url, InboundUpdate) == 0


WORKER = "o_worker_0001"
PHONE = "13912345678"
ID_BODY = "11010519900307123"
ID_NUMBER = ID_BODY + id_check_char(ID_BODY)  # synthetic, checksum-valid


async def file_case_over_wechat(user: WeChatUser, api: FakeWeChatApi) -> str:
    """Screening and intake by numbered choices and typed answers, as on a phone."""
    welcome = await user.event("subscribe", "qrscene_site001")  # scanned the site's QR code
    assert "调解" in welcome and "请回复选项前的数字" in welcome  # Chinese, numbered
    await user.send("/lang en")
    assert "1. " in await user.send("/start")
    await user.choose("File a dispute")
    await user.choose("I am the worker (employee)")
    await user.choose("No, neither")
    await user.choose("A company, factory, shop or other enterprise")
    await user.choose("Unpaid or underpaid wages or overtime pay")
    await user.choose("No")
    await user.choose("示例街道")
    await user.choose("No, I have left")
    await user.send("2026-10-01")
    outcome = await user.choose("Just me")
    assert "The center can mediate this dispute" in outcome
    await user.choose("File my case now")
    await user.choose("I agree")
    await user.send("张测试")
    assert "not a mainland mobile number" in await user.send("12345")
    await user.send("139 1234 5678")
    await user.send(ID_NUMBER)
    await user.send("示例制造有限公司")
    await user.send("示例区示例路1号")
    await user.choose("Skip")  # credit code
    claims = await user.choose("Skip")  # employer phone
    assert "What is the dispute about" in claims and "✅ Unpaid wages" in claims
    await user.choose("Overtime pay")
    await user.choose("Done")
    await user.send("支付拖欠的三个月工资和加班费")
    await user.send("1.25万")
    await user.send("2024-03")
    await user.send("2026-09-30")
    await user.send("老板从七月开始不发工资，说公司没钱。")
    api.media["MEDIA_PAYSLIP"] = (b"\x89PNG fake pay slip photo", "image/png")
    got = await user.post(media_xml(user.openid, "image", "MEDIA_PAYSLIP"))
    assert "1 file so far" in got
    voice = await user.post(
        media_xml(user.openid, "voice", "MEDIA_VOICE", "<Format><![CDATA[amr]]></Format>")
    )
    assert "type" in voice  # no recognition text: asked politely to type instead
    await user.choose("Done")
    summary = await user.choose("Weekday mornings")
    assert "张测试" in summary and "CN¥12,500.00" in summary and "Evidence: 1 file" in summary
    receipt = await user.choose("Submit")
    match = CASE_NUMBER.search(receipt)
    assert match, receipt
    return match.group(0)


async def test_complete_intake_over_wechat_text_messages(
    settings: Settings, api: FakeWeChatApi
) -> None:
    wechat_settings(settings, api)
    async with running_wechat_bot(settings, api) as (_app, side):
        user = WeChatUser(side, WORKER)
        number = await file_case_over_wechat(user, api)
        status = await user.send("/status")
        assert number in status
    db = Database(settings.database.url)
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
        assert case.number == number and case.source_channel == "wechat"
        assert case.entry_source == "site001"  # the QR code's scene
        assert case.applicant_phone == PHONE
        files = (await s.execute(select(Attachment))).scalars().all()
        assert [f.case_id for f in files] == [case.id]
    await db.dispose()


async def test_slow_answer_goes_out_as_a_push_exactly_once(
    settings: Settings, api: FakeWeChatApi
) -> None:
    wechat_settings(settings, api)
    settings.wechat.reply_budget_seconds = 0.001  # nothing is ever ready in time
    async with running_wechat_bot(settings, api) as (_app, side):
        user = WeChatUser(side, "o_slow_user")
        xml = event_xml(user.openid, "subscribe")
        assert await user.post(xml) == ""  # "success": WeChat shows nothing yet
        assert await user.post(xml) == ""  # WeChat's retry while we are still working
        await api.wait_for("/cgi-bin/message/custom/send", 1)
        await asyncio.sleep(0.5)
        (welcome,) = api.customer_texts(user.openid)
        assert "请回复选项前的数字" in welcome
        # the numbered choices of a pushed answer work too
        settings.wechat.reply_budget_seconds = 4.0
        assert "请问" in await user.send("3") or "问题" in user.last  # 3 = 法律咨询
    db = Database(settings.database.url)
    async with db.session() as s:
        rows = (await s.execute(select(OutboxMessage))).scalars().all()
        assert [(r.status, r.route) for r in rows] == [("delivered", "customer_service")]
    await db.dispose()


async def _push(app, openid: str, key: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """A push to the person through the core's own path (as a case update does)."""
    async with app.db.session() as s:
        identity = await find_identity(s, "wechat", openid)
        assert identity is not None
        await app.core.push_to_person(s, identity.person_id, key, [Reply(text)])
    app.dispatcher.wake()


async def _outbox(app) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    async with app.db.session() as s:
        rows = (await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars().all()
        return [(r.status, r.route) for r in rows]


async def _settled(app, expected: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    """The outbox once it shows `expected` (the dispatcher marks rows just after sending)."""
    for _ in range(100):
        rows = await _outbox(app)
        if rows == expected:
            break
        await asyncio.sleep(0.05)
    return rows


async def test_pushes_respect_the_window_and_fall_back_to_templates(
    settings: Settings, api: FakeWeChatApi
) -> None:
    wechat_settings(settings, api)
    settings.wechat.window_max_messages = 2
    settings.wechat.template_ids = {"case_update": "TPL_CASE_UPDATE"}
    async with running_wechat_bot(settings, api) as (app, side):
        user = WeChatUser(side, "o_window_user")
        await user.send("/start")
        await _push(app, user.openid, "p1", "案件 LJ-2026-000001 已受理。")
        await _push(app, user.openid, "p2", "调解时间已安排：12月1日上午。")
        await api.wait_for("/cgi-bin/message/custom/send", 2)
        # the third push in the same window is over the cap: a template message instead
        await _push(app, user.openid, "p3", "案件 LJ-2026-000001 调解成功，协议已签署。")
        await api.wait_for("/cgi-bin/message/template/send", 1)
        (template,) = api.templates(user.openid)
        assert template["template_id"] == "TPL_CASE_UPDATE"
        assert template["data"]["keyword1"]["value"] == "LJ-2026-000001"
        assert "调解成功" in template["data"]["keyword2"]["value"]
        assert "调解成功" not in "".join(api.customer_texts(user.openid))  # held for now
        # they write again: the window reopens and the full text follows
        await user.send("你好")
        await api.wait_for("/cgi-bin/message/custom/send", 3)
        assert "协议已签署" in api.customer_texts(user.openid)[-1]
        expected = [
            ("delivered", "customer_service"),
            ("delivered", "customer_service"),
            ("delivered", "template"),
            ("delivered", "customer_service"),  # the held full text
        ]
        assert await _settled(app, expected) == expected

        # WeChat refuses a customer-service message we thought was allowed: template
        api.refuse_customer_service = 45015
        await _push(app, user.openid, "p4", "案件 LJ-2026-000001 已结案。")
        await api.wait_for("/cgi-bin/message/template/send", 2)
        expected = [*expected, ("delivered", "template"), ("held", None)]
        assert await _settled(app, expected) == expected  # the full text waits again


async def test_outside_the_window_without_a_template_the_push_waits(
    settings: Settings, api: FakeWeChatApi
) -> None:
    wechat_settings(settings, api)  # no template ids configured
    async with running_wechat_bot(settings, api) as (app, side):
        user = WeChatUser(side, "o_quiet_user")
        await user.send("/start")
        async with app.db.session() as s:  # their last message was three days ago
            identity = await find_identity(s, "wechat", user.openid)
            identity.last_seen_at = utcnow() - timedelta(days=3)
        await _push(app, user.openid, "late", "您的案件已受理。")
        assert (await _settled(app, [("held", None)])) == [("held", None)]
        assert api.customer_texts(user.openid) == [] and api.templates(user.openid) == []
        await user.send("在吗")
        await api.wait_for("/cgi-bin/message/custom/send", 1)
        assert api.customer_texts(user.openid) == ["您的案件已受理。"]
        done = [("delivered", "customer_service")]
        assert (await _settled(app, done)) == done


async def test_one_access_token_for_all_instances(settings: Settings, api: FakeWeChatApi) -> None:
    wechat_settings(settings, api)
    db = Database(settings.database.url)
    await db.upgrade()
    first, second = WeChatApi(settings.wechat, db), WeChatApi(settings.wechat, db)
    try:
        await first.send_text("o_a", "一")
        await second.send_text("o_a", "二")
        assert api.token_fetches == 1  # the second instance used the stored token
        api.valid_token = "ACCESS_TOKEN_FROM_ELSEWHERE"  # e.g. the token expired early
        await first.send_text("o_a", "三")  # refused once, fetched again, sent
        await second.send_text("o_a", "四")  # its cached token is void: reads the new one
        assert api.token_fetches == 2
        assert api.customer_texts("o_a") == ["一", "二", "三", "四"]
    finally:
        await first.close()
        await second.close()
        await db.dispose()


async def test_menu_clicks_voice_recognition_and_unknown_numbers(
    settings: Settings, api: FakeWeChatApi
) -> None:
    wechat_settings(settings, api)
    async with running_wechat_bot(settings, api) as (_app, side):
        user = WeChatUser(side, "o_menu_user")
        asked = await user.event("CLICK", "m:faq")  # the custom menu's 法律咨询 item
        assert "问题" in asked
        heard = await user.post(
            media_xml(
                user.openid,
                "voice",
                "MEDIA_V",
                "<Format><![CDATA[amr]]></Format><Recognition><![CDATA[老板拖欠我两个月工资]]></Recognition>",
            )
        )
        assert "工资" in heard  # answered from WeChat's recognition text
        menu = await user.send("/start")
        assert "7. " in menu
        assert await user.send("99")  # not a choice: taken as text, still answered
