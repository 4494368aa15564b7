"""Issue 25.8: who sees full personal data, commands for other bots, and the view button.

Through the real Telegram Application against the fake Bot API.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.config import Settings
from storage.db import Database
from storage.models import AccessLog, Case
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import in_group, running_bot, texts
from tests.test_intake_e2e import PHONE, STRANGER, file_case

ADMIN, MINE, OTHER, UNION, HRSS = 9100, 9201, 9202, 9301, 9302


async def test_full_details_only_for_admins_the_mediator_and_the_departments(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.default_locale = "en"
    async with running_bot(settings, server) as bot:
        number = await file_case(bot, server)
        for cmd in (
            f"/staff add telegram:{MINE} mediator 甲调解",
            f"/staff add telegram:{OTHER} mediator 乙调解",
            f"/staff add telegram:{UNION} liaison union 工会联络",
            f"/staff add telegram:{HRSS} liaison hrss 人社联络",
        ):
            assert cmd.split()[2] in await in_group(bot, ADMIN, cmd)
        await in_group(bot, ADMIN, f"/accept {number}")
        await in_group(bot, ADMIN, f"/assign {number} telegram:{MINE}")
        await in_group(bot, ADMIN, f"/joint {number} hrss")

        def full(text: str) -> bool:
            return PHONE in text

        expected = {ADMIN: True, MINE: True, HRSS: True, OTHER: False, UNION: False}
        for user, sees in expected.items():
            shown = texts(await bot.send(user, f"/case {number}"))
            assert number in shown
            assert full(shown) is sees, (user, shown)
            if not sees:
                assert "139****5678" in shown
    db = Database(settings.database.url)
    async with db.session() as s:
        rows = (await s.execute(select(AccessLog).where(AccessLog.action == "view_case"))).scalars()
        logged = {(r.actor, r.detail) for r in rows}
    await db.dispose()
    assert (f"telegram:{OTHER}", "masked") in logged and (f"telegram:{MINE}", "") in logged


async def test_commands_for_another_bot_are_ignored(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.default_locale = "en"
    async with running_bot(settings, server) as bot:
        number = await file_case(bot, server)
        await bot.send(ADMIN, "/lang en")
        assert await in_group(bot, ADMIN, "/accept@other_bot 1") == ""
        assert await in_group(bot, ADMIN, "/help@other_bot") == ""
        db = Database(settings.database.url)
        async with db.session() as s:
            assert (await s.execute(select(Case.state))).scalar_one() == "submitted"
        ours = await in_group(bot, ADMIN, f"/accept@{server.bot_username} 1")
        assert f"Case {number} accepted" in ours
        async with db.session() as s:
            assert (await s.execute(select(Case.state))).scalar_one() == "accepted"
        await db.dispose()


async def test_view_button_answers_non_staff_the_same_for_every_id(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        await file_case(bot, server)
        await bot.send(STRANGER, "/lang en")
        answers = []
        for data in ("st:view:1", "st:view:999", "st:accept:1", "st:view:x"):
            got = await bot._roundtrip(
                STRANGER,
                lambda d=data: server.queue_update(
                    {
                        "callback_query": {
                            "id": f"q-{d}",
                            "from": {"id": STRANGER, "is_bot": False, "first_name": "x"},
                            "chat_instance": "1",
                            "data": d,
                            "message": {
                                "message_id": 1,
                                "date": 0,
                                "chat": {"id": STRANGER, "type": "private"},
                            },
                        }
                    }
                ),
            )
            answers.append(texts(got))
        assert len(set(answers)) == 1, answers
        assert "Only registered staff" in answers[0]
        assert "no longer exists" not in answers[0]
