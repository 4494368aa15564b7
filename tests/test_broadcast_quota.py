"""Admins confirming WeChat broadcasts at the same instant: the month's mass sends
(`wechat.mass_sends_per_month`) are taken by one insert each (storage/broadcasts.py
take_mass_send), so only as many broadcasts go as the quota allows and the others are refused
with the reason; a preview confirmed twice at once goes once. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools

from sqlalchemy import select

from bot.config import Settings
from handlers.app import Core
from handlers.conversation.messages import Inbound, Reply
from storage.db import Database
from storage.models import Broadcast
from tests.test_broadcast import seed_subscribers

ADMINS = ("a1", "a2", "a3")
PUBLICATION = "policy.mediation-period"
_updates = itertools.count(1)


async def send(core: Core, admin: str, text: str = "", button: str | None = None) -> list[Reply]:
    return await core.handle(
        Inbound(
            channel="test",
            update_key=f"q{next(_updates)}",
            sender_id=admin,
            chat_id=admin,
            text=text,
            button=button,
            locale_hint="en",
        )
    )


async def say(core: Core, admin: str, text: str = "", button: str | None = None) -> str:
    return "\n".join(r.text for r in await send(core, admin, text, button))


async def previews(core: Core, db: Database, admins: tuple[str, ...]) -> list[int]:
    """Each admin previews the same broadcast; three WeChat subscribers need a mass send."""
    for admin in admins:
        preview = await say(core, admin, f"/broadcast {PUBLICATION} all")
        assert "one mass send to a tag (outside the window): 3" in preview, preview
    async with db.session() as s:
        rows = await s.execute(select(Broadcast.id).order_by(Broadcast.id))
        return list(rows.scalars())


async def ledger(db: Database) -> list[tuple[str, str | None]]:
    async with db.session() as s:
        rows = await s.execute(
            select(Broadcast.status, Broadcast.mass_month).order_by(Broadcast.id)
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def test_concurrent_confirmations_take_no_more_mass_sends_than_the_quota(
    settings: Settings, db: Database
) -> None:
    settings.staff.admins = [f"test:{a}" for a in ADMINS]
    settings.center.default_locale = "en"
    settings.wechat.mass_sends_per_month = 2
    await seed_subscribers(db, 0, 0, 0, 3, settings.wechat.window_max_messages)
    core = Core(settings, db)
    ids = await previews(core, db, ADMINS)
    assert len(ids) == 3

    answers = await asyncio.gather(
        *(say(core, a, button=f"bc:go:{i}") for a, i in zip(ADMINS, ids, strict=True))
    )
    sending = [a for a in answers if a.startswith("Sending broadcast")]
    refused = [a for a in answers if a.startswith("Refused")]
    assert len(sending) == 2 and len(refused) == 1, answers
    assert "3 WeChat subscribers are outside their 48-hour window" in refused[0]
    assert "this month's mass sends are used up (2 of 2, wechat.mass_sends_per_month)" in refused[0]
    rows = await ledger(db)
    assert sorted(status for status, _ in rows) == ["queued", "queued", "refused"]
    assert [month is not None for status, month in rows if status == "queued"] == [True, True]

    # The month's mass sends are spent: a new preview says so before anyone presses anything.
    again = await send(core, "a1", f"/broadcast {PUBLICATION} all")
    assert "mass sends are used up (2 of 2" in again[0].text and not again[0].buttons


async def test_a_preview_confirmed_twice_at_once_goes_once(
    settings: Settings, db: Database
) -> None:
    settings.staff.admins = [f"test:{a}" for a in ADMINS]
    settings.center.default_locale = "en"
    settings.wechat.mass_sends_per_month = 4
    await seed_subscribers(db, 0, 0, 0, 3, settings.wechat.window_max_messages)
    core = Core(settings, db)
    (only,) = await previews(core, db, ADMINS[:1])
    answers = await asyncio.gather(
        *(say(core, a, button=f"bc:go:{only}") for a in ADMINS)  # the same button, three chats
    )
    assert sum(a.startswith("Sending broadcast") for a in answers) == 1, answers
    assert sum("already confirmed or cancelled" in a for a in answers) == 2, answers
    ((status, month),) = await ledger(db)
    assert status == "queued" and month is not None
