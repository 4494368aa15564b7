"""End to end through the real python-telegram-bot Application and a fake Bot API server."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.config import Settings
from storage.db import Database
from storage.models import Conversation, InboundUpdate
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import running_bot, texts

USER = 5001


async def test_start_menu_in_chinese_then_english(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        menu = await bot.send(USER, "/start")
        assert "测试调解中心" in texts(menu)
        labels = server.button_labels(menu[-1])
        assert "申请调解" in labels
        assert "File a dispute" not in labels

        chooser = await bot.press(USER, "语言")
        assert server.button_labels(chooser[-1]) == ["中文", "English"]
        english = await bot.press(USER, "English")
        assert "Language set to English." in texts(english)
        assert "File a dispute" in server.button_labels(english[-1])

        back = await bot.send(USER, "/lang zh_CN")
        assert "申请调解" in server.button_labels(back[-1])


async def test_language_is_remembered_per_person(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        await bot.send(USER, "/lang en")
        other = await bot.send(USER + 1, "/start")
        assert "申请调解" in server.button_labels(other[-1])
        mine = await bot.send(USER, "/start")
        assert "File a dispute" in server.button_labels(mine[-1])


async def test_english_speaking_telegram_user_gets_english(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        replies = await bot.send(USER, "/start", language_code="en")
        assert "File a dispute" in server.button_labels(replies[-1])


async def test_pressed_button_is_marked_and_keyboard_removed(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        await bot.send(USER, "/lang en")
        menu = server.last_message(USER)
        await bot.press(USER, "Can the center help me?")
        pressed = next(
            m for m in server.sent_messages(USER) if m["message_id"] == menu["message_id"]
        )
        assert "➡️ Can the center help me?" in pressed["text"]
        assert server.button_data(pressed) == []


async def test_flow_survives_restart(settings: Settings, server: FakeTelegramServer) -> None:
    async with running_bot(settings, server) as bot:
        await bot.send(USER, "/lang en")
        await bot.press(USER, "File a dispute")
        first_q = server.last_message(USER)["text"]
        await bot.press(USER, "worker")
        second_q = server.last_message(USER)["text"]
        assert second_q != first_q
    # A new Application on the same database continues at the same step.
    async with running_bot(settings, server) as bot:
        replies = await bot.send(USER, "/back")
        assert first_q in texts(replies)
        replies = await bot.press(USER, "worker")
        assert second_q in texts(replies)
    db = Database(settings.database.url)
    async with db.session() as s:
        conv = (await s.execute(select(Conversation))).scalar_one()
        assert conv.flow == "dispute"
        assert "applicant_role" in conv.answers["screen"]
    await db.dispose()


async def test_repeated_update_is_handled_once(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        update = server.user_sends(USER, "/start")
        server.queue_update(dict(update))  # redelivered before it was confirmed
        await bot._wait_handled(2)
        assert len(server.sent_messages(USER)) == 1, "the repeat must not be answered again"
    db = Database(settings.database.url)
    async with db.session() as s:
        count = (await s.execute(select(func.count()).select_from(InboundUpdate))).scalar_one()
    await db.dispose()
    assert count == 1


async def test_replies_are_kept_only_until_sent(
    settings: Settings, server: FakeTelegramServer
) -> None:
    """A reply is stored with its update (encrypted) only until it was sent: while the bot
    runs, and after a normal stop, no reply is left in the database."""
    async with running_bot(settings, server) as bot:
        await bot.send(USER, "/start")
        await bot.send(USER, "/lang en")
        db = Database(settings.database.url)
        for _ in range(50):  # cleared by the next message, or within a second when idle
            async with db.session() as s:
                left = await s.scalar(select(func.count()).where(InboundUpdate.answer.is_not(None)))
            if not left:
                break
            await asyncio.sleep(0.1)
        assert left == 0
        await bot.send(USER, "/help")
    async with db.session() as s:
        stored = (await s.execute(select(InboundUpdate.answer))).scalars().all()
    await db.dispose()
    assert stored == [None, None, None]


async def test_unknown_command_and_stale_button(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        await bot.send(USER, "/lang en")
        replies = await bot.send(USER, "/frobnicate")
        assert "I don't know the command /frobnicate" in texts(replies)
        menu = server.last_message(USER)
        await bot.press(USER, "File a dispute")
        # the old menu button again, after the flow moved on
        replies = await bot._roundtrip(
            USER, lambda: server.user_presses(USER, menu, "m:file", strict=False)
        )
        assert "unfinished" not in texts(replies)


async def test_group_chatter_is_ignored_and_private_commands_redirected(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        group = -4242
        quiet = await bot.send(USER, "大家好", chat_id=group, chat_type="group")
        assert quiet == []
        replies = await bot.send(USER, "/status", chat_id=group, chat_type="group")
        assert "私聊" in texts(replies) or "private chat" in texts(replies)


async def test_voice_message_gets_a_polite_request_to_type(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        await bot.send(USER, "/lang en")
        await bot.press(USER, "File a dispute")
        question = server.last_message(USER)["text"]
        voice = {
            "message": {
                "message_id": 999,
                "date": 1700000000,
                "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "测试"},
                "voice": {"file_id": "voice-1", "file_unique_id": "v1", "duration": 4},
            }
        }
        replies = await bot._roundtrip(USER, lambda: server.queue_update(voice))
        assert "cannot listen to voice messages" in texts(replies)
        assert question in texts(replies)  # the same question again; nothing lost
