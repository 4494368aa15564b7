"""Issue 20, point 13 on Telegram, where buttons are inline keyboards: the step's buttons come
again after an error, `/back` offers "Keep as it is", `/cancel` of an application with answers
asks first. The real python-telegram-bot Application against the fake Bot API."""

from __future__ import annotations

from bot.config import Settings
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import running_bot, texts
from tests.test_intake_e2e import WORKER, screen_in_scope


async def test_errors_back_and_cancel_keep_their_buttons_on_telegram(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        await screen_in_scope(bot)
        await bot.press(WORKER, "File my case now")
        await bot.press(WORKER, "I agree")
        await bot.send(WORKER, "张测试")
        await bot.send(WORKER, "13912345678")
        refused = await bot.send(WORKER, "12345")  # the ID number, wrong
        assert "press Skip" in texts(refused)
        assert server.button_labels(server.last_message(WORKER)) == ["Skip"]
        back = await bot.send(WORKER, "/back")
        assert "13912345678" in texts(back)
        assert "Keep as it is" in server.button_labels(server.last_message(WORKER))
        asked = await bot.press(WORKER, "Keep as it is")
        assert "ID" in texts(asked)
        asked = await bot.send(WORKER, "/cancel")
        assert "Delete your unfinished application?" in texts(asked)
        labels = server.button_labels(server.last_message(WORKER))
        assert "Yes, delete it" in labels and "No, keep it" in labels
        kept = await bot.press(WORKER, "No, keep it")
        assert "deleted" not in texts(kept)
