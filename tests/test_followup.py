"""Follow-up visits with time travel: every schedule, answers, quiet hours, opt-out, alerts."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.config import Settings
from handlers.app import Core
from handlers.conversation.messages import Inbound
from handlers.staff import digest
from storage.db import Database
from storage.models import Case, FollowUp, Identity, OutboxMessage, Person

START = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
_ids = itertools.count(1)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


async def say(core: Core, who: str, text: str = "", button: str | None = None) -> str:
    replies = await core.handle(
        Inbound(
            channel="test",
            update_key=f"u{next(_ids)}",
            sender_id=who,
            chat_id=who,
            text=text,
            button=button,
            locale_hint="en",
        )
    )
    return "\n".join(r.text for r in replies)


async def seed(db: Database, number: str) -> Case:
    async with db.session() as s:
        people = {}
        for who in ("worker", "employer"):
            person = Person(locale="en")
            s.add(person)
            await s.flush()
            s.add(Identity(person_id=person.id, channel="test", external_id=who, chat_id=who))
            people[who] = person.id
        case = Case(
            number=number,
            state="in_mediation",
            applicant_name="张测试",
            applicant_phone="13912345678",
            respondent_name="示例公司",
            applicant_person_id=people["worker"],
            respondent_person_id=people["employer"],
            categories=["pay"],
            submitted_at=START - timedelta(days=10),
        )
        s.add(case)
    return case


async def outbox(db: Database) -> list[tuple[str, str, list]]:  # type: ignore[type-arg]
    async with db.session() as s:
        rows = (await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [
            (r.chat_id, r.payload["replies"][0]["text"], r.payload["replies"][0]["buttons"])
            for r in rows
        ]


def button(row: tuple[str, str, list], label: str) -> str:  # type: ignore[type-arg]
    return next(p for line in row[2] for lab, p in line if lab == label)


async def test_the_whole_follow_up_schedule(settings: Settings, db: Database) -> None:
    settings.staff.admins = ["test:admin"]
    settings.center.default_locale = "en"
    clock = Clock()
    core = Core(settings, db, clock=clock)
    await seed(db, "LJ-2026-000001")
    due = (START + timedelta(days=10)).astimezone(settings.tz).date()
    await say(core, "admin", "/lang en")
    done = await say(core, "admin", f"/outcome 1 agreement 12000 {due.isoformat()}")
    assert "Outcome of case LJ-2026-000001 recorded" in done
    async with db.session() as s:
        rows = {(f.kind, f.person_id): f for f in (await s.execute(select(FollowUp))).scalars()}
    assert rows[("fulfilment", 1)].due_at.astimezone(settings.tz) == datetime(
        due.year, due.month, due.day + 1, 10, 0, tzinfo=settings.tz
    )
    assert ("fulfilment", 2) not in rows  # only the worker is asked about fulfilment
    assert {k for k in rows if k[0] == "satisfaction"} == {("satisfaction", 1), ("satisfaction", 2)}
    before = len(await outbox(db))  # the parties were told the outcome

    clock.now = START + timedelta(hours=1)
    await digest.tick(core, clock.now)
    assert len(await outbox(db)) == before  # the survey is not due yet

    clock.now = START + timedelta(hours=12)  # 22:00 local: quiet hours
    await digest.tick(core, clock.now)
    assert len(await outbox(db)) == before

    clock.now = START + timedelta(hours=22, minutes=30)  # 08:30 next morning
    await digest.tick(core, clock.now)
    await digest.tick(core, clock.now)  # a second pass (or process) sends nothing again
    asked = (await outbox(db))[before:]
    assert sorted(chat for chat, _, _ in asked) == ["employer", "worker"]
    assert all("How satisfied" in text for _, text, _ in asked)

    worker_q = next(r for r in asked if r[0] == "worker")
    employer_q = next(r for r in asked if r[0] == "employer")
    assert "anything you would like" in await say(core, "worker", button=button(worker_q, "4"))
    assert "passed on" in await say(core, "worker", "调解员很耐心")
    assert "no more surveys" in await say(
        core, "employer", button=button(employer_q, "No more surveys, please")
    )
    assert "already have your answer" in await say(core, "worker", button=button(worker_q, "5"))
    assert "not for you" in await say(core, "employer", button=button(worker_q, "1"))

    # the day after the due date at 10:00: the fulfilment check
    clock.now = datetime.combine(
        due + timedelta(days=1), datetime.min.time(), tzinfo=settings.tz
    ) + timedelta(hours=10)
    await digest.tick(core, clock.now)
    check = (await outbox(db))[-1]
    assert check[0] == "worker" and "carried out by" in check[1]
    answer = await say(core, "worker", button=button(check, "No"))
    assert "no later than" in answer and "payment order" in answer
    assert "review the agreement" in answer  # the 15-day window is still open
    assert "judicial confirmation" in answer
    alert = (await outbox(db))[-1]
    assert alert[0] == "staff" and "not carried out" in alert[1]

    summary = await say(core, "admin", "/survey 1")
    assert "satisfaction · applicant · 4 · 调解员很耐心" in summary
    assert "satisfaction · respondent · opted out" in summary
    assert "fulfilment · applicant · no" in summary
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
    assert case.state == "closed"  # every follow-up finished
    sent = await outbox(db)
    assert len(sent) == len({(c, t) for c, t, _ in sent})  # nothing was sent twice


async def test_unanswered_survey_gets_one_reminder_then_closes(
    settings: Settings, db: Database
) -> None:
    settings.staff.admins = ["test:admin"]
    settings.center.default_locale = "en"
    clock = Clock()
    core = Core(settings, db, clock=clock)
    await seed(db, "LJ-2026-000001")
    await say(core, "admin", "/outcome 1 failed")
    clock.now = START + timedelta(hours=3)
    await digest.tick(core, clock.now)
    start = len(await outbox(db))
    for days, expected in ((2, 0), (3, 2), (5, 0), (6, 0)):
        clock.now = START + timedelta(hours=3, days=days)
        await digest.tick(core, clock.now)
        new = (await outbox(db))[start:]
        assert len(new) == expected, (days, new)
        assert all("A reminder" in text for _, text, _ in new)
        start += len(new)
    async with db.session() as s:
        statuses = {f.status for f in (await s.execute(select(FollowUp))).scalars()}
        case = (await s.execute(select(Case))).scalar_one()
    assert statuses == {"closed"} and case.state == "closed"


async def test_opted_out_person_gets_no_survey(settings: Settings, db: Database) -> None:
    settings.staff.admins = ["test:admin"]
    settings.center.default_locale = "en"
    clock = Clock()
    core = Core(settings, db, clock=clock)
    await seed(db, "LJ-2026-000001")
    async with db.session() as s:
        worker = await s.get(Person, 1)
        assert worker is not None
        worker.survey_opt_out = True
    assert "cannot be undone" in await say(core, "admin", "/outcome 1 withdrawn")
    assert "withdrawn" in await say(core, "admin", button="st:withdrawok:1")  # confirmed
    before = len(await outbox(db))
    clock.now = START + timedelta(hours=3)
    await digest.tick(core, clock.now)
    assert [chat for chat, _, _ in (await outbox(db))[before:]] == ["employer"]


def test_quiet_hours(settings: Settings) -> None:
    from handlers.casework.followups import in_quiet_hours

    local = settings.tz
    assert in_quiet_hours(settings, datetime(2026, 11, 2, 21, 0, tzinfo=local))
    assert in_quiet_hours(settings, datetime(2026, 11, 2, 7, 59, tzinfo=local))
    assert not in_quiet_hours(settings, datetime(2026, 11, 2, 8, 0, tzinfo=local))
    settings.followup.quiet_start, settings.followup.quiet_end = "12:00", "14:00"
    assert in_quiet_hours(settings, datetime(2026, 11, 2, 13, 0, tzinfo=local))
    assert not in_quiet_hours(settings, datetime(2026, 11, 2, 22, 0, tzinfo=local))


async def test_two_processes_send_each_question_once(settings: Settings, db: Database) -> None:
    settings.staff.admins = ["test:admin"]
    settings.center.default_locale = "en"
    clock = Clock()
    core = Core(settings, db, clock=clock)
    await seed(db, "LJ-2026-000001")
    await say(core, "admin", "/outcome 1 failed")
    before = len(await outbox(db))
    other_db = Database(settings.database.url)
    other = Core(settings, other_db, clock=clock)
    clock.now = START + timedelta(hours=3)
    await asyncio.gather(*(digest.tick(c, clock.now) for c in (core, other, core, other)))
    await other_db.dispose()
    asked = (await outbox(db))[before:]
    assert sorted(chat for chat, _, _ in asked) == ["employer", "worker"]
