"""Whatever reaches the WeChat webhook, the answer is a clear status, never a crash.

Correctly signed but malformed bodies get 400; anything unsigned gets 403; a readable
message of any content gets a reply. Nothing is processed from a refused call.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.config import Settings
from tests.fakes.wechat_api import FakeWeChatApi
from tests.wechat_harness import running_wechat_bot, sign, text_xml, wechat_settings

_ids = itertools.count(1)
SLOW = hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
XMLISH = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(lambda t: f"<xml>{t}</xml>"),
    st.sampled_from(
        [
            "<xml><MsgType>text</MsgType></xml>",  # no sender
            "<xml><FromUserName>o1</FromUserName></xml>",  # no type
            "<xml><FromUserName>o1</FromUserName><MsgType>nonsense</MsgType></xml>",
            "<?xml version='1.0'?><!DOCTYPE lol [<!ENTITY lol 'lol'>]><xml>&lol;</xml>",
            "<xml><![CDATA[",
            "'; DROP TABLE cases; --",
        ]
    ),
)


def examples(strategy: st.SearchStrategy) -> list:  # type: ignore[type-arg]
    """Hypothesis' examples (edge cases first), to replay against one running bot."""
    found: list = []  # type: ignore[type-arg]

    @SLOW
    @given(strategy)
    def collect(value: object) -> None:
        found.append(value)

    collect()
    return found


async def test_any_body_any_mode(settings: Settings) -> None:
    bodies = examples(XMLISH)
    signatures = examples(st.text(max_size=50))
    # what a person can type: any character XML can carry (WeChat sends well-formed XML)
    typed = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t")
    texts = examples(st.text(typed, min_size=1, max_size=300))
    async with FakeWeChatApi() as api:
        for mode in ("plain", "safe"):
            wechat_settings(settings, api, mode=mode)
            async with running_wechat_bot(settings, api) as (_app, side):
                for body in bodies:  # correctly signed (and encrypted), any content
                    status, _ = await side.post(body)
                    assert status in (200, 400), (status, body)
                for body, signature in zip(bodies, signatures, strict=False):  # not signed
                    query = {"timestamp": "1", "nonce": "2", "signature": signature}
                    query["msg_signature"] = signature
                    status, _ = await side.post_raw(query, body)
                    assert status in (403, 400, 413), (status, body)
                for text in texts:  # any text from a person gets an answer
                    clean = text.replace("]]>", "")
                    status, answer = await side.post(text_xml(f"o_fuzz_{next(_ids)}", clean))
                    assert status == 200, (status, text)
                    assert "something went wrong" not in side.read_reply(answer)
                query = {"timestamp": "2", "nonce": "3", "signature": sign("wrong", "2", "3")}
                assert (await side.post_raw(query, text_xml("o_x", "hi")))[0] == 403
