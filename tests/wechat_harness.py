"""Drive the bot as WeChat's servers do: signed (and in safe mode encrypted) XML posted to
the real aiohttp webhook; pushes land on the fake WeChat API server."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import xmltodict
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from bot.app import BotApp
from bot.config import Settings
from storage.models import OutboxMessage
from tests.fakes.wechat_api import FakeWeChatApi
from tests.local import free_port

SAMPLE = json.loads((Path(__file__).parent / "data" / "wechat_sample.json").read_text())
TOKEN = "test-token-0123"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, test only
APP_ID = "wx_test_app"
_msg_ids = itertools.count(6_000_000_000_000_000_001)


def wechat_settings(settings: Settings, api: FakeWeChatApi, *, mode: str = "safe") -> Settings:
    w = settings.wechat
    w.app_id, w.app_secret = api.app_id, api.secret
    w.token, w.encoding_aes_key, w.mode = TOKEN, AES_KEY, mode
    w.api_base_url = api.base_url
    w.port = free_port()
    settings.outbox.poll_seconds = 0.2
    return settings


def sign(token: str, *parts: str) -> str:
    return hashlib.sha1("".join(sorted([token, *parts])).encode()).hexdigest()


def text_xml(openid: str, content: str, msg_id: int | None = None, kind: str = "text") -> str:
    msg_id = msg_id or next(_msg_ids)
    return (
        f"<xml><ToUserName><![CDATA[gh_center]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def envelope(encrypted: str) -> str:
    """The body WeChat posts in safe mode: the encrypted message and the account id."""
    return (
        "<xml><ToUserName><![CDATA[gh_center]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )


def event_xml(openid: str, event: str, key: str = "", created: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_center]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
        f"<EventKey><![CDATA[{key}]]></EventKey></xml>"
    )


def media_xml(openid: str, kind: str, media_id: str, extra: str = "") -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_center]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
        f"<MediaId><![CDATA[{media_id}]]></MediaId>{extra}<MsgId>{next(_msg_ids)}</MsgId></xml>"
    )


class WeChatServerSide:
    """Plays WeChat's servers: signs/encrypts calls to the bot and reads its answers."""

    def __init__(self, url: str, *, token: str, aes_key: str, app_id: str, mode: str) -> None:
        self.url = url
        self.token = token
        self.mode = mode
        self.crypto = WeChatCrypto(token, aes_key, app_id) if mode == "safe" else None
        self.http = aiohttp.ClientSession()

    async def close(self) -> None:
        await self.http.close()

    def signed(self, xml: str) -> tuple[dict[str, str], str]:
        """The query string and body WeChat would send for this message."""
        timestamp, nonce = str(int(time.time())), str(next(_msg_ids) % 10**9)
        query = {
            "timestamp": timestamp,
            "nonce": nonce,
            "signature": sign(self.token, timestamp, nonce),
        }
        if self.crypto is None:
            return query, xml
        sealed = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, timestamp))["xml"]
        query.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
        return query, envelope(sealed["Encrypt"])

    async def post_raw(self, query: dict[str, str], body: str | bytes) -> tuple[int, str]:
        async with self.http.post(self.url, params=query, data=body) as resp:
            return resp.status, await resp.text()

    async def post(self, xml: str) -> tuple[int, str]:
        return await self.post_raw(*self.signed(xml))

    def read_reply(self, answer: str) -> str:
        """The text of a passive reply ("" for "success" or an empty answer)."""
        if answer in ("", "success"):
            return ""
        if self.crypto is not None:
            env = xmltodict.parse(answer)["xml"]
            answer = self.crypto.decrypt_message(
                answer, env["MsgSignature"], env["TimeStamp"], env["Nonce"]
            )
        return str(xmltodict.parse(answer)["xml"].get("Content") or "")


class WeChatUser:
    """One person writing to the Official Account."""

    def __init__(self, side: WeChatServerSide, openid: str) -> None:
        self.side = side
        self.openid = openid
        self.last = ""

    async def send(self, text: str, msg_id: int | None = None) -> str:
        status, answer = await self.side.post(text_xml(self.openid, text, msg_id))
        assert status == 200, (status, answer)
        self.last = self.side.read_reply(answer)
        return self.last

    async def event(self, event: str, key: str = "") -> str:
        status, answer = await self.side.post(event_xml(self.openid, event, key))
        assert status == 200, (status, answer)
        self.last = self.side.read_reply(answer)
        return self.last

    async def post(self, xml: str) -> str:
        status, answer = await self.side.post(xml)
        assert status == 200, (status, answer)
        self.last = self.side.read_reply(answer)
        return self.last

    def number_of(self, label: str, text: str | None = None) -> str:
        """The number shown for a choice whose label starts with `label`."""
        for line in (text if text is not None else self.last).splitlines():
            match = re.match(r"^(\d+)\. (.*)$", line)
            if match and match.group(2).startswith(label):
                return match.group(1)
        raise AssertionError(f"no choice {label!r} in:\n{text or self.last}")

    async def choose(self, label: str) -> str:
        return await self.send(self.number_of(label))


@asynccontextmanager
async def running_wechat_bot(
    settings: Settings, api: FakeWeChatApi, channels: tuple[str, ...] = ("wechat",)
) -> AsyncIterator[tuple[BotApp, WeChatServerSide]]:
    app = BotApp(settings, list(channels))
    await app.start()
    w = settings.wechat
    side = WeChatServerSide(
        f"http://127.0.0.1:{w.port}{w.path}",
        token=w.token,
        aes_key=w.encoding_aes_key,
        app_id=w.app_id,
        mode=w.mode,
    )
    try:
        yield app, side
    finally:
        await side.close()
        await app.stop()


async def delivered(app: BotApp, openid: str, timeout: float = 5.0) -> None:
    """Until no push to ``openid`` is pending. The channel remembers a push's numbered choices
    once WeChat has taken the message (bot.channels.numbered.remember_pushed), a moment after
    the fake API saw it: a test that answers "1" at once could still meet the older choices,
    which no person typing on a phone can."""
    deadline = time.monotonic() + timeout
    query = select(func.count()).where(
        OutboxMessage.channel == "wechat",
        OutboxMessage.chat_id == openid,
        OutboxMessage.status == "pending",
    )
    while True:
        async with app.db.session() as s:
            if not await s.scalar(query):
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"a push to {openid} is still pending after {timeout} s")
        await asyncio.sleep(0.02)


def passive_and_pushed(user: WeChatUser, api: FakeWeChatApi) -> str:
    return "\n".join([user.last, *api.customer_texts(user.openid)])
