"""Delivers outbox messages through their channels, with retries and backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import timedelta

from bot import metrics
from bot.channels.base import Channel, DeliveryHeld
from handlers.conversation.messages import Reply
from storage import outbox
from storage.db import Database

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0  # seconds between passes while they keep failing


class OutboxDispatcher:
    """Polls the outbox; rows are leased so two processes never send the same one at once."""

    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],
        *,
        poll_seconds: float = 2.0,
        max_attempts: int = 8,
        lease_seconds: float = outbox.LEASE.total_seconds(),
    ) -> None:
        self.db = db
        self.channels = channels
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.lease = timedelta(seconds=lease_seconds)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        """Deliver now instead of at the next poll (called after a handler queued pushes)."""
        self._wake.set()

    async def run_once(self) -> int:
        """Deliver what is due; returns how many were delivered."""
        async with self.db.session() as session:
            rows = await outbox.claim_due(session, lease=self.lease)
            batch = [(r.id, r.channel, r.chat_id, r.payload) for r in rows]
        delivered = 0
        for msg_id, channel_name, chat_id, payload in batch:
            channel = self.channels.get(channel_name)
            try:
                if channel is None:
                    raise RuntimeError(f"channel {channel_name!r} is not running")
                replies = [Reply.from_dict(r) for r in payload.get("replies", [])]
                route = await channel.deliver(chat_id, replies)
            except DeliveryHeld as exc:
                log.info("outbox %s to %s:%s held: %s", msg_id, channel_name, chat_id, exc)
                async with self.db.session() as session:
                    await outbox.mark_held(session, msg_id, str(exc))
                continue
            except Exception as exc:  # any failure is retried later
                log.warning("outbox %s to %s:%s failed: %s", msg_id, channel_name, chat_id, exc)
                metrics.DELIVERY_FAILURES.labels(channel_name).inc()
                async with self.db.session() as session:
                    await outbox.mark_failed(
                        session, msg_id, repr(exc), max_attempts=self.max_attempts
                    )
                continue
            async with self.db.session() as session:
                await outbox.mark_delivered(session, msg_id, route)
            delivered += 1
        return delivered

    async def _loop(self) -> None:
        failures = 0  # passes failed in a row (the database away): wait longer, log less
        while not self._stopping:
            try:
                await self.run_once()
                if failures:
                    log.info("outbox dispatcher works again after %d failed passes", failures)
                failures = 0
            except Exception as exc:
                failures += 1
                if failures == 1:
                    log.exception("outbox dispatcher pass failed; retrying")
                else:
                    log.warning("outbox dispatcher pass %d failed: %r", failures, exc)
            delay = self.poll_seconds
            if failures:
                delay = max(delay, min(delay * 2 ** min(failures, 10), MAX_BACKOFF))
            with contextlib.suppress(TimeoutError):  # woken at once after a handled message
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="outbox-dispatcher")

    async def stop(self) -> None:
        """Finish the pass in progress (never cut a delivery in half), then stop."""
        self._stopping = True
        self._wake.set()
        if self._task:
            await self._task
            self._task = None
