"""Answers between the handling transaction and the platform.

The core stores a message's replies with its update record (storage/updates.py). When the
channel reports them sent, they are cleared by the next message's transaction (one more
statement there, no transaction of their own: on SQLite every transaction takes the one
write lock), or after IDLE_CLEAR_SECONDS in one transaction of their own when no message
comes; the reply itself waits for nothing. A redelivery of the update finds them only when the
process died before that, and sends them then.

What this gives (SECURITY.md, "Replies"): killed after the commit and before the reply
left, the reply is sent once when the platform delivers the update again. Killed while the
reply was on its way (or before the clearing committed), it is sent again: the bot cannot
know whether the platform received it. A redelivery sends a stored answer only when the
process that stored it is gone (`owner_alive`): a duplicate that reaches a second instance
while the first is still sending is not answered twice. A platform that will not deliver
the update again (WeChat after "success", Telegram once the update was confirmed) gets the
reply as a push:
answers unsent after `outbox.unsent_reply_seconds` go to the outbox (`push_unsent`, run by
every instance's housekeeping).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from handlers.conversation.messages import Answer, Inbound, Reply
from storage import outbox
from storage.db import Database
from storage.models import utcnow
from storage.updates import clear_answers, unsent_answers

log = logging.getLogger(__name__)

#: Owners alive in this Python process (tests run several bots in one); other processes
#: show they live by holding a PostgreSQL advisory lock on their owner number.
_LIVE: set[int] = set()
_LOCKS = 724202  # the advisory lock namespace of answer owners (724201: migrations)
IN_HAND_SECONDS = 120.0  # how long this process assumes a reply it returned is being sent
IDLE_CLEAR_SECONDS = 0.5  # sent answers wait this long for a message's transaction to clear them
RETRY_SECONDS = 1.0


class _Receipt:
    def __init__(self, answers: SentAnswers, key: tuple[str, str], update_id: int) -> None:
        self.answers = answers
        self.key = key
        self.update_id = update_id

    def sent(self) -> None:
        self.answers._clear_soon(self.update_id, self.key)

    async def handed_over(self, session: Any) -> None:
        self.answers._release(self.key)
        await clear_answers(session, [self.update_id])


class SentAnswers:
    """Tracks the answers this process returned and clears those sent."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._in_hand: dict[tuple[str, str], asyncio.TimerHandle | None] = {}
        self._to_clear: dict[int, tuple[str, str]] = {}  # sent, to clear: id -> update key
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.owner = secrets.randbelow(2**31 - 2) + 1
        _LIVE.add(self.owner)
        self._lock_engine: AsyncEngine | None = None
        self._lock_conn: AsyncConnection | None = None

    async def start(self) -> None:
        """On PostgreSQL, hold this owner's advisory lock on a connection of its own for as
        long as the process lives: when the process dies, the server releases it."""
        if self.db.dialect != "postgresql" or self._lock_conn is not None:
            return
        self._lock_engine = create_async_engine(self.db.url, poolclass=NullPool)
        self._lock_conn = await self._lock_engine.connect()
        await self._lock_conn.execute(
            text("SELECT pg_advisory_lock(:ns, :owner)"), {"ns": _LOCKS, "owner": self.owner}
        )
        await self._lock_conn.commit()

    async def owner_alive(self, session: Any, owner: int | None) -> bool:
        """Whether the process that stored an answer still runs (and so is sending it)."""
        if owner is None:
            return False
        if owner in _LIVE:
            return True
        if self.db.dialect != "postgresql":
            return False  # one process per SQLite file: the owner was an earlier run
        conn = await session.connection()
        got = await conn.execute(
            text("SELECT pg_try_advisory_xact_lock(:ns, :owner)"), {"ns": _LOCKS, "owner": owner}
        )
        return not got.scalar()

    def answer(self, inbound: Inbound, update_id: int, replies: list[Reply]) -> Answer:
        """`replies` with a receipt; the update counts as in hand until it is used."""
        if not replies:
            return Answer()
        key = (inbound.channel, inbound.update_key)
        try:
            timer = asyncio.get_running_loop().call_later(
                IN_HAND_SECONDS, self._in_hand.pop, key, None
            )
        except RuntimeError:
            timer = None
        self._release(key)
        self._in_hand[key] = timer
        return Answer(replies, _Receipt(self, key, update_id))

    def in_hand(self, inbound: Inbound) -> bool:
        """This process returned the update's replies and they are being sent, or were sent
        and not yet cleared (a redelivery now must not send them a second time)."""
        return (inbound.channel, inbound.update_key) in self._in_hand

    def _release(self, key: tuple[str, str]) -> None:
        timer = self._in_hand.pop(key, None)
        if timer is not None:
            timer.cancel()

    def take(self) -> dict[int, tuple[str, str]]:
        """The sent answers to clear in the caller's transaction: `cleared` once it committed,
        `give_back` if it failed."""
        batch, self._to_clear = self._to_clear, {}
        return batch

    def give_back(self, batch: dict[int, tuple[str, str]]) -> None:
        if batch:
            self._to_clear.update(batch)
            self._arm()

    def cleared(self, batch: dict[int, tuple[str, str]]) -> None:
        for key in batch.values():
            self._release(key)

    def _clear_soon(self, update_id: int, key: tuple[str, str]) -> None:
        self._to_clear[update_id] = key
        self._arm()

    def _arm(self) -> None:
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(IDLE_CLEAR_SECONDS, self._idle)

    def _idle(self) -> None:
        """No message's transaction took them: clear them in a transaction of their own."""
        self._timer = None
        if self._to_clear and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._clear_all())

    async def _clear_all(self) -> None:
        """Clear what is queued, one transaction for all that came in meanwhile."""
        failures = 0
        while self._to_clear:
            batch = self.take()
            try:
                async with self.db.session() as session:
                    await clear_answers(session, batch)
                failures = 0
                self.cleared(batch)
            except Exception as exc:  # the database away: keep them, try again
                self._to_clear.update(batch)
                failures += 1
                log.warning("could not clear %d sent answers (%r); retrying", len(batch), exc)
                await asyncio.sleep(min(RETRY_SECONDS * failures, 30.0))

    async def push_unsent(self, older_than_seconds: float) -> int:
        """Queue as pushes the answers stored longer ago than that and never reported sent
        (their process died, or their send failed). Returns how many."""
        cutoff = utcnow() - timedelta(seconds=older_than_seconds)
        async with self.db.session() as session:
            pushed = []
            for update_id, channel, key, chat_id, replies in await unsent_answers(session, cutoff):
                if (channel, key) in self._in_hand:
                    continue  # this process is still at it
                await outbox.enqueue(
                    session,
                    key=f"answer:{channel}:{key}",
                    channel=channel,
                    chat_id=chat_id,
                    payload={"replies": replies},
                )
                pushed.append(update_id)
            await clear_answers(session, pushed)
        if pushed:
            log.warning(
                "%d answers left unsent by a stopped process: queued as pushes", len(pushed)
            )
        return len(pushed)

    async def close(self) -> None:
        """Clear what is still queued (at shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._to_clear and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._clear_all())
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=10)
            except (TimeoutError, Exception):
                log.warning("%d sent answers not cleared at shutdown", len(self._to_clear))
        for timer in self._in_hand.values():
            if timer is not None:
                timer.cancel()
        _LIVE.discard(self.owner)
        if self._lock_conn is not None:
            await self._lock_conn.close()
            self._lock_conn = None
        if self._lock_engine is not None:
            await self._lock_engine.dispose()
            self._lock_engine = None
