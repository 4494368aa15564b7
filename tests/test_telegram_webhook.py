"""Webhook mode: Telegram posts updates to our aiohttp server, with a secret header."""

from __future__ import annotations

import secrets

import aiohttp
import pytest
from sqlalchemy import select

from bot.channels.telegram import TelegramChannel
from bot.config import ConfigError, Settings
from storage.models import Staff
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import running_bot, texts
from tests.local import free_port

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ADMIN = 9001
STRANGER = 666


def update(update_id: int, user: int, text: str) -> dict:  # type: ignore[type-arg]
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1700000000,
            "text": text,
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "测试", "language_code": "en"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


def webhook_mode(settings: Settings) -> str:
    """Webhook settings with a fresh strong secret; returns the local URL updates go to."""
    port = free_port()
    settings.telegram.mode = "webhook"
    settings.telegram.webhook_url = "https://bot.invalid/telegram"
    settings.telegram.webhook_secret = secrets.token_urlsafe(32)
    settings.telegram.port = port
    return f"http://127.0.0.1:{port}/telegram"


async def test_webhook_with_secret(settings: Settings, server: FakeTelegramServer) -> None:
    url = webhook_mode(settings)
    secret = settings.telegram.webhook_secret
    async with running_bot(settings, server) as bot:
        assert server.webhook["url"] == "https://bot.invalid/telegram"
        assert server.webhook.get("secret_token") == secret
        async with aiohttp.ClientSession() as http:
            forged = await http.post(
                url, json=update(1, 8001, "/start"), headers={SECRET_HEADER: "wrong"}
            )
            assert forged.status == 403
            garbage = await http.post(url, data=b"\x00not json", headers={SECRET_HEADER: secret})
            assert garbage.status == 400

            async def post() -> None:
                resp = await http.post(
                    url, json=update(2, 8001, "/help"), headers={SECRET_HEADER: secret}
                )
                assert resp.status == 200

            before = len(server.sent_messages(8001))
            target = bot.handled + 1
            await post()
            await bot._wait_handled(target)
        sent = server.sent_messages(8001)[before:]
        assert before == 0, "the forged call must not have been processed"
        assert "/status" in texts(sent)


async def _staff_row(bot: object, member: str) -> Staff | None:
    async with bot.app.db.session() as session:  # type: ignore[attr-defined]
        return (
            await session.execute(select(Staff).where(Staff.member == member))
        ).scalar_one_or_none()


async def test_forged_admin_update_is_refused(
    settings: Settings, server: FakeTelegramServer
) -> None:
    """Ids are not secret: an update "from" the admin without Telegram's secret header is
    refused (403) and changes nothing; only the same update with the header is acted on."""
    settings.staff.admins = [f"telegram:{ADMIN}"]
    url = webhook_mode(settings)
    secret = settings.telegram.webhook_secret
    promote = f"/staff add telegram:{STRANGER} admin x"
    async with running_bot(settings, server) as bot, aiohttp.ClientSession() as http:
        forgeries = [
            {},
            {SECRET_HEADER: ""},
            {SECRET_HEADER: "wrong"},
            {SECRET_HEADER: secret[:-1]},  # all but one character
            {SECRET_HEADER: secret + "x"},
        ]
        for n, headers in enumerate(forgeries, start=1):
            resp = await http.post(url, json=update(n, ADMIN, promote), headers=headers)
            assert resp.status == 403, headers
        assert bot.handled == 0
        assert server.sent_messages(ADMIN) == []
        assert await _staff_row(bot, f"telegram:{STRANGER}") is None
        # The stranger is still a stranger to staff commands.
        target = bot.handled + 1
        resp = await http.post(
            url, json=update(10, STRANGER, "/staff list"), headers={SECRET_HEADER: secret}
        )
        assert resp.status == 200
        await bot._wait_handled(target)
        assert "Staff:" not in texts(server.sent_messages(STRANGER))

        # The same command with Telegram's header is acted on: the test above could fail.
        target = bot.handled + 1
        resp = await http.post(
            url, json=update(11, ADMIN, promote), headers={SECRET_HEADER: secret}
        )
        assert resp.status == 200
        await bot._wait_handled(target)
        row = await _staff_row(bot, f"telegram:{STRANGER}")
        assert row is not None and row.role == "admin"


@pytest.mark.parametrize("secret", ["", "short-secret", "a" * 40, "has spaces " * 4])
def test_webhook_channel_refuses_to_run_without_a_strong_secret(
    settings: Settings, secret: str
) -> None:
    """Even settings built in code (not through load_settings) cannot open an unguarded
    webhook: the channel itself refuses, naming the key."""
    webhook_mode(settings)
    settings.telegram.token = "123:TEST"
    settings.telegram.webhook_secret = secret

    async def handler(_: object) -> list[object]:
        return []

    with pytest.raises(ConfigError, match=r"^telegram\.webhook_secret: ") as refused:
        TelegramChannel(settings.telegram, handler, files_dir="files", max_bytes=1)  # type: ignore[arg-type]
    if secret:
        assert secret not in str(refused.value)
