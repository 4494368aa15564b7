"""Storage on SQLite and PostgreSQL: numbering, the outbox, drafts, redelivery."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.dispatcher import OutboxDispatcher
from handlers.conversation.messages import Reply
from storage import outbox
from storage.cases import next_case_number
from storage.db import Database, migration_heads
from storage.drafts import purge_old_drafts
from storage.models import Attachment, Conversation, Identity, OutboxMessage, Person, utcnow
from storage.people import TOUCH_EVERY, get_or_create_identity
from storage.updates import record_update


async def test_case_numbers_are_unique_across_two_processes(
    settings: Settings, db: Database
) -> None:
    other = Database(settings.database.url)  # a second engine, as a second process would have

    async def allocate(database: Database) -> str:
        async with database.session() as session:
            return await next_case_number(session, "LJ", 2026)

    numbers = await asyncio.gather(*(allocate(db if i % 2 else other) for i in range(40)))
    await other.dispose()
    assert len(set(numbers)) == 40
    assert sorted(numbers)[0] == "LJ-2026-000001"
    assert sorted(numbers)[-1] == "LJ-2026-000040"
    async with db.session() as session:
        assert await next_case_number(session, "LJ", 2027) == "LJ-2027-000001"


async def test_update_ids_are_recorded_once(db: Database) -> None:
    async with db.session() as session:
        assert await record_update(session, "telegram", "42")
        assert not await record_update(session, "telegram", "42")
        assert await record_update(session, "wechat", "42")


@pytest.mark.empty_database  # the first start (the db fixture) creates the schema
async def test_migrations_are_idempotent(db: Database) -> None:
    await db.upgrade()  # a second start applies nothing and fails on nothing


class FlakyChannel:
    name = "telegram"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[tuple[str, str]] = []

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def deliver(self, chat_id: str, replies: list[Reply]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("network down")
        self.sent += [(chat_id, r.text) for r in replies]


async def test_outbox_retries_with_backoff_and_delivers_once(db: Database) -> None:
    async with db.session() as session:
        for _ in range(2):  # the same change queued twice: one row (idempotency key)
            await outbox.enqueue(
                session,
                key="case:1:new",
                channel="telegram",
                chat_id="9",
                payload={"replies": [Reply("hello").to_dict()]},
            )
    channel = FlakyChannel(failures=1)
    dispatcher = OutboxDispatcher(db, {"telegram": channel})
    assert await dispatcher.run_once() == 0  # fails, scheduled for later
    assert await dispatcher.run_once() == 0  # not due yet: backoff
    async with db.session() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        assert row.attempts == 1 and "network down" in row.last_error
        row.next_attempt_at = utcnow() - timedelta(seconds=1)  # time passes
    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0
    assert channel.sent == [("9", "hello")]


async def test_outbox_gives_up_after_max_attempts(db: Database) -> None:
    async with db.session() as session:
        await outbox.enqueue(
            session, key="k", channel="nowhere", chat_id="1", payload={"replies": []}
        )
    dispatcher = OutboxDispatcher(db, {}, max_attempts=2)
    for _ in range(2):
        await dispatcher.run_once()
        async with db.session() as session:
            row = (await session.execute(select(OutboxMessage))).scalar_one()
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
    async with db.session() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
    assert row.status == "failed" and row.attempts == 2


async def test_two_dispatchers_never_send_the_same_push(settings: Settings, db: Database) -> None:
    async with db.session() as session:
        for i in range(30):
            await outbox.enqueue(
                session,
                key=f"k{i}",
                channel="telegram",
                chat_id=str(i),
                payload={"replies": [Reply(f"m{i}").to_dict()]},
            )
    other = Database(settings.database.url)
    a, b = FlakyChannel(0), FlakyChannel(0)
    await asyncio.gather(
        OutboxDispatcher(db, {"telegram": a}).run_once(),
        OutboxDispatcher(other, {"telegram": b}).run_once(),
    )
    await OutboxDispatcher(db, {"telegram": a}).run_once()
    await OutboxDispatcher(db, {"telegram": a}).run_once()
    await other.dispose()
    sent = a.sent + b.sent
    assert len(sent) == 30 and len(set(sent)) == 30


async def test_old_drafts_are_purged_with_their_files(
    settings: Settings, db: Database, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    evidence = tmp_path / "evidence.jpg"
    evidence.write_bytes(b"photo")
    async with db.session() as session:
        person = Person()
        session.add(person)
        await session.flush()
        old = Conversation(
            channel="telegram",
            chat_id="1",
            person_id=person.id,
            flow="dispute",
            step="facts",
            answers={"applicant_name": "x"},
            history=[],
            updated_at=utcnow() - timedelta(days=40),
        )
        fresh = Conversation(
            channel="telegram",
            chat_id="2",
            person_id=person.id,
            flow="dispute",
            step="facts",
            answers={"applicant_name": "y"},
            history=[],
        )
        session.add_all([old, fresh])
        await session.flush()
        session.add(
            Attachment(
                conversation_id=old.id,
                person_id=person.id,
                kind="photo",
                size=5,
                sha256="a" * 64,
                path=str(evidence),
            )
        )
    assert await purge_old_drafts(db, timedelta(days=30)) == 1
    async with db.session() as session:
        convs = {c.chat_id: c for c in (await session.execute(select(Conversation))).scalars()}
        assert convs["1"].flow is None and convs["1"].answers == {}
        assert convs["2"].flow == "dispute"
        assert (
            await session.execute(select(func.count()).select_from(Attachment))
        ).scalar_one() == 0
    assert not evidence.exists()


class CrashingChannel(FlakyChannel):
    """Delivers `crash_after` messages, then the process dies in the middle of the next."""

    def __init__(self, crash_after: int) -> None:
        super().__init__(0)
        self.crash_after = crash_after

    async def deliver(self, chat_id: str, replies: list[Reply]) -> None:
        if len(self.sent) >= self.crash_after:
            raise asyncio.CancelledError  # kill -9 in the middle of delivery
        await super().deliver(chat_id, replies)


async def test_restart_in_the_middle_of_delivery(settings: Settings, db: Database) -> None:
    async with db.session() as session:
        for i in range(5):
            await outbox.enqueue(
                session,
                key=f"k{i}",
                channel="telegram",
                chat_id=str(i),
                payload={"replies": [Reply(f"m{i}").to_dict()]},
            )
    crashing = CrashingChannel(crash_after=2)
    with contextlib.suppress(asyncio.CancelledError):
        await OutboxDispatcher(db, {"telegram": crashing}).run_once()
    assert [c for c, _ in crashing.sent] == ["0", "1"]
    # The new process waits for the dead one's lease to run out, then delivers the rest.
    restarted = FlakyChannel(0)
    assert await OutboxDispatcher(db, {"telegram": restarted}).run_once() == 0
    async with db.session() as session:
        for row in (await session.execute(select(OutboxMessage))).scalars():
            if row.locked_until is not None:
                row.locked_until = utcnow() - timedelta(seconds=1)
    assert await OutboxDispatcher(db, {"telegram": restarted}).run_once() == 3
    assert [c for c, _ in restarted.sent] == ["2", "3", "4"]  # nothing delivered twice


async def test_a_queued_push_wakes_the_dispatcher_and_nothing_else_does(db: Database) -> None:
    """The dispatcher polls rarely; a transaction that queued a push sends it at once."""
    channel = FlakyChannel(failures=0)
    dispatcher = OutboxDispatcher(db, {"telegram": channel}, poll_seconds=60)
    wakes: list[int] = []
    db.on_outbox = lambda: (wakes.append(1), dispatcher.wake())  # as the running bot does
    dispatcher.start()
    try:
        await asyncio.sleep(0.1)  # its first pass found nothing; it now waits up to 60 s
        async with db.session() as session:
            await record_update(session, "telegram", "u1")  # a message that queues nothing
        assert wakes == []
        async with db.session() as session:
            await outbox.enqueue(
                session,
                key="case:1:accepted",
                channel="telegram",
                chat_id="7",
                payload={"replies": [Reply("accepted").to_dict()]},
            )
        assert wakes == [1]
        async with asyncio.timeout(5):
            while not channel.sent:
                await asyncio.sleep(0.02)
        assert channel.sent == [("7", "accepted")]
        with contextlib.suppress(RuntimeError):  # a rolled-back push wakes nobody
            async with db.session() as session:
                await outbox.enqueue(
                    session, key="k2", channel="telegram", chat_id="7", payload={"replies": []}
                )
                raise RuntimeError("handler failed")
        assert wakes == [1]
    finally:
        await dispatcher.stop()


async def test_last_seen_is_written_at_most_once_a_minute(db: Database) -> None:
    """A message does not rewrite the identity row each time; after a minute it does, and
    it always restarts WeChat's push count."""
    async with db.session() as session:
        identity, _ = await get_or_create_identity(session, "wechat", "o1", "o1")
        first_seen = identity.last_seen_at
    async with db.session() as session:
        identity, person = await get_or_create_identity(session, "wechat", "o1", "o1")
        assert identity.last_seen_at == first_seen and person.id == identity.person_id
        identity.window_pushes = 3  # pushes went out since
    async with db.session() as session:
        identity, _ = await get_or_create_identity(session, "wechat", "o1", "o1")
        assert identity.window_pushes == 0
        identity.last_seen_at = utcnow() - TOUCH_EVERY  # a minute passes
    async with db.session() as session:
        identity, _ = await get_or_create_identity(session, "wechat", "o1", "o1")
    async with db.session() as session:
        stored = await session.get(Identity, identity.id)
        assert stored is not None and stored.window_pushes == 0
        assert utcnow() - stored.last_seen_at < timedelta(seconds=5)


def test_migrations_form_one_chain() -> None:
    """Migrations written on parallel branches must be chained before they land: an upgrade
    to "head" fails on a database when there are two heads."""
    assert len(migration_heads()) == 1, migration_heads()
