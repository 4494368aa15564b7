"""Webhook mode: Telegram posts updates to our aiohttp server, with a secret header."""

from __future__ import annotations

import aiohttp

from bot.config import Settings
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import running_bot, texts
from tests.local import free_port


def update(update_id: int, user: int, text: str) -> dict:  # type: ignore[type-arg]
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1700000000,
            "text": text,
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "测试", "language_code": "en"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_webhook_with_secret(settings: Settings, server: FakeTelegramServer) -> None:
    port = free_port()
    settings.telegram.mode = "webhook"
    settings.telegram.webhook_url = "https://bot.invalid/telegram"
    settings.telegram.webhook_secret = "s3cret-token"
    settings.telegram.port = port
    async with running_bot(settings, server) as bot:
        assert server.webhook["url"] == "https://bot.invalid/telegram"
        assert server.webhook.get("secret_token") == "s3cret-token"
        url = f"http://127.0.0.1:{port}/telegram"
        async with aiohttp.ClientSession() as http:
            forged = await http.post(
                url,
                json=update(1, 8001, "/start"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            )
            assert forged.status == 403
            garbage = await http.post(
                url,
                data=b"\x00not json",
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"},
            )
            assert garbage.status == 400

            async def post() -> None:
                resp = await http.post(
                    url,
                    json=update(2, 8001, "/help"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"},
                )
                assert resp.status == 200

            before = len(server.sent_messages(8001))
            target = bot.handled + 1
            await post()
            await bot._wait_handled(target)
        sent = server.sent_messages(8001)[before:]
        assert before == 0, "the forged call must not have been processed"
        assert "/status" in texts(sent)
