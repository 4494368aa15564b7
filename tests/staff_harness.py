"""What the staff tests start from: the bot running against the fake Bot API with an admin
(from the configuration) and other staff accounts, and one case the worker filed through the
whole Telegram form (tests/test_intake_e2e.py file_case); and a look into the database the
bot wrote, from outside it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from storage.db import Database
from storage.models import Case
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import TelegramBot, running_bot
from tests.test_intake_e2e import file_case

ADMIN = 9100
MEDIATOR = 9200


@asynccontextmanager
async def case_filed(
    settings: Settings,
    server: FakeTelegramServer,
    *,
    english: Iterable[int] = (ADMIN,),
    locale: str | None = "en",
) -> AsyncIterator[tuple[TelegramBot, str]]:
    """The running bot and the number of the case the worker filed. `ADMIN` is an admin;
    the center's language is `locale` (None: the default, Chinese) and the accounts in
    `english` switch to English first."""
    settings.staff.admins = [f"telegram:{ADMIN}"]
    if locale is not None:
        settings.center.default_locale = locale
    async with running_bot(settings, server) as bot:
        for member in english:
            await bot.send(member, "/lang en")
        yield bot, await file_case(bot, server)


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on the bot's database (committed when the block ends without error)."""
    db = Database(settings.database.url)
    try:
        async with db.session() as session:
            yield session
    finally:
        await db.dispose()


async def the_case(settings: Settings) -> Case:
    """The one case in the database, as stored."""
    async with database(settings) as s:
        return (await s.execute(select(Case))).scalar_one()


async def set_respondent_phone(settings: Settings, phone: str) -> None:
    """The respondent's phone, as staff would have added it from a call."""
    async with database(settings) as s:
        await s.execute(update(Case).values(respondent_phone=phone))
