"""An update python-telegram-bot cannot parse must not stop the bot for everyone else.

The poison here is a message carrying a poll whose option lacks `voter_count`, which the
pinned python-telegram-bot requires: parsed as part of a batch, it failed the whole batch
every time, and the library logged the raw batch with everyone's texts.
"""

from __future__ import annotations

import logging
import secrets

import pytest

from bot.config import Settings
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import running_bot, texts
from tests.local import free_port

GOOD_FIRST, POISONER, GOOD_AFTER, LATER = 7001, 7002, 7003, 7004
# Other people's texts: none of them may reach a log line.
PRIVATE = ("13912345678", "13800138000", "老板欠我三个月工资", "我的投票问题")


def poison_update(server: FakeTelegramServer, user: int) -> dict:  # type: ignore[type-arg]
    """A message with a poll whose only option lacks the field the library requires."""
    poll = {
        "id": "5555",
        "question": f"{PRIVATE[3]} 电话{PRIVATE[1]}",
        "options": [{"text": "是"}],  # no voter_count
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
    }
    message = {
        "message_id": 1,
        "date": 1700000000,
        "chat": {"id": user, "type": "private", "first_name": "用户"},
        "from": {"id": user, "is_bot": False, "first_name": "用户"},
        "poll": poll,
    }
    return server.queue_update({"message": message})


def assert_no_private_text(caplog: pytest.LogCaptureFixture) -> None:
    logged = caplog.text
    for text in PRIVATE:
        assert text not in logged, f"{text!r} reached the log"


def skip_line(caplog: pytest.LogCaptureFixture, update_id: int) -> str:
    lines = [r.getMessage() for r in caplog.records]
    found = [line for line in lines if f"telegram update {update_id} skipped" in line]
    assert len(found) == 1, lines
    return found[0]


async def test_poison_update_among_good_ones_is_skipped_and_polling_goes_on(
    settings: Settings, server: FakeTelegramServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # as with --verbose: the library's debug lines too
    # Queued before the bot starts, so that the first getUpdates returns all three at once.
    server.user_sends(GOOD_FIRST, "/start")
    poison = poison_update(server, POISONER)
    server.user_sends(GOOD_AFTER, f"{PRIVATE[2]}，电话{PRIVATE[0]}")
    async with running_bot(settings, server) as bot:
        await server.wait_for_messages(GOOD_FIRST, timeout=10)
        await server.wait_for_messages(GOOD_AFTER, timeout=10)
        assert len(server.deliveries[0]) == 3, "the three came in one batch"
        # The poison update is confirmed with the batch: Telegram will not send it again.
        await server.wait_for(lambda: not server.pending_updates, timeout=15)
        assert server.sent_messages(POISONER) == []
        # ... and polling goes on for everyone.
        later = await bot.send(LATER, "/help")
        assert "/status" in texts(later)
    assert all(poison["update_id"] not in batch for batch in server.deliveries[1:])
    line = skip_line(caplog, poison["update_id"])
    assert "voter_count" in line  # the reason: which field was missing
    assert_no_private_text(caplog)


async def test_poison_update_in_webhook_mode_is_taken_once(
    settings: Settings, server: FakeTelegramServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Answered 200 (else Telegram retries it for a day and holds up that chat), logged by
    id and reason only; the other chats are answered."""
    caplog.set_level(logging.DEBUG)
    port = free_port()
    settings.telegram.mode = "webhook"
    settings.telegram.webhook_url = "https://bot.invalid/telegram"
    settings.telegram.webhook_secret = secrets.token_urlsafe(32)
    settings.telegram.port = port
    async with running_bot(settings, server):
        server.route_webhook(f"http://127.0.0.1:{port}/telegram")
        poison = poison_update(server, POISONER)
        server.user_sends(GOOD_AFTER, f"{PRIVATE[2]}，电话{PRIVATE[0]}")
        await server.wait_for_messages(GOOD_AFTER, timeout=10)
        await server.wait_for(lambda: not server.pending_updates, timeout=10)
        after = server.user_sends(POISONER, "/help")  # the same chat is not held up either
        await server.wait_for_messages(POISONER, timeout=10)
    deliveries = [(u, status) for u, _, status in server.webhook_deliveries]
    assert deliveries.count((poison["update_id"], 200)) == 1
    assert [u for u, _ in deliveries].count(poison["update_id"]) == 1
    assert (after["update_id"], 200) in deliveries
    assert "voter_count" in skip_line(caplog, poison["update_id"])
    assert_no_private_text(caplog)
