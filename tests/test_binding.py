"""Issue 25.4: a stranger guessing codes never locks the real party out; staff reissue codes.

Through the real Telegram Application against the fake Bot API, with a clock the test moves.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.config import Settings
from storage.db import Database
from storage.models import Case, OutboxMessage
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, in_group, running_bot, texts
from tests.test_intake_e2e import EMPLOYER, STRANGER, file_case

ADMIN = 9100


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def code_in(notice: str) -> str:
    return re.search(r"(?:code: |验证码：|code for .*?: )(\d{6})", notice).group(1)  # type: ignore[union-attr]


async def test_a_strangers_wrong_codes_do_not_lock_out_the_genuine_code(
    settings: Settings, server: FakeTelegramServer
) -> None:
    clock = Clock()
    async with running_bot(settings, server, clock=clock) as bot:
        number = await file_case(bot, server)
        await bot.deliver_outbox()
        code = code_in(texts(server.sent_messages(STAFF_GROUP)))
        wrong = f"{(int(code) + 1) % 10**6:06d}"

        await bot.send(STRANGER, "/lang en")
        await bot.send(STRANGER, "/bind")
        await bot.send(STRANGER, number)
        for _ in range(2):
            assert "do not match" in texts(await bot.send(STRANGER, wrong))
        slowed = texts(await bot.send(STRANGER, wrong))  # the third: this account waits
        assert "wait until" in slowed
        early = texts(await bot.send(STRANGER, code))  # even the right code waits: no oracle
        assert "wait until" in early
        clock.now += timedelta(minutes=1, seconds=1)
        assert "wait until" in texts(await bot.send(STRANGER, wrong))  # 4th: two minutes
        clock.now += timedelta(minutes=2, seconds=1)
        locked = texts(await bot.send(STRANGER, wrong))  # 5th: this account, for a day
        assert "locked" in locked and "this account" in locked
        await bot.send(STRANGER, "/bind")
        await bot.send(STRANGER, number)
        assert "locked" in texts(await bot.send(STRANGER, wrong))

        # the real employer, on another account, right after: the genuine code still works
        await bot.send(EMPLOYER, "/lang en")
        await bot.send(EMPLOYER, "/bind")
        await bot.send(EMPLOYER, number)
        linked = texts(await bot.send(EMPLOYER, code))
        assert f"Linked. You can now follow case {number}" in linked

    db = Database(settings.database.url)
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
        assert case.respondent_person_id is not None
    await db.dispose()


async def test_staff_code_voids_the_old_one_and_tells_who_tried(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.phone = "010-12345678"
    async with running_bot(settings, server) as bot:
        number = await file_case(bot, server)
        await bot.deliver_outbox()
        old = code_in(texts(server.sent_messages(STAFF_GROUP)))
        await bot.send(STRANGER, "/lang en")
        await bot.send(STRANGER, "/bind")
        await bot.send(STRANGER, number)
        await bot.send(STRANGER, f"{(int(old) + 7) % 10**6:06d}")

        await bot.send(ADMIN, "/lang en")
        in_the_group = await in_group(bot, ADMIN, f"/code {number}")
        assert "private chat" in in_the_group and not re.search(r"\d{6}\b", in_the_group)
        reply = texts(await bot.send(ADMIN, f"/code {number}"))
        new = code_in(reply)
        assert new != old and "old code no longer works" in reply
        assert "Told through the bot" in reply and "#P" in reply
        await bot.deliver_outbox()
        told = texts(server.sent_messages(STRANGER)[-1:])
        assert "new linking code" in told and "010-12345678" in told and new not in told

        await bot.send(EMPLOYER, "/lang en")
        await bot.send(EMPLOYER, "/bind")
        await bot.send(EMPLOYER, number)
        assert "do not match" in texts(await bot.send(EMPLOYER, old))
        assert "Linked" in texts(await bot.send(EMPLOYER, new))
        again = texts(await bot.send(ADMIN, f"/code {number}"))
        assert "already linked" in again

    db = Database(settings.database.url)
    async with db.session() as s:
        keys = (await s.execute(select(OutboxMessage.idempotency_key))).scalars().all()
        assert sum(k.startswith(f"code:{number}:") for k in keys) == 1
    await db.dispose()
