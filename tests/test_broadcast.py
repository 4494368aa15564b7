"""A broadcast to thousands of subscribers through the fake Telegram and WeChat servers
(issue 22): the Telegram send rate, WeChat's 48-hour window (customer-service messages) and
mass send to a tag with its monthly quota, exactly once per person also across a second
instance and a restart, the progress line, the ledger and /stats."""

from __future__ import annotations

import asyncio
import bisect
import copy
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import BotApp
from bot.config import Settings
from storage.db import Database
from storage.models import Broadcast, Identity, Person, Subscription, utcnow
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.wechat_api import FakeWeChatApi
from tests.harness import TelegramBot, telegram_settings, texts
from tests.local import free_port
from tests.wechat_harness import wechat_settings

ADMIN = 900
TITLE = "Labour dispute mediation: free, voluntary"


@dataclass
class Crowd:
    telegram: list[int] = field(default_factory=list)
    wechat_open: list[str] = field(default_factory=list)  # wrote an hour ago
    wechat_spent: list[str] = field(default_factory=list)  # wrote lately, window count used
    wechat_closed: list[str] = field(default_factory=list)  # wrote three days ago


async def seed_subscribers(
    db: Database, tg: int, wx_open: int, wx_spent: int, wx_closed: int, max_messages: int
) -> Crowd:
    """Subscribers who asked: `tg` on Telegram; on WeChat, `wx_open` who wrote an hour ago,
    `wx_spent` who wrote lately but used their window's messages, `wx_closed` three days ago."""
    crowd = Crowd()
    now = utcnow()
    groups = [
        ("telegram", tg, now, 0),
        ("open", wx_open, now - timedelta(hours=1), 0),
        ("spent", wx_spent, now - timedelta(hours=2), max_messages),
        ("closed", wx_closed, now - timedelta(days=3), 0),
    ]
    who: list[tuple[str, str, object, int]] = []
    for kind, count, seen, pushes in groups:
        for n in range(count):
            if kind == "telegram":
                crowd.telegram.append(20_000 + n)
                who.append(("telegram", str(20_000 + n), seen, pushes))
            else:
                getattr(crowd, f"wechat_{kind}").append(f"o_{kind}_{n:05d}")
                who.append(("wechat", f"o_{kind}_{n:05d}", seen, pushes))
    async with db.session() as s:
        people = [Person(locale="en") for _ in who]
        s.add_all(people)
        await s.flush()  # one batch: the ids
        for n, (person, (channel, chat, seen, pushes)) in enumerate(zip(people, who, strict=True)):
            s.add(
                Identity(
                    person_id=person.id,
                    channel=channel,
                    external_id=chat,
                    chat_id=chat,
                    last_seen_at=seen,
                    window_pushes=pushes,
                )
            )
            s.add(
                Subscription(
                    person_id=person.id,
                    channel=channel,
                    chat_id=chat,
                    topics="both" if n % 2 else "policy",
                    role="worker",
                    active=True,
                    subscribed_at=now,
                )
            )
    return crowd


@asynccontextmanager
async def both_channels(
    settings: Settings, server: FakeTelegramServer, api: FakeWeChatApi
) -> AsyncIterator[TelegramBot]:
    app = BotApp(settings, ["telegram", "wechat"])
    await app.start()
    try:
        yield TelegramBot(server, app)
    finally:
        await app.stop()


def configure(settings: Settings, server: FakeTelegramServer, api: FakeWeChatApi) -> None:
    wechat_settings(settings, api)
    telegram_settings(settings, server)
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.outbox.poll_seconds = 0.05
    settings.followup.quiet_start = settings.followup.quiet_end = "00:00"  # never quiet


async def wait_done(db: Database, timeout: float = 120.0) -> Broadcast:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with db.session() as s:
            row = (
                (
                    await s.execute(
                        select(Broadcast)
                        .where(Broadcast.status != "preview")
                        .order_by(Broadcast.id.desc())
                    )
                )
                .scalars()
                .first()
            )
            if row is not None and row.status in ("done", "refused"):
                return row
        await asyncio.sleep(0.2)
    raise AssertionError("the broadcast did not finish")


def elsewhere(settings: Settings) -> Settings:
    """The same database and platforms, its own webhook port (another process would share the
    port with webhooks.share_ports)."""
    other = copy.deepcopy(settings)
    other.wechat.port = free_port()
    return other


async def admin_sees(server: FakeTelegramServer, pattern: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while not re.search(pattern, seen := texts(server.sent_messages(ADMIN))):
        assert time.monotonic() < deadline, seen
        await asyncio.sleep(0.1)
    return seen


def window_of(crowd: Crowd) -> dict[str, float]:
    """What the fake WeChat server knows of each person's last message."""
    now = time.time()
    return {
        **{o: now - 3600 for o in crowd.wechat_open + crowd.wechat_spent},
        **{o: now - 3 * 86400 for o in crowd.wechat_closed},
    }


@pytest.mark.timeout(240)  # 2,100 deliveries at the rates set below, on a shared machine
async def test_broadcast_to_thousands_within_each_platforms_rules(
    settings: Settings, server: FakeTelegramServer, db: Database
) -> None:
    async with FakeWeChatApi() as api:
        configure(settings, server, api)
        rate = settings.telegram.max_sends_per_second = 150
        settings.wechat.mass_sends_per_month = 1
        crowd = await seed_subscribers(db, 1200, 300, 100, 500, settings.wechat.window_max_messages)
        api.window = window_of(crowd)  # the fake refuses customer-service messages outside it
        late = crowd.wechat_open[:10]  # the bot saw them lately; WeChat says the window closed
        api.window.update({o: time.time() - 3 * 86400 for o in late})
        async with both_channels(settings, server, api) as bot:
            await bot.send(ADMIN, "/lang en")
            preview = texts(await bot.send(ADMIN, "/broadcast policy.mediation-period all"))
            assert "2,100 recipients" in preview
            assert "Telegram: 1,200" in preview
            assert "inside their 48-hour window): 300" in preview
            assert "outside the window): 600" in preview
            started = time.monotonic()
            await bot.press(ADMIN, "Send it")
            done = await wait_done(db)
            took = time.monotonic() - started
            assert done.status == "done" and done.total == 2100 and done.mass_month
            # Telegram: each subscriber once, never faster than the configured rate
            sends = [c for c in server.calls_to("sendMessage") if c.params["chat_id"] != ADMIN]
            assert sorted(int(c.params["chat_id"]) for c in sends) == crowd.telegram
            assert TITLE in sends[0].params["text"] and "/unsubscribe" in sends[0].params["text"]
            times = sorted(c.time for c in sends)
            # the limiter's bucket holds one second's sends: no one-second window holds more
            # than the bucket and its refill, and after the bucket the pace is the rate
            busiest = max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))
            assert busiest <= rate * 2.1
            assert (len(times) - rate) / max(times[-1] - times[0], 1e-9) <= rate * 1.1
            assert took >= 1200 / rate * 0.9
            # WeChat: customer-service messages only inside the window, the rest by one mass
            # send to a tag holding exactly them; never a template message
            for openid in crowd.wechat_open:
                assert len(api.customer_texts(openid)) == (0 if openid in late else 1)
            delivered = {b["touser"] for b in api.sent("/cgi-bin/message/custom/send")}
            assert delivered == set(crowd.wechat_open) - set(late)
            assert api.sent("/cgi-bin/message/template/send") == []
            assert len(api.mass_sends) == 1
            assert api.mass_sends[0]["openids"] == set(crowd.wechat_spent + crowd.wechat_closed)
            assert "退订" in api.mass_sends[0]["text"] or "unsubscribe" in api.mass_sends[0]["text"]
            # the progress line, in the admin's chat, with formatted counts
            progress = await admin_sees(
                server, r"(sent 2,090 of 2,100|已发送 2,090 / 2,100).*(10 could not|10 条未能)"
            )
            assert re.search(r"(sent|已发送) [\d,]+ (of|/) 2,100", progress.split("Send it")[1])
            # once per person: the same publication again reaches nobody
            again = texts(await bot.send(ADMIN, "/broadcast policy.mediation-period all"))
            assert "Already received it (not sent again): 2,100" in again
            assert "Nobody to send it to" in again
            # the month's mass sends are spent: refused, with the reason
            answer = await bot.send(ADMIN, "/broadcast policy.payment-order all")
            refused = texts(answer)
            assert "Refused" in refused and "(1 of 1" in refused
            assert not server.button_labels(answer[-1])  # no confirm button
            ledger = texts(await bot.send(ADMIN, "/broadcast list"))
            assert "policy.mediation-period → all: 2,100 recipients" in ledger
            stats = texts(await bot.send(ADMIN, "/stats"))
            assert "Subscribers: 2,100" in stats and "publications sent: 2,100" in stats


@pytest.mark.timeout(180)
async def test_exactly_once_across_a_second_instance_and_a_restart(
    settings: Settings, server: FakeTelegramServer, db: Database
) -> None:
    async with FakeWeChatApi() as api:
        configure(settings, server, api)
        settings.telegram.max_sends_per_second = 100
        crowd = await seed_subscribers(db, 500, 50, 0, 50, settings.wechat.window_max_messages)
        api.window = window_of(crowd)
        first = BotApp(settings, ["telegram", "wechat"])
        await first.start()
        bot = TelegramBot(server, first)
        await bot.send(ADMIN, "/lang en")
        await bot.send(ADMIN, "/broadcast policy.mediation-period all")
        await bot.press(ADMIN, "Send it")
        second = BotApp(elsewhere(settings), ["telegram", "wechat"])  # another instance
        await second.start()
        while len(server.calls_to("sendMessage")) < 150:
            await asyncio.sleep(0.05)
        await first.stop()  # a restart of the first instance while the second goes on
        third = BotApp(elsewhere(settings), ["telegram", "wechat"])
        await third.start()
        try:
            done = await wait_done(db)
        finally:
            await second.stop()
            await third.stop()
    assert done.status == "done" and done.total == 600
    chats = [
        int(c.params["chat_id"])
        for c in server.calls_to("sendMessage")
        if c.params["chat_id"] != ADMIN
    ]
    assert sorted(chats) == crowd.telegram  # each once
    for openid in crowd.wechat_open:
        assert len(api.customer_texts(openid)) == 1
    assert len(api.mass_sends) == 1 and api.mass_sends[0]["openids"] == set(crowd.wechat_closed)
