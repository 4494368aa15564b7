"""Malformed WeChat input gets a 4xx, never a 5xx: every message shape the WeChat tests send
(text, image, voice, location, link, events), correctly signed and encrypted and posted to
the real aiohttp webhook, with each of its fields in turn given the wrong type."""

from __future__ import annotations

import itertools
import time

from bot.config import Settings
from tests.fakes.wechat_api import FakeWeChatApi
from tests.wechat_harness import WeChatUser, running_wechat_bot, wechat_settings

_ids = itertools.count(7_000_000_000_000_000_001)
NUMERIC = {"MsgId", "CreateTime"}
NESTED = "<b>1</b><b>2</b>"  # elements where text belongs (xmltodict: a list of values)


def shapes(openid: str) -> dict[str, dict[str, str]]:
    """Field -> value of each message shape, in WeChat's order."""
    now = str(int(time.time()))
    head = {"ToUserName": "gh_center", "FromUserName": openid, "CreateTime": now}

    def msg(kind: str, **fields: str) -> dict[str, str]:
        return {**head, "MsgType": kind, **fields, "MsgId": str(next(_ids))}

    def event(name: str, **fields: str) -> dict[str, str]:
        return {**head, "MsgType": "event", "Event": name, **fields}

    return {
        "text": msg("text", Content="你好"),
        "image": msg("image", PicUrl="http://example.invalid/p.jpg", MediaId="M1"),
        "voice": msg("voice", MediaId="M2", Format="amr", Recognition="老板拖欠工资"),
        "video": msg("video", MediaId="M3", ThumbMediaId="T3"),
        "location": msg(
            "location", Location_X="23.1", Location_Y="113.3", Scale="20", Label="示例街道"
        ),
        "link": msg("link", Title="工资条", Description="三月", Url="http://example.invalid"),
        "subscribe": event("subscribe", EventKey="qrscene_hexi"),
        "scan": event("SCAN", EventKey="hexi", Ticket="TICKET"),
        "click": event("CLICK", EventKey="m:file"),
        "location_event": event("LOCATION", Latitude="23.1", Longitude="113.3", Precision="30"),
    }


def to_xml(fields: dict[str, str], wrong: str | None = None) -> str:
    parts = []
    for name, value in fields.items():
        if name == wrong:
            value = (
                "not-a-number" if name in NUMERIC or value.replace(".", "").isdigit() else NESTED
            )
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    return f"<xml>{''.join(parts)}</xml>"


async def test_every_field_of_every_shape_with_the_wrong_type(settings: Settings) -> None:
    async with FakeWeChatApi() as api:
        wechat_settings(settings, api)
        async with running_wechat_bot(settings, api) as (_app, side):
            answers: dict[tuple[str, str], int] = {}
            for n, (shape, fields) in enumerate(shapes("o_malformed").items()):
                assert (await side.post(to_xml(fields)))[0] == 200, shape  # the sound one
                for name in fields:
                    fresh = shapes(f"o_malformed_{n}_{name}")[shape]
                    status, _ = await side.post(to_xml(fresh, wrong=name))
                    answers[(shape, name)] = status
            person = WeChatUser(side, "o_after")
            assert await person.send("/start")  # and the bot answers as before
    server_errors = {key: status for key, status in answers.items() if status >= 500}
    assert server_errors == {}
    assert set(answers.values()) <= {200, 400}
    for shape in ("text", "image", "voice", "location", "link"):
        assert answers[(shape, "MsgId")] == 400, shape  # not a number
    for shape in answers:
        if shape[1] == "CreateTime":
            assert answers[shape] == 400, shape
    assert answers[("text", "Content")] == 400  # an element where text belongs
    assert answers[("text", "FromUserName")] == 400
