"""Replayed and stale signed calls, posted as real signed XML to the real aiohttp server.

WeChat's plain mode signs only the token, a timestamp and a nonce: whoever saw one signed
query string could post any body with it. A call must therefore be fresh (its timestamp
within callback_checks.FRESH_SECONDS of now, either way), and a (timestamp, nonce) may come
again only with the same body (WeChat's own retry). The memory is in the database, so a
replay sent to another instance is refused too.
"""

from __future__ import annotations

import copy
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.channels.callback_checks import FRESH_SECONDS
from bot.config import Settings
from storage.db import Database
from storage.models import CallbackNonce, InboundUpdate, Person
from storage.people import find_identity
from tests.fakes.wechat_api import FakeWeChatApi
from tests.local import free_port
from tests.wechat_harness import running_wechat_bot, sign, text_xml, wechat_settings

VICTIM = "o_victim_0001"


@pytest.fixture
async def api() -> FakeWeChatApi:
    async with FakeWeChatApi() as fake:
        yield fake


def signed_at(token: str, timestamp: int, nonce: str) -> dict[str, str]:
    """A correctly signed plain-mode query for this timestamp and nonce."""
    return {
        "timestamp": str(timestamp),
        "nonce": nonce,
        "signature": sign(token, str(timestamp), nonce),
    }


async def handled(db_url: str) -> int:
    db = Database(db_url)
    async with db.session() as s:
        n = await s.scalar(select(func.count()).select_from(InboundUpdate))
    await db.dispose()
    return int(n or 0)


async def victim_locale(db_url: str) -> str | None:
    db = Database(db_url)
    async with db.session() as s:
        identity = await find_identity(s, "wechat", VICTIM)
        person = await s.get(Person, identity.person_id) if identity else None
    await db.dispose()
    return person.locale if person else None


async def test_plain_mode_stale_and_future_signed_calls_are_refused(
    settings: Settings, api: FakeWeChatApi
) -> None:
    wechat_settings(settings, api, mode="plain")
    token = settings.wechat.token
    now = int(time.time())
    async with running_wechat_bot(settings, api) as (_app, side):
        year_old = signed_at(token, now - int(timedelta(days=400).total_seconds()), "7001")
        status, _ = await side.post_raw(year_old, text_xml(VICTIM, "/lang en"))
        assert status == 403
        stale = signed_at(token, now - FRESH_SECONDS - 30, "7002")
        assert (await side.post_raw(stale, text_xml(VICTIM, "/lang en")))[0] == 403
        ahead = signed_at(token, now + FRESH_SECONDS + 30, "7003")
        assert (await side.post_raw(ahead, text_xml(VICTIM, "/lang en")))[0] == 403
        assert await handled(settings.database.url) == 0
        assert await victim_locale(settings.database.url) is None
        fresh = signed_at(token, now - 20, "7004")  # a little late, as a retry may be
        status, answer = await side.post_raw(fresh, text_xml(VICTIM, "/lang en"))
        assert status == 200 and "Language set to English." in side.read_reply(answer)
    assert await victim_locale(settings.database.url) == "en"


@pytest.mark.parametrize("mode", ["plain", "safe"])
async def test_a_replayed_nonce_with_another_body_is_refused_on_another_instance_too(
    settings: Settings, api: FakeWeChatApi, mode: str
) -> None:
    """The victim's signed call is captured and replayed with forged bodies, to this
    instance and to a second one on the same database: refused. WeChat's retry of the same
    call (same query, same body) still gets through, and is handled once."""
    wechat_settings(settings, api, mode=mode)
    other = copy.deepcopy(settings)
    other.wechat.port = free_port()
    async with (
        running_wechat_bot(settings, api) as (_app, side),
        running_wechat_bot(other, api) as (_other_app, other_side),
    ):
        query, body = side.signed(text_xml(VICTIM, "/start"))
        status, answer = await side.post_raw(query, body)
        assert status == 200 and side.read_reply(answer)
        assert await handled(settings.database.url) == 1

        for forged_text in ("/lang en", "/status"):
            forged = text_xml(VICTIM, forged_text)
            if mode == "safe":  # the body is signed too: re-encrypt it under the old query
                sealed = side.signed(forged)[1]
                assert (await side.post_raw(query, sealed))[0] == 403  # msg_signature
                continue
            assert (await side.post_raw(query, forged))[0] == 403
            assert (await other_side.post_raw(query, forged))[0] == 403
        assert await handled(settings.database.url) == 1
        assert await victim_locale(settings.database.url) is None

        status, again = await other_side.post_raw(query, body)  # WeChat's retry, elsewhere
        assert status == 200 and side.read_reply(again) == ""  # handled once already
        assert await handled(settings.database.url) == 1

        fresh_query, fresh_body = side.signed(text_xml(VICTIM, "/lang en"))
        status, answer = await other_side.post_raw(fresh_query, fresh_body)
        assert status == 200 and "Language set to English." in side.read_reply(answer)


async def test_nonces_are_forgotten_after_the_window(
    settings: Settings, api: FakeWeChatApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The memory does not grow: nonces past the window are deleted (at most once a minute
    per process, by the next call)."""
    from bot.channels import callback_checks

    wechat_settings(settings, api, mode="plain")
    async with running_wechat_bot(settings, api) as (_app, side):
        assert (await side.post(text_xml("o_someone", "/start")))[0] == 200
        later = time.time() + FRESH_SECONDS + 120
        monkeypatch.setattr(callback_checks, "now", lambda: later)
        query = signed_at(settings.wechat.token, int(later), "8001")
        assert (await side.post_raw(query, text_xml("o_someone", "/help")))[0] == 200
    db = Database(settings.database.url)
    async with db.session() as s:
        left = (await s.execute(select(CallbackNonce.nonce))).scalars().all()
    await db.dispose()
    assert left == ["8001"]
