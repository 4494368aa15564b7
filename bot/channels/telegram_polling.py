"""Long polling that confirms updates to Telegram only after they were handled.

PTB's Updater confirms a batch (by asking for the next offset) as soon as it has queued it,
so a bot killed while handling loses those updates: Telegram never sends them again. Here a
batch is handled first, then confirmed; a crash before that gets the batch again after the
restart, and updates that were committed already are recognised and ignored by the core.
Updates still in hand after PATIENCE seconds (a stuck database) are confirmed anyway, so
that the other chats are not held up behind them. An update the library cannot parse is
skipped and confirmed with the rest (see telegram_updates), so it cannot stop polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any, TypeAlias

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.channels.telegram_updates import parse_update, update_id_of

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
READ_MARGIN = 5.0  # seconds a long poll's answer may take beyond its timeout
#: PTB's Application with its six type parameters (bot, context, user/chat/bot data, job
#: queue) left open: the channel uses none of them.
AnyApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]

PATIENCE = 30.0  # a batch still in hand after this is confirmed anyway, so others get through


class ConfirmingPoller:
    """Fetches updates, handles a batch (chats concurrently), then asks for the next offset."""

    def __init__(
        self,
        app: AnyApplication,
        *,
        timeout: int = 10,
        allowed_updates: Sequence[str] = ("message", "callback_query"),
        patience: float = PATIENCE,
    ) -> None:
        self.app = app
        self.timeout = timeout
        self.patience = patience
        self.allowed_updates = list(allowed_updates)
        self.offset = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._handling = False
        self._stragglers: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="telegram-polling")

    async def stop(self) -> None:
        """Finish the batch in hand (a long poll is just abandoned), then confirm it."""
        self._stopping = True
        if self._task is not None:
            if not self._handling:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._stragglers:
            await asyncio.wait(self._stragglers)
        if self.offset:
            with contextlib.suppress(TelegramError):
                await self._fetch(timeout=0)

    async def _loop(self) -> None:
        backoff = 1.0
        webhook_cleared = False
        while not self._stopping:
            try:
                if not webhook_cleared:  # getUpdates is refused while a webhook is set
                    await self.app.bot.delete_webhook()
                    webhook_cleared = True
                batch = await self._fetch(timeout=self.timeout)
            except Exception as exc:  # network trouble, flood control, a conflict...
                log.warning("getUpdates failed (%r); retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            ids = [i for i in map(update_id_of, batch) if i is not None]
            if not ids:
                continue
            updates = [u for u in (parse_update(d, self.app.bot) for d in batch) if u is not None]
            if updates:
                self._handling = True
                try:
                    await self._handle(updates)
                finally:
                    self._handling = False
            self.offset = max(ids) + 1  # confirms the handled ones and any skipped ones

    async def _fetch(self, *, timeout: int) -> list[Any]:
        """One getUpdates call, its answer unparsed (Bot.get_updates parses the batch as one
        and, when that fails, logs it whole)."""
        batch = await self.app.bot._post(
            "getUpdates",
            {
                "offset": self.offset,
                "timeout": timeout,
                "allowed_updates": self.allowed_updates,
            },
            read_timeout=timeout + READ_MARGIN,
        )
        return batch if isinstance(batch, list) else []

    async def _handle(self, updates: Sequence[Update]) -> None:
        """Handle a batch, different chats concurrently (one chat's in order)."""
        tasks = {asyncio.create_task(self._process(u)) for u in updates}
        _, pending = await asyncio.wait(tasks, timeout=self.patience)
        if pending:  # e.g. the database is stuck: do not hold up every other chat for them
            log.warning("%d updates still in hand after %.0f s", len(pending), self.patience)
            self._stragglers |= pending
            for task in pending:
                task.add_done_callback(self._stragglers.discard)

    async def _process(self, update: Update) -> None:
        try:
            await process_now(self.app, update)
        except Exception:  # confirmed anyway: never loop on one update
            log.exception("update %s failed", update.update_id)


async def process_now(app: AnyApplication, update: object) -> None:
    """Handle one update through the application's (per-chat) update processor."""
    await app.update_processor.process_update(update, app.process_update(update))
