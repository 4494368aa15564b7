"""Session reminders, video links, moved and cancelled sessions (issue 23.1), run from the
Telegram work group with a clock the test sets: both parties and the mediator hear each
reminder once, in their own chats, never in quiet hours."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from handlers.app import Core
from handlers.staff import digest, reminders
from storage.db import Database
from storage.models import (
    Case,
    CaseEvent,
    Identity,
    OutboxMessage,
    Person,
    SessionReminder,
    Staff,
)
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, TelegramBot, running_bot, texts
from tests.harness import in_group as group

ADMIN = 9100
MEDIATOR = 9200
WORKER = 7001
EMPLOYER = 7002
T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
LINK = re.compile(r"https://meet\.example\.org/(LJ-\d{4}-\d{6})-([\w-]+)")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026, Shanghai time, as UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


async def seed(
    db: Database,
    cases: list[dict[str, Any]],
    *,
    parties: tuple[tuple[str, str], ...] = (("telegram", str(WORKER)), ("telegram", str(EMPLOYER))),
    last_seen: datetime | None = None,
) -> list[int]:
    """Two parties (worker and employer, English), the mediator 王调解, and the cases given
    (state "assigned" to 王调解 unless said otherwise). Returns the cases' ids."""
    async with db.session() as s:
        people = []
        for channel, external in parties:
            person = Person(locale="en")
            s.add(person)
            await s.flush()
            s.add(
                Identity(
                    person_id=person.id,
                    channel=channel,
                    external_id=external,
                    chat_id=external,
                    **({"last_seen_at": last_seen} if last_seen else {}),
                )
            )
            people.append(person.id)
        mediator = (
            await s.execute(select(Staff).where(Staff.member == f"telegram:{MEDIATOR}"))
        ).scalar_one_or_none()
        if mediator is None:
            mediator = Staff(member=f"telegram:{MEDIATOR}", role="mediator", name="王调解")
            s.add(mediator)
            await s.flush()
        ids = []
        for values in cases:
            case = Case(
                **{
                    "state": "assigned",
                    "mediator_id": mediator.id,
                    "applicant_person_id": people[0],
                    "respondent_person_id": people[1],
                    "applicant_name": "张测试",
                    "applicant_phone": "13912345678",
                    "respondent_name": "示例制造有限公司",
                    "categories": ["pay"],
                    "submitted_at": T0 - timedelta(days=5),
                    "accepted_at": T0 - timedelta(days=4),
                    "due_at": T0 + timedelta(days=11),
                    **values,
                }
            )
            s.add(case)
            await s.flush()
            ids.append(case.id)
    return ids


def reminders_to(server: FakeTelegramServer, chat: int) -> list[str]:
    return [
        m.get("text") or ""
        for m in server.sent_messages(chat)
        if (m.get("text") or "").startswith("Reminder:")
    ]


async def tick_at(bot: TelegramBot, when: datetime, clock: Clock) -> None:
    """The minute timer at `when`, then every push delivered."""
    clock.now = when
    await digest.tick(bot.app.core, when)
    await bot.deliver_outbox()


async def english(bot: TelegramBot) -> None:
    """Staff read English in these tests (the parties were seeded English)."""
    for member in (ADMIN, MEDIATOR):
        await bot.send(member, "/lang en")


def configure(settings: Settings) -> None:
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.default_locale = "en"
    settings.center.meeting_link_template = "https://meet.example.org/{case}-{token}"
    settings.center.session_reminder_time = "18:00"
    settings.followup.quiet_start, settings.followup.quiet_end = "21:00", "08:00"


async def test_reminders_once_each_never_in_quiet_hours_with_the_link_only_in_private(
    settings: Settings, db: Database, server: FakeTelegramServer
) -> None:
    configure(settings)
    await seed(
        db,
        [
            {"number": "LJ-2026-000001"},
            {"number": "LJ-2026-000002"},
            {"number": "LJ-2026-000003"},
        ],
    )
    clock = Clock(T0)
    async with running_bot(settings, server, clock=clock) as bot:
        await english(bot)
        one = await group(bot, MEDIATOR, "/schedule 1 2026-12-09 10:00 video")
        assert "LJ-2026-000001" in one and "meet.example.org" not in one
        await group(bot, MEDIATOR, "/schedule 2 2026-12-10 08:30 video")  # an hour before: quiet
        await group(bot, MEDIATOR, "/schedule 3 2026-12-10 07:00 调解室一")  # inside quiet hours
        await bot.deliver_outbox()
        links = LINK.findall(texts(server.sent_messages(WORKER)))
        assert {case for case, _ in links} == {"LJ-2026-000001", "LJ-2026-000002"}
        tokens = {token for _, token in links}
        assert len(tokens) == 2 and all(len(tok) >= 22 for tok in tokens)  # 128 bits each

        await tick_at(bot, local(8, 17, 59), clock)
        assert reminders_to(server, WORKER) == []
        await tick_at(bot, local(8, 18, 0), clock)  # the day before, at 18:00
        for chat in (WORKER, EMPLOYER, MEDIATOR):
            got = reminders_to(server, chat)
            assert len(got) == 1 and "LJ-2026-000001" in got[0] and "tomorrow" in got[0], got
            assert LINK.search(got[0]), got  # the link, in this person's private chat
        await tick_at(bot, local(8, 18, 1), clock)
        await tick_at(bot, local(8, 22, 0), clock)
        assert len(reminders_to(server, WORKER)) == 1

    async with running_bot(settings, server, clock=clock) as bot:  # a restart
        await tick_at(bot, local(8, 18, 5), clock)
        assert len(reminders_to(server, WORKER)) == 1
        for minute in range(0, 60, 15):  # 07:00-07:45 on the 9th: quiet hours
            await tick_at(bot, local(9, 7, minute), clock)
        assert len(reminders_to(server, WORKER)) == 1
        await tick_at(bot, local(9, 9, 0), clock)  # an hour before case 1
        got = reminders_to(server, WORKER)
        assert len(got) == 2 and "in an hour" in got[1] and "LJ-2026-000001" in got[1]
        await tick_at(bot, local(9, 18, 0), clock)  # the day before cases 2 and 3
        assert len(reminders_to(server, WORKER)) == 4
        for minute in (0, 30, 59):  # case 2's hour-before reminder is due at 07:30: quiet
            await tick_at(bot, local(10, 7, minute), clock)
        assert len(reminders_to(server, WORKER)) == 4
        await tick_at(bot, local(10, 8, 0), clock)  # quiet hours end, the session is at 08:30
        got = reminders_to(server, WORKER)
        assert len(got) == 5 and "LJ-2026-000002" in got[4] and "in an hour" in got[4]
        await tick_at(bot, local(10, 9, 0), clock)

        for chat in (WORKER, EMPLOYER, MEDIATOR):  # 2 + 2 + 1 (case 3's came too late)
            assert len(reminders_to(server, chat)) == 5
        in_group = texts(server.sent_messages(STAFF_GROUP))
        assert "meet.example.org" not in in_group and "Reminder:" not in in_group
        history = await group(bot, ADMIN, "/case 1")
        assert "by video" in history and "meet.example.org" not in history

    async with db.session() as s:
        rows = (await s.execute(select(SessionReminder).order_by(SessionReminder.id))).scalars()
        status = [(r.case_id, r.kind, r.status) for r in rows]
    assert status == [
        (1, "day_before", "sent"),
        (1, "hour_before", "sent"),
        (2, "day_before", "sent"),
        (2, "hour_before", "sent"),
        (3, "day_before", "sent"),
        (3, "hour_before", "skipped"),  # due at 06:00 (quiet), the session began at 07:00
    ]


async def test_moved_and_cancelled_sessions_are_announced_to_all(
    settings: Settings, db: Database, server: FakeTelegramServer
) -> None:
    configure(settings)
    await seed(db, [{"number": "LJ-2026-000001"}])
    clock = Clock(T0)
    async with running_bot(settings, server, clock=clock) as bot:
        await english(bot)
        await group(bot, MEDIATOR, "/schedule 1 2026-12-09 10:00 调解室一")
        await bot.deliver_outbox()
        assert "调解室一" not in texts(server.sent_messages(MEDIATOR))  # they set it themselves
        moved = await group(bot, MEDIATOR, "/reschedule 1 2026-12-11 15:00")
        assert "moved to" in moved and "Told through the bot" in moved
        await bot.deliver_outbox()
        for chat in (WORKER, EMPLOYER, MEDIATOR):
            last = texts(server.sent_messages(chat)[-1:])
            assert "has moved from" in last and "调解室一" in last, last
        await tick_at(bot, local(8, 18, 0), clock)  # the old day-before time: nothing
        assert reminders_to(server, WORKER) == []
        await tick_at(bot, local(10, 18, 0), clock)
        assert len(reminders_to(server, EMPLOYER)) == 1

        cancelled = await group(bot, MEDIATOR, "/cancel_session 1 调解员生病")
        assert "cancelled" in cancelled
        await bot.deliver_outbox()
        for chat in (WORKER, EMPLOYER, MEDIATOR):
            last = texts(server.sent_messages(chat)[-1:])
            assert "has been cancelled" in last and "调解员生病" in last, last
        await tick_at(bot, local(11, 14, 0), clock)  # the hour-before time: nothing
        assert len(reminders_to(server, WORKER)) == 1

        # bad input: polite, and nothing changes
        again = await group(bot, MEDIATOR, "/cancel_session 1")
        assert "has no session to change" in again
        assert "No case 99" in await group(bot, MEDIATOR, "/reschedule 99 2026-12-12 10:00")
        assert "Usage" in await group(bot, MEDIATOR, "/reschedule 1 tomorrow")
        await group(bot, ADMIN, "/schedule 1 2026-12-12 10:00 调解室二")  # set by the desk
        await bot.deliver_outbox()
        assert "调解室二" in texts(server.sent_messages(MEDIATOR)[-1:])  # the mediator is told
        bad = await group(bot, MEDIATOR, "/reschedule 1 2026-12-40 10:00")
        assert "no such date" in bad
        past = await group(bot, MEDIATOR, "/reschedule 1 2026-12-01 10:00")
        assert "in the past" in past
        history = await group(bot, ADMIN, "/case 1")
        assert "session moved" in history and "session cancelled" in history

    async with db.session() as s:
        case = await s.get(Case, 1)
        events = (await s.execute(select(CaseEvent.action))).scalars().all()
    assert case is not None and case.session_place == "调解室二"
    assert events.count("session_cancelled") == 1


async def test_two_timers_at_the_same_moment_queue_each_reminder_once(
    settings: Settings, db: Database
) -> None:
    """Two processes' minute timers on one database at once (and again): one push per person."""
    configure(settings)
    session_at = local(9, 10, 0)
    await seed(
        db, [{"number": "LJ-2026-000001", "state": "in_mediation", "session_at": session_at}]
    )
    async with db.session() as s:
        case = await s.get(Case, 1)
        assert case is not None
        assert await reminders.plan(s, settings, case, T0) == 2
    other = Database(settings.database.url)
    try:
        cores = [Core(settings, db), Core(settings, other)]
        for when in (local(8, 18, 0), local(8, 18, 1), local(9, 9, 0)):
            await asyncio.gather(*(digest.tick(core, when) for core in cores))
    finally:
        await other.dispose()
    async with db.session() as s:
        keys = (await s.execute(select(OutboxMessage.idempotency_key))).scalars().all()
    reminder_keys = [k for k in keys if ":remind:" in k]
    assert len(reminder_keys) == len(set(reminder_keys)) == 6  # 2 reminders x 3 people


async def test_a_session_moved_away_and_back_is_reminded_again(
    settings: Settings, db: Database
) -> None:
    configure(settings)
    first, other = local(9, 10, 0), local(11, 15, 0)
    await seed(db, [{"number": "LJ-2026-000001", "state": "in_mediation", "session_at": first}])
    async with db.session() as s:
        case = await s.get(Case, 1)
        assert case is not None
        for when in (first, other, first):  # /reschedule there and back
            case.session_at = when
            await reminders.plan(s, settings, case, T0)
    async with db.session() as s:
        rows = (await s.execute(select(SessionReminder))).scalars().all()
    open_rows = sorted((r.session_at, r.kind) for r in rows if r.status == "scheduled")
    assert open_rows == [(first, "day_before"), (first, "hour_before")]
    assert sorted(r.status for r in rows if r.session_at == other) == ["cancelled", "cancelled"]
