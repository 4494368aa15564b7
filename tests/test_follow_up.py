"""Messages that only ask how "it" is going (thirty-third pass of issue 18): 上次说的那个怎么样了,
怎么还没消息, any news on my case? say too little for the search, which had answered one with
the hearing entry and sent another to the private-loans route. They are answered with how to
follow a case, with the asker's cases one tap away — or, for someone who has filed, with
where their cases stand; a message that names its matter
(仲裁有结果了吗) is still searched."""

from __future__ import annotations

import pytest

from bot.config import Settings
from knowledge.follow_up import follow_up_problems, parse_follow_up
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import running_bot, texts
from tests.kb_asserts import answered
from tests.test_intake_e2e import WORKER, file_case

STATUS = "process.follow_case_status"


@pytest.mark.parametrize(
    "question",
    [
        "上次说的那个怎么样了",
        "上回讲的那个咋样了？",
        "那件事后来怎么样了",
        "我的事情办得怎么样了",
        "怎么还没消息啊",
        "有结果了吗",
        "之前申請嘅嘢點樣了",
        "Any news on my case?",
        "what happened with my application",
    ],
)
def test_how_is_it_going_is_answered_with_how_to_follow_a_case(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, question).id == STATUS


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("工伤认定申请交上去了怎么样了", "injury.recognition_apply"),
        ("仲裁申请交了十天了怎么还没消息", "arbitration.acceptance"),
    ],
)
def test_a_message_that_names_its_matter_is_still_searched(kb, question: str, entry: str) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, question).id == entry


def test_the_table_is_checked_and_a_broken_one_is_not_used() -> None:
    raw = {"entry": "nope.none", "asks": [], "fillers": ["那个"], "max_chars": 0, "extra": 1}
    problems = follow_up_problems(raw, frozenset({STATUS}))
    assert any("'extra'" in p for p in problems)
    assert any("not the id of any entry" in p for p in problems)
    assert any("asks is empty" in p for p in problems)
    assert any("max_chars" in p for p in problems)
    assert parse_follow_up(raw) is None
    fine = parse_follow_up({"entry": STATUS, "asks": ["怎么样了"], "max_chars": 20})
    assert fine is not None and fine.matches("那个怎么样了") is False  # 那个: no filler given
    assert fine.matches("怎么样了")


async def test_the_answer_offers_the_askers_cases(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        await bot.send(7100, "/start")
        reply = await bot.send(7100, "上次说的那个怎么样了")
        assert "/status" in texts(reply)
        assert "我的案件" in server.button_labels(reply[-1])
        cases = await bot.press(7100, "我的案件")
        assert "还没有" in texts(cases)  # no case filed yet: said so, nothing invented


async def test_someone_with_a_case_is_told_where_it_stands(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        number = await file_case(bot, server)
        reply = texts(await bot.send(WORKER, "Any news on my case?"))
        assert f"Case {number}" in reply and "Status:" in reply  # the case itself, not a how-to
        assert "/status" not in reply
