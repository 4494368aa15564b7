"""Questions typed in the middle of an application are answered, never saved as answers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.config import Settings
from handlers.party.midflow import classify
from storage.db import Database
from storage.models import Conversation
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import TelegramBot, running_bot, texts
from tests.test_intake_e2e import screen_in_scope

WORKER = 7001  # screen_in_scope answers as this user
NARRATIVE = (
    "我在厂里做了两年，老板从七月开始就不发工资了，说公司没钱，让我们等着。"
    "我们找过他好几次都没有用。我想问一下这种情况能不能要求加班费？"
)


@pytest.mark.parametrize(
    ("step", "text", "kind"),
    [
        ("respondent_address", "示例区示例路1号", "answer"),
        ("respondent_address", "地址不知道怎么办", "question"),
        ("respondent_name", "申请调解要交钱吗", "question"),
        ("applicant_name", "张测试", "answer"),
        ("claims_text", "支付拖欠的三个月工资和加班费", "answer"),
        ("claims_text", "仲裁要不要交钱？", "question"),
        ("claims_text", "能不能把三个月工资补给我", "ask"),  # a request put as a question
        ("facts", "老板从七月开始不发工资，他什么都没说。", "answer"),  # 什么 in a statement
        ("facts", NARRATIVE, "ask"),
    ],
)
def test_classify(step: str, text: str, kind: str) -> None:
    assert classify(step, text) == kind


async def to_address_step(bot: TelegramBot) -> None:
    await screen_in_scope(bot)
    await bot.press(WORKER, "File my case now")
    await bot.press(WORKER, "I agree")
    await bot.send(WORKER, "张测试")
    await bot.send(WORKER, "13912345678")
    await bot.press(WORKER, "Skip")  # ID number
    await bot.send(WORKER, "示例制造有限公司")


async def answers(settings: Settings) -> dict:  # type: ignore[type-arg]
    db = Database(settings.database.url)
    async with db.session() as s:
        conv = (await s.execute(select(Conversation))).scalars().one()
    await db.dispose()
    return dict(conv.answers)


async def test_question_at_the_address_step_is_answered_and_the_step_asked_again(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        await to_address_step(bot)
        reply = texts(await bot.send(WORKER, "Is arbitration free of charge?"))
        assert "📖" in reply and "back to where we were" in reply
        assert reply.rstrip().endswith("office is)?")  # the address question again
        saved = await answers(settings)
        assert "respondent_address" not in saved
        assert saved["applicant_name"] == "张测试" and saved["respondent_name"]  # kept
        # a non-labour question is referred, and the step asked again too
        referred = texts(await bot.send(WORKER, "my landlord won't return my deposit?"))
        assert "does not look like a labour" in referred and "office is)?" in referred
        nxt = texts(await bot.send(WORKER, "示例区示例路1号"))
        assert "credit code" in nxt
        assert (await answers(settings))["respondent_address"] == "示例区示例路1号"


async def facts_step(bot: TelegramBot) -> None:
    await to_address_step(bot)
    await bot.send(WORKER, "示例区示例路1号")
    await bot.press(WORKER, "Skip")  # credit code
    await bot.press(WORKER, "Skip")  # employer phone
    await bot.press(WORKER, "Done")  # claims (wages chosen at screening)
    await bot.send(WORKER, "支付拖欠的工资")
    await bot.send(WORKER, "12000")
    await bot.send(WORKER, "2024-03")
    reply = texts(await bot.send(WORKER, "2026-09-30"))
    assert "describe what happened" in reply


async def test_a_story_ending_with_a_question_asks_which_it_is(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        await facts_step(bot)
        asked = await bot.send(WORKER, NARRATIVE)
        assert "your answer to the question above, or a question" in texts(asked)
        assert server.button_labels(asked[-1]) == ["It is my answer", "It is a question"]
        assert "facts" not in await answers(settings)
        # "a question": answered, the step asked again, the text still kept
        answered = await bot.press(WORKER, "It is a question")
        text = texts(answered)
        assert "📖" in text and "describe what happened" in text
        assert "facts" not in await answers(settings)
        # changed their mind: the kept story becomes the answer, nothing retyped
        moved = texts(await bot.press(WORKER, "Use what I wrote as my answer"))
        assert "Evidence helps" in moved
        saved = await answers(settings)
        assert saved["facts"] == NARRATIVE and "pending_text" not in saved


async def test_my_answer_button_saves_the_story_as_typed(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        await facts_step(bot)
        await bot.send(WORKER, NARRATIVE)
        moved = texts(await bot.press(WORKER, "It is my answer"))
        assert "Evidence helps" in moved
        assert (await answers(settings))["facts"] == NARRATIVE
