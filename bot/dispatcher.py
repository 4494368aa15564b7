"""Delivers outbox messages through their channels, with retries and backoff.

At least once (storage/outbox.py): rows are leased, the lease is renewed while this process
is at them, and a push of several replies is recorded reply by reply on channels that send
each reply as its own messages, so only the message in flight when a process dies can
arrive twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

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
        self._process = uuid.uuid4().hex[:16]  # lease owners: this process, then the pass
        self._passes = itertools.count(1)

    def wake(self) -> None:
        """Deliver now instead of at the next poll (called after a handler queued pushes)."""
        self._wake.set()

    async def run_once(self) -> int:
        """Deliver what is due; returns how many were delivered."""
        owner = f"{self._process}:{next(self._passes)}"
        async with self.db.session() as session:
            rows = await outbox.claim_due(session, owner, lease=self.lease)
            batch = [(r.id, r.channel, r.chat_id, r.payload, r.sent_parts) for r in rows]
        if not batch:
            return 0
        held = [msg_id for msg_id, *_ in batch]
        keeper = asyncio.create_task(self._keep_leases(held, owner))
        delivered = 0
        try:
            for msg_id, channel_name, chat_id, payload, sent_parts in batch:
                if await self._deliver(owner, msg_id, channel_name, chat_id, payload, sent_parts):
                    delivered += 1
                held.remove(msg_id)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        return delivered

    async def _keep_leases(self, held: list[int], owner: str) -> None:
        """Renew the leases of the rows of this pass not yet done, every third of a lease,
        so a slow delivery (flood control, a large file) is never taken over while alive."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            if not held:
                continue
            try:
                async with self.db.session() as session:
                    await outbox.renew(session, list(held), owner, self.lease)
            except Exception as exc:
                log.warning("could not renew outbox leases: %r", exc)

    async def _deliver(
        self,
        owner: str,
        msg_id: int,
        channel_name: str,
        chat_id: str,
        payload: dict[str, Any],
        sent_parts: int,
    ) -> bool:
        channel = self.channels.get(channel_name)
        try:
            if channel is None:
                raise RuntimeError(f"channel {channel_name!r} is not running")
            replies = [Reply.from_dict(r) for r in payload.get("replies", [])]
            if getattr(channel, "sends_each_reply_alone", False) and len(replies) > 1:
                route = None
                for n in range(sent_parts, len(replies)):
                    route = await channel.deliver(chat_id, [replies[n]])
                    if n + 1 < len(replies) and not await self._progress(owner, msg_id, n + 1):
                        log.warning("outbox %s: lease lost after %d replies", msg_id, n + 1)
                        return False
            else:
                route = await channel.deliver(chat_id, replies)
        except DeliveryHeld as exc:
            log.info("outbox %s to %s:%s held: %s", msg_id, channel_name, chat_id, exc)
            async with self.db.session() as session:
                await outbox.mark_held(session, msg_id, str(exc), owner)
            return False
        except Exception as exc:  # any failure is retried later
            log.warning("outbox %s to %s:%s failed: %s", msg_id, channel_name, chat_id, exc)
            metrics.DELIVERY_FAILURES.labels(channel_name).inc()
            async with self.db.session() as session:
                await outbox.mark_failed(
                    session, msg_id, repr(exc), max_attempts=self.max_attempts, owner=owner
                )
            return False
        async with self.db.session() as session:
            await outbox.mark_delivered(session, msg_id, route, owner)
        return True

    async def _progress(self, owner: str, msg_id: int, sent: int) -> bool:
        async with self.db.session() as session:
            return await outbox.mark_progress(session, msg_id, owner, sent, self.lease)

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
