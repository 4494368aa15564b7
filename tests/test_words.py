"""Words and names (issue 20, points 17-21): what a party reads is right in each language."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from bot.cli import docs as cli_docs
from bot.config import Settings
from handlers.app import Core
from handlers.conversation.messages import Inbound, Reply
from handlers.office import documents
from storage.db import Database
from tests.test_documents import docx_text

_count = iter(range(1, 10**6))


async def say(core: Core, text: str, *, user: str = "w1", locale: str = "zh_CN") -> list[Reply]:
    return await core.handle(
        Inbound(
            channel="console",
            update_key=f"w{next(_count)}",
            sender_id=user,
            chat_id=user,
            text=text,
            locale_hint=locale,
        )
    )


def joined(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


# --- 17: the center's name --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("柳江区劳动人事争议多元调解中心", "这里是柳江区劳动人事争议多元调解中心。"),
        ("劳动人事争议多元调解中心", "这里是柳江区劳动人事争议多元调解中心。"),
    ],
)
async def test_greeting_names_the_district_once(
    name: str, shown: str, settings: Settings, db: Database
) -> None:
    settings.center.name, settings.center.district = name, "柳江区"
    text = joined(await say(Core(settings, db), "/start"))
    assert shown in text
    assert "柳江区柳江区" not in text


async def test_english_greeting_uses_the_english_name(settings: Settings, db: Database) -> None:
    settings.center.name, settings.center.district = "柳江区劳动人事争议多元调解中心", "柳江区"
    settings.center.name_en = "Liujiang Labour Dispute Mediation Center"
    text = joined(await say(Core(settings, db), "/start", locale="en"))
    assert "this is the Liujiang Labour Dispute Mediation Center." in text
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text.split("\n")[0]), text
    settings.center.name_en = ""
    text = joined(await say(Core(settings, db), "/start", user="w2", locale="en"))
    assert "Labour and Personnel Dispute Mediation Center" in text and "柳江" not in text


@pytest.mark.parametrize("name", ["柳江区劳动人事争议多元调解中心", "劳动人事争议多元调解中心"])
def test_documents_name_the_center_in_full(name: str, settings: Settings, tmp_path: Path) -> None:
    settings.center.name, settings.center.district = name, "柳江区"
    case, _, _ = cli_docs.sample_case()
    text = docx_text(documents.render(case, "application", tmp_path / "a.docx", settings=settings))
    assert "此致\n柳江区劳动人事争议多元调解中心" in text
    assert "柳江区柳江区" not in text


# --- 19: the agreement draft ------------------------------------------------------------------
@pytest.mark.parametrize("amount", [Decimal("12000.00"), None])
def test_agreement_has_other_terms_once(
    amount: Decimal | None, settings: Settings, tmp_path: Path
) -> None:
    case, mediator, _ = cli_docs.sample_case()
    case.outcome_amount = amount
    case.outcome_terms = "分两期银行转账"
    text = docx_text(
        documents.render(
            case, "agreement", tmp_path / "a.docx", settings=settings, mediator=mediator
        )
    )
    assert text.count("其他约定") == 1, text
    assert "分两期银行转账" in text
    if amount is not None:
        assert "二、支付方式：分两期银行转账" in text


# --- 18: Chinese punctuation in Chinese text ---------------------------------------------------
CJK = "\u4e00-\u9fff"
ASCII_IN_CHINESE = re.compile(rf"[{CJK}）]: |。 |[{CJK}], [{CJK}]|[{CJK}]; ")


def chinese_punctuation_problems(text: str) -> list[str]:
    return [text[max(0, m.start() - 12) : m.end() + 12] for m in ASCII_IN_CHINESE.finditer(text)]


async def test_chinese_replies_and_the_data_copy_use_chinese_punctuation(
    settings: Settings, db: Database
) -> None:
    core = Core(settings, db)
    seen = []
    for text in ("/start", "/help", "/mycopy", "/correct 电话号码写错了", "/mydata"):
        replies = await say(core, text, user="p18")
        seen += [r.text for r in replies]
        seen += [Path(r.document).read_text(encoding="utf-8") for r in replies if r.document]
    copy = seen[-1]
    assert "语言：" in copy and "首次联系：" in copy and "  console：p18" in copy, copy
    assert "更正：待办" in copy, copy  # the request just made, with its state
    problems = [p for text in seen for p in chinese_punctuation_problems(text)]
    assert not problems, problems


def test_lists_and_labels_follow_the_language() -> None:
    from zoneinfo import ZoneInfo

    from handlers.conversation.i18n import Translator

    zh, en = Translator("zh_CN", ZoneInfo("Asia/Shanghai")), Translator("en", ZoneInfo("UTC"))
    assert zh.label("姓名", "张测试") == "姓名：张测试" and en.label("Name", "A") == "Name: A"
    assert zh.join(["工资", "加班费"]) == "工资、加班费" and en.join(["a", "b"]) == "a, b"
    assert zh.join(["甲", "乙"], strong=True) == "甲；乙"


# --- 20: English ------------------------------------------------------------------------------
def has_chinese(text: str) -> bool:
    return bool(re.search(f"[{CJK}]", text))


async def test_english_topic_buttons_are_english_and_whole_words(
    settings: Settings, db: Database
) -> None:
    core = Core(settings, db)
    kb = await core.knowledge()
    cut = 0
    for question in (
        "my boss did not pay my wages",
        "How is overtime pay calculated?",
        "Can I get double pay without a written contract?",
        "I was hurt at work, what compensation can I get?",
    ):
        replies = await say(core, question, user="e20", locale="en")
        for button in (b for r in replies for b in r.flat_buttons):
            assert not has_chinese(button.label), (question, button.label)
            if not button.payload.startswith("faq:s:"):
                continue
            entry = kb.get(button.payload.removeprefix("faq:s:"))
            assert entry is not None and entry.has_english()
            title = entry.text("title", "en")
            if button.label.endswith("…"):
                cut += 1
                head = button.label[:-1]
                assert title.startswith(head) and title[len(head)] in " ,;:", (title, head)
            else:
                assert button.label == title
    assert cut, "no long title was met: the test did not look at a cut"


def test_short_title_cuts_between_words() -> None:
    from handlers.party.faq import short_title

    assert short_title("How do I complain to labour inspection about my unpaid wages?") == (
        "How do I complain to labour inspection…"
    )
    assert short_title("短标题") == "短标题"
    assert len(short_title("很" * 60)) == 40


@pytest.mark.parametrize(
    ("question", "title"),
    [
        # entries that had only Chinese before the thirty-fourth pass: an English asker got the
        # Chinese answer
        ("The arbitration award says they owe me. They still won't pay. What now?", "award"),
        ("how do I get my disability level assessed after a work injury", "disability level"),
        ("Can I refuse overtime? Can they fire me for that?", "refuse overtime"),
    ],
)
async def test_an_english_asker_gets_the_answer_in_english(
    settings: Settings, db: Database, question: str, title: str
) -> None:
    text = joined(await say(Core(settings, db), question, user="en34", locale="en"))
    heading = text.splitlines()[0]
    assert title in heading.lower(), text
    # a Chinese term may stand in brackets after its English (economic compensation (经济补偿))
    outside_brackets = re.sub(r"\([^()]*\)", "", text)
    assert not has_chinese(outside_brackets), text


def test_every_entry_has_english() -> None:
    from knowledge.faq import load_entries

    missing = [e.id for e in load_entries().values() if not e.has_english()]
    assert missing == [], "give these a title.en and answer.en (knowledge/faq/FORMAT.md)"


async def test_english_help_points_to_human(settings: Settings, db: Database) -> None:
    settings.center.phone = ""
    text = joined(await say(Core(settings, db), "/help", user="h20", locale="en"))
    assert "send /human" in text and "visit the center in person" not in text


# --- 21: video sessions ------------------------------------------------------------------------
async def _schedule(core: Core, db: Database, line: str) -> str:
    """Staff schedule on the console; returns the text pushed to the applicant."""
    from sqlalchemy import select

    from storage.models import OutboxMessage

    core.console_staff = True
    async with db.session() as s:
        before = {r.id for r in (await s.execute(select(OutboxMessage))).scalars()}
    reply = joined(await say(core, line, user="admin21"))
    async with db.session() as s:
        rows = [r for r in (await s.execute(select(OutboxMessage))).scalars() if r.id not in before]
    assert rows, reply
    return "\n".join(r["text"] for row in rows for r in row.payload["replies"])


def _day(days: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.now() + timedelta(days=days)).strftime("%Y-%m-%d")


async def test_video_session_says_how_the_link_comes(settings: Settings, db: Database) -> None:
    from tests.test_documents import OTHER, seed

    await seed(db)
    core = Core(settings, db)
    told = await _schedule(core, db, f"/schedule {OTHER} {_day(20)} 10:00 video")
    assert "by video" in told and "send you the link here" in told
    assert "Please bring your ID" not in told
    link = "https://meet.example.org/room-7"
    told = await _schedule(core, db, f"/schedule {OTHER} {_day(20)} 10:00 video {link}")
    assert f"Join with: {link}" in told  # the same time again: the link is a new message
    told = await _schedule(core, db, f"/schedule {OTHER} {_day(21)} 09:30 调解室一")
    assert "调解室一" in told and "Please bring your ID" in told


async def test_meeting_link_template_makes_a_fresh_token(settings: Settings, db: Database) -> None:
    from tests.test_documents import OTHER, seed

    await seed(db)
    settings.center.meeting_link_template = "https://meet.example.org/{case}-{token}"
    core = Core(settings, db)
    found = []
    for day in (20, 22):
        told = await _schedule(core, db, f"/schedule {OTHER} {_day(day)} 10:00 视频")
        match = re.search(rf"https://meet\.example\.org/{OTHER}-([\w-]+)", told)
        assert match, told
        found.append(match.group(1))
    assert found[0] != found[1] and all(len(token) >= 20 for token in found)


def test_meeting_link_template_must_carry_a_token(tmp_path: Path) -> None:
    from bot.config import ConfigError, load_settings

    config = tmp_path / "c.toml"
    config.write_text('[center]\nmeeting_link_template = "https://meet.example.org/{case}"\n')
    with pytest.raises(ConfigError, match="meeting_link_template"):
        load_settings(config, env={})
