"""Scheduled work with time travel: the daily digest and overdue notices, once each."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.config import Settings
from handlers.app import Core
from handlers.staff import digest
from storage.db import Database
from storage.models import Case, Identity, OutboxMessage, Person

NOW = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai


async def seed(db: Database) -> None:
    async with db.session() as s:
        person = Person(locale="en")
        s.add(person)
        await s.flush()
        s.add(Identity(person_id=person.id, channel="telegram", external_id="42", chat_id="42"))
        base = dict(
            applicant_person_id=person.id,
            applicant_name="张测试",
            applicant_phone="13912345678",
            respondent_name="示例公司",
        )
        long_ago = NOW - timedelta(days=30)  # past the 15 days after receipt (art. 14)
        recent = {"submitted_at": NOW - timedelta(days=3), "received_at": NOW - timedelta(days=3)}
        s.add_all(
            [
                Case(
                    number="LJ-2026-000001",
                    state="in_mediation",
                    due_at=NOW - timedelta(hours=1),
                    submitted_at=long_ago,
                    received_at=long_ago,
                    **base,
                ),
                Case(
                    number="LJ-2026-000002",
                    state="assigned",
                    due_at=NOW + timedelta(days=2),
                    **recent,
                    **base,
                ),
                Case(
                    number="LJ-2026-000003",
                    state="submitted",
                    accept_by=date(2026, 11, 18),
                    **recent,
                    **base,
                ),
                Case(
                    number="LJ-2026-000004",
                    state="agreement",
                    due_at=NOW - timedelta(days=9),
                    submitted_at=long_ago,
                    received_at=long_ago,
                    **base,
                ),
            ]
        )


async def pushes(db: Database) -> list[OutboxMessage]:
    async with db.session() as s:
        return list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def test_overdue_parties_told_once_and_digest_once_a_day(
    settings: Settings, db: Database
) -> None:
    settings.telegram.token = "1:x"
    settings.telegram.staff_chat_id = -100
    await seed(db)
    core = Core(settings, db)

    await digest.tick(core, NOW)  # 08:30: overdue notice now, digest not before 09:00
    rows = await pushes(db)
    assert [r.chat_id for r in rows] == ["42"]
    text = rows[0].payload["replies"][0]["text"]
    assert "LJ-2026-000001" in text and "arbitration" in text

    await digest.tick(core, NOW + timedelta(minutes=20))
    assert len(await pushes(db)) == 1  # nothing twice

    nine = NOW + timedelta(minutes=31)  # 09:01
    other = Database(settings.database.url)  # a second bot process
    await asyncio.gather(digest.tick(core, nine), digest.tick(Core(settings, other), nine))
    await other.dispose()
    rows = await pushes(db)
    digests = [r for r in rows if r.chat_id == "-100"]
    assert len(digests) == 1
    body = digests[0].payload["replies"][0]["text"]
    assert "LJ-2026-000001" in body  # overdue
    overdue_line = next(line for line in body.splitlines() if "LJ-2026-000001" in line)
    # the respondent never linked: the digest says so instead of "parties have been told"
    assert "未绑定本机器人，请电话联系：被申请人" in overdue_line
    assert "申请人、" not in overdue_line  # the applicant was told through the bot
    assert "LJ-2026-000002" in body  # due within 3 days
    assert "LJ-2026-000003" in body  # not yet accepted
    assert "LJ-2026-000004" not in body  # ended

    await digest.tick(core, nine + timedelta(hours=5))
    assert len(await pushes(db)) == len(rows)  # same day: no second digest
    await digest.tick(core, nine + timedelta(days=1))
    assert len([r for r in await pushes(db) if r.chat_id == "-100"]) == 2  # next day's


async def test_monthly_report_goes_to_the_group_once_on_the_first(
    settings: Settings, db: Database
) -> None:
    settings.telegram.token = "1:x"
    settings.telegram.staff_chat_id = -100
    settings.center.default_locale = "en"
    async with db.session() as s:
        s.add(
            Case(
                number="LJ-2026-000009",
                state="submitted",
                applicant_name="张测试",
                applicant_phone="13912345678",
                respondent_name="示例公司",
                categories=["pay"],
                submitted_at=datetime(2026, 10, 15, 3, tzinfo=UTC),
            )
        )
    core = Core(settings, db)
    first = datetime(2026, 11, 1, 1, 5, tzinfo=UTC)  # 1 November 09:05 in Shanghai
    other = Database(settings.database.url)
    await asyncio.gather(digest.tick(core, first), digest.tick(Core(settings, other), first))
    await other.dispose()
    await digest.tick(core, first + timedelta(hours=3))
    monthly = [r for r in await pushes(db) if r.idempotency_key.startswith("monthly:")]
    assert [r.idempotency_key for r in monthly] == ["monthly:2026-11"]
    replies = monthly[0].payload["replies"]
    assert any(r.get("image", "") and r["image"].endswith(".png") for r in replies)
    assert "2026" in "".join(r["text"] for r in replies)
    await digest.tick(core, first + timedelta(days=1))  # the 2nd: no report
    assert len([r for r in await pushes(db) if r.idempotency_key.startswith("monthly:")]) == 1


async def test_overdue_command_lists_late_cases_only(settings: Settings, db: Database) -> None:
    from handlers.conversation.messages import Inbound

    settings.staff.admins = ["test:admin"]
    settings.center.default_locale = "en"
    await seed(db)
    core = Core(settings, db, clock=lambda: NOW)
    replies = await core.handle(
        Inbound(
            channel="test",
            update_key="o1",
            sender_id="admin",
            chat_id="admin",
            text="/overdue",
            locale_hint="en",
        )
    )
    text = "\n".join(r.text for r in replies)
    assert "LJ-2026-000001" in text  # past its mediation period
    assert "LJ-2026-000003" in text  # not accepted by its target date
    assert "LJ-2026-000002" not in text  # due in two days
    assert "LJ-2026-000004" not in text  # concluded


async def test_arbitration_opens_15_days_after_receipt_not_after_acceptance(
    settings: Settings, db: Database
) -> None:
    """Received 20 days ago, accepted 5 days ago (the center's own period runs 10 more days):
    the parties hear now that either side may apply for arbitration, and /overdue lists it."""
    from handlers.conversation.messages import Inbound

    settings.staff.admins = ["test:admin"]
    settings.center.default_locale = "en"
    async with db.session() as s:
        person = Person(locale="en")
        s.add(person)
        await s.flush()
        s.add(Identity(person_id=person.id, channel="telegram", external_id="43", chat_id="43"))
        s.add(
            Case(
                number="LJ-2026-000010",
                state="in_mediation",
                applicant_person_id=person.id,
                applicant_name="李测试",
                applicant_phone="13912345679",
                respondent_name="示例公司",
                submitted_at=NOW - timedelta(days=20),
                received_at=NOW - timedelta(days=20),
                accepted_at=NOW - timedelta(days=5),
                due_at=NOW + timedelta(days=10),
            )
        )
    core = Core(settings, db, clock=lambda: NOW)
    await digest.tick(core, NOW)
    rows = await pushes(db)
    assert [r.chat_id for r in rows] == ["43"]
    told = rows[0].payload["replies"][0]["text"]
    assert "15 days have passed since the center received the application" in told
    assert "October 31, 2026" in told  # received on 31 October (Shanghai)
    assert "may now apply for labour dispute arbitration" in told
    # one year from receipt (the application interrupted the limit): the latest safe date
    assert "October 31, 2027" in told
    replies = await core.handle(
        Inbound(
            channel="test",
            update_key="o2",
            sender_id="admin",
            chat_id="admin",
            text="/overdue",
            locale_hint="en",
        )
    )
    listed = "\n".join(r.text for r in replies)
    assert "LJ-2026-000010" in listed and "arbitration open November 16, 2026" in listed


async def test_in_suit_court_delegation_follows_the_courts_period(
    settings: Settings, db: Database
) -> None:
    """A mediation a court entrusted during a suit (委托) is not told "apply for arbitration":
    it follows the court's period."""
    async with db.session() as s:
        person = Person(locale="en")
        s.add(person)
        await s.flush()
        s.add(Identity(person_id=person.id, channel="telegram", external_id="44", chat_id="44"))
        s.add(
            Case(
                number="LJ-2026-000011",
                state="in_mediation",
                applicant_person_id=person.id,
                applicant_name="王测试",
                applicant_phone="13912345670",
                respondent_name="示例公司",
                submitted_at=NOW - timedelta(days=20),
                received_at=NOW - timedelta(days=20),
                court_delegated=True,
                court_delegation="in_suit",
                court_period_days=30,
                due_at=NOW + timedelta(days=10),
            )
        )
    core = Core(settings, db)
    await digest.tick(core, NOW)
    assert await pushes(db) == []  # day 20 of the court's 30
    await digest.tick(core, NOW + timedelta(days=11))
    rows = await pushes(db)
    assert len(rows) == 1
    text = rows[0].payload["replies"][0]["text"]
    assert "the court set" in text and "arbitration" not in text
