"""Playing a user against the real bot: the real BotApp, PTB Application and database,
talking to the fake Telegram Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.app import BotApp
from bot.config import Settings
from storage.models import OutboxMessage
from tests.fakes.telegram_api import FakeTelegramServer

STAFF_GROUP = -100200300


def telegram_settings(settings: Settings, server: FakeTelegramServer) -> Settings:
    settings.telegram.token = "123:TEST"
    settings.telegram.base_url = server.base_url
    settings.telegram.base_file_url = server.base_file_url
    settings.telegram.staff_chat_id = STAFF_GROUP
    settings.outbox.poll_seconds = 0.2
    return settings


class TelegramBot:
    """A running bot plus helpers that send as a user and return what the bot answered."""

    def __init__(self, server: FakeTelegramServer, app: BotApp) -> None:
        self.server = server
        self.app = app
        self.handled = 0
        self._changed = asyncio.Condition()
        channel = app.channels["telegram"]
        original = channel.on_handled  # type: ignore[attr-defined]

        def on_handled() -> None:
            if original:
                original()
            self.handled += 1
            asyncio.get_running_loop().create_task(self._notify())

        channel.on_handled = on_handled  # type: ignore[attr-defined]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait_handled(self, target: int, timeout: float = 5.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.handled >= target), timeout)

    async def _roundtrip(
        self, chat_id: int, queue: Callable[[], Any], wait: float = 5.0
    ) -> list[dict[str, Any]]:
        before = len(self.server.sent_messages(chat_id))
        target = self.handled + 1
        queue()
        await self._wait_handled(target, wait)
        return self.server.sent_messages(chat_id)[before:]

    async def send(
        self, user_id: int, text: str, *, wait: float = 5.0, **kw: Any
    ) -> list[dict[str, Any]]:
        """Send as the user and wait (up to ``wait`` seconds) until the bot has handled it."""
        chat_id = kw.get("chat_id") or user_id
        return await self._roundtrip(
            chat_id, lambda: self.server.user_sends(user_id, text, **kw), wait
        )

    async def press(
        self, user_id: int, label: str, *, chat_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Press the newest button labelled `label` (exactly, else the first containing it)."""
        chat = chat_id or user_id
        for message in reversed(self.server.sent_messages(chat)):
            pairs = list(
                zip(
                    self.server.button_labels(message),
                    self.server.button_data(message),
                    strict=False,
                )
            )
            if not pairs:
                continue
            match = next((d for lab, d in pairs if lab == label), None) or next(
                (d for lab, d in pairs if label in lab), None
            )
            if match is not None:
                return await self._roundtrip(
                    chat,
                    lambda m=message, d=match: self.server.user_presses(
                        user_id, m, d, chat_id=chat_id
                    ),
                )
        raise AssertionError(f"no button labelled {label!r} in chat {chat}")

    async def send_photo(self, user_id: int, content: bytes) -> list[dict[str, Any]]:
        return await self._roundtrip(
            user_id, lambda: self.server.user_sends_photo(user_id, content)
        )

    async def send_document(
        self, user_id: int, content: bytes, name: str, mime: str
    ) -> list[dict[str, Any]]:
        return await self._roundtrip(
            user_id, lambda: self.server.user_sends_document(user_id, content, name, mime)
        )

    async def deliver_outbox(self, timeout: float = 5.0) -> None:
        """Wait until every queued push has been delivered (or given up on)."""
        assert self.app.dispatcher is not None
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            await self.app.dispatcher.run_once()
            async with self.app.db.session() as session:
                pending = (
                    await session.execute(
                        select(func.count())
                        .select_from(OutboxMessage)
                        .where(OutboxMessage.status == "pending")
                    )
                ).scalar_one()
            if not pending:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{pending} pushes still pending")
            await asyncio.sleep(0.05)


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or m.get("caption") or "" for m in messages)


@asynccontextmanager
async def running_bot(
    settings: Settings,
    server: FakeTelegramServer,
    *,
    clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[TelegramBot]:
    app = BotApp(telegram_settings(settings, server), ["telegram"], clock=clock)
    await app.start()
    try:
        yield TelegramBot(server, app)
    finally:
        await app.stop()


async def in_group(bot: TelegramBot, user: int, text: str) -> str:
    """Send `text` as `user` in the staff work group; the bot's answer as one text."""
    return texts(await bot.send(user, text, chat_id=STAFF_GROUP, chat_type="supergroup"))
