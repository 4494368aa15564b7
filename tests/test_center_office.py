"""The center asked about as an office (twenty-seventh pass): 你们周六周日上班吗 is a question
about the center's days, not about rest days, and the reply gives the center's address, hours
and telephone as the configuration has them (``contact = true`` on the about_bot route,
``office_openings`` / ``office_words`` of ``[to_the_bot]``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.referral_checks import route_shape_problems
from knowledge.referrals import load_to_the_bot
from knowledge.to_the_bot import to_the_bot_problems
from tests.kb_asserts import answered, referred
from tests.test_console import console_config, run_console


@pytest.mark.parametrize(
    "question",
    [
        "你们星期六上不上班",  # 上班: a word of work, but the center's days
        "你们中心几点关门呀",
        "调解中心电话是多少啊",
        "你们国庆节放几天假",
        "你們禮拜天開唔開門",  # traditional characters, Cantonese
        "请问你们地址在哪",
    ],
)
def test_the_center_asked_about_as_an_office_is_not_a_labour_question(  # type: ignore[no-untyped-def]
    kb, question: str
) -> None:
    route = referred(kb, question)
    assert route.id == "about_bot" and route.contact


@pytest.mark.parametrize(
    "question",
    [
        # the asker's own matter: 我, 公司 (asker words) keep it labour
        "你们中心能帮我要加班费吗，周末加班公司一分没给",
        "我们公司周六也要上班，算不算加班",
        "周末加班没有加班费合法吗",  # no 你们: not to the center
    ],
)
def test_the_askers_own_hours_stay_labour(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, question).id.startswith(("pay.", "hours."))


def test_no_labour_text_the_bot_has_reads_as_a_question_about_the_office(kb) -> None:  # type: ignore[no-untyped-def]
    """Every phrasing of every entry stays out of the office rule (the rule never sends a
    question the knowledge base itself calls labour to the bot's route)."""
    to_the_bot = load_to_the_bot()
    assert to_the_bot is not None and to_the_bot.office_words
    taken = [
        text
        for entry in kb.entries.values()
        for texts in entry.phrasings.values()
        for text in texts
        if to_the_bot.matches(text, work=True, term=False)
    ]
    assert taken == []


def _write_contact(tmp_path: Path) -> None:
    config = console_config(tmp_path)
    config.write_text(
        config.read_text(encoding="utf-8")
        + '[center]\nphone = "020-0000-0000"\naddress = "示例区人民路1号"\n'
        + '[[sites]]\nid = "center"\nkind = "center"\naddress = "示例区人民路1号3楼"\n'
        + 'hours = "工作日 9:00-17:00"\n',
        encoding="utf-8",
    )


def test_the_reply_gives_the_centers_address_hours_and_telephone(tmp_path: Path) -> None:
    _write_contact(tmp_path)
    out = run_console(tmp_path, ["你们周六周日上班吗"])
    assert "示例区人民路1号3楼" in out  # the center site's own address
    assert "工作日 9:00-17:00" in out
    assert "020-0000-0000" in out
    assert "咨询机器人" in out and "找工作人员" in out  # what the bot is, and a person
    assert "加班" not in out.split("你们周六周日上班吗")[-1]  # not answered with rest-day law


def test_the_reply_in_english_gives_them_too(tmp_path: Path) -> None:
    _write_contact(tmp_path)
    out = run_console(tmp_path, ["/lang en", "what are the center's opening hours"])
    reply = out.split("opening hours")[-1]
    assert "Opening hours: 工作日 9:00-17:00" in reply
    assert "Telephone of the district center: 020-0000-0000" in reply


def test_without_a_configured_address_the_reply_has_no_empty_lines_of_contact(
    tmp_path: Path,
) -> None:
    out = run_console(tmp_path, ["你们几点下班"])
    assert "咨询机器人" in out
    assert "地址：" not in out and "办公时间" not in out and "电话：" not in out


def test_a_misspelt_contact_flag_is_reported() -> None:
    raw = {
        "id": "about_bot",
        "reviewed": "2026-12-07",
        "title": {"zh_CN": "关于本机器人"},
        "where": {"zh_CN": "我是咨询机器人"},
        "phrasings": {"zh_CN": ["你是谁"] * 6},
        "contact": "yes",
    }
    problems = route_shape_problems(raw, "referrals.toml: route about_bot")
    assert any("contact should be true or false" in p for p in problems)


def test_office_words_must_be_a_list_of_words() -> None:
    raw = {"route": "about_bot", "openings": ["你"], "max_chars": 14, "office_words": "几点"}
    problems = to_the_bot_problems(raw)
    assert any("office_words should be a list of words" in p for p in problems)


@pytest.mark.parametrize("question", ["你们春节上班吗", "你们是单休还是双休", "你们中秋节休息吗"])
def test_the_centers_days_off_and_holidays_by_name_are_about_the_office(  # type: ignore[no-untyped-def]
    kb, question: str
) -> None:
    # twenty-eighth pass: 单休, 双休, the holidays by name and 上班 among office_words
    assert referred(kb, question).id == "about_bot"
