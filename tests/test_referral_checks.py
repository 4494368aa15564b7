"""`mediation-bot kb check` on the referral data: labour words, route keys and phrasings.

Each mistake here fails silently at run time (a labour word that never matches, a route whose
phrasings are under a misspelt key), so the check must name it, in words staff can act on.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.faq_check import check_kb
from knowledge.faq_files import DEFAULT_FOLDER
from knowledge.kb_shared import load_kb_shared
from knowledge.referrals import REFERRALS_PATH, check_routes
from tests.kb_asserts import answered
from tests.test_faq import run_cli

ROUTE = """
[[route]]
id = "pets"
reviewed = 2026-12-01
title.zh_CN = "宠物扰民"
title.en = "Noisy pets"
where.zh_CN = "找社区居委会或街道人民调解委员会。"
where.en = "The residents' committee or the street's people's mediation committee."
phrasings.zh_CN = ["邻居家狗天天叫", "楼上养狗扰民", "邻居的猫在楼道拉屎", "狗半夜一直叫",
  "邻居养鸡打鸣吵", "楼下的狗咬了我"]
"""


def write(tmp_path: Path, head: str, route: str = ROUTE) -> Path:
    path = tmp_path / "referrals.toml"
    path.write_text(head + route, encoding="utf-8")
    return path


def test_a_good_file_passes(tmp_path: Path) -> None:
    assert check_routes(write(tmp_path, 'labour_words = ["工资", "上班", "boss"]\n')) == []


@pytest.mark.parametrize(
    ("head", "says"),
    [
        ("", "labour_words is missing"),
        ('labour_words = "工资"\n', "labour_words should be a non-empty list"),
        ("labour_words = []\n", "labour_words should be a non-empty list"),
        ('labour_words = ["工资", ""]\n', "labour_words #2: '' is not a word"),
        ('labour_words = ["工资", 3]\n', "labour_words #2: 3 is not a word"),
        ('labour_words = ["工资", "工资"]\n', "'工资' is listed twice"),
        # questions are folded before matching: these could never be found in one
        ('labour_words = ["我的工资"]\n', "'我的工资' can never match"),
        ('labour_words = ["wages"]\n', "'wages' can never match"),
        ('labour_words = ["Boss"]\n', "write it as 'boss'"),
        ('labour_words = ["工資"]\n', "write it as '工资'"),
        ('labour_words = ["unpaid wage"]\n', "matched one word at a time"),
        ('labour_words = ["工"]\n', "one character matches inside too many unrelated words"),
        ('labor_words = ["工资"]\n', "unknown key 'labor_words'"),
    ],
)
def test_labour_words_mistakes_are_named(tmp_path: Path, head: str, says: str) -> None:
    problems = check_routes(write(tmp_path, head))
    assert any(says in p for p in problems), problems


@pytest.mark.parametrize(
    ("route", "says"),
    [
        (ROUTE.replace("phrasings.zh_CN", "phrasing.zh_CN"), "unknown key 'phrasing'"),
        (ROUTE.replace('"楼下的狗咬了我"', '"楼上养狗扰民"'), "'楼上养狗扰民' is listed twice"),
        (ROUTE.replace('"楼下的狗咬了我"', '""'), "'' is not a question"),
        (ROUTE.replace('"楼下的狗咬了我"', "7"), "7 is not a question"),
        (ROUTE + 'phrasings.fr = ["chien"]\n', "phrasings.fr: unknown language"),
        (ROUTE + 'basis.zh_CN = "《人民调解法》第二条"\n', "basis needs both zh_CN and en"),
        (ROUTE + 'plain = "yes"\n', "plain should be true or false"),
        (ROUTE + 'sole_words = "狗"\n', "sole_words: should be a non-empty list of words"),
        (ROUTE + 'sole_words = ["狗"]\n', "sole_words #1: '狗' is not a word of two"),
        (ROUTE + 'unless_words = ["工资"]\n', "unless_words without sole_words does nothing"),
        (
            ROUTE + 'sole_words = ["养狗"]\ndespite_words = ["实际工资"]\n',
            "despite_words without unless_words does nothing",
        ),
        (ROUTE + 'despite_words = ["资"]\n', "despite_words #1: '资' is not a word of two"),
        (ROUTE + 'split_words = ["怎么分"]\n', "split_among, split_money, split_words work only"),
        (ROUTE + 'split_money = "抚恤金"\n', "split_money: should be a non-empty list of words"),
        (
            ROUTE + 'firm_speakers = ["我们"]\nfirm_kinds = ["派遣"]\n',
            "firm_kinds, firm_matters, firm_speakers work only all three together",
        ),
        (ROUTE + 'firm_pairs = ["两家公司"]\n', "firm_speakers work only all three together"),
        (ROUTE.replace('title.en = "Noisy pets"\n', ""), "pets: missing title.en"),
        ("", "no [[route]] tables"),
        (
            ROUTE + ROUTE.replace('"pets"', '"pets2"'),
            "'邻居家狗天天叫' is also a phrasing of route pets",
        ),
    ],
)
def test_route_mistakes_are_named(tmp_path: Path, route: str, says: str) -> None:
    path = write(tmp_path, 'labour_words = ["工资"]\n', route)
    problems = check_kb(referrals=path)
    assert any(says in p for p in problems), problems


def test_a_route_phrasing_that_is_also_an_entry_phrasing_fails(tmp_path: Path) -> None:
    kb = load_kb_shared({})
    entry = kb.get("pay.arrears")
    assert entry is not None
    labour = entry.phrasings["zh_CN"][0]
    path = write(tmp_path, 'labour_words = ["工资"]\n', ROUTE.replace("邻居家狗天天叫", labour))
    problems = check_kb(referrals=path)
    assert any(f"{labour!r} is also a phrasing of entry pay.arrears" in p for p in problems)


def test_added_phrasings_must_be_strings_and_not_repeated(tmp_path: Path) -> None:
    folder = tmp_path / "faq"
    shutil.copytree(DEFAULT_FOLDER, folder)
    (folder / "phrasings" / "local.toml").write_text(
        '["pay.arrears"]\nzh_CN = ["东家的薪水赊着", "东家的薪水赊着", 5]\n', encoding="utf-8"
    )
    problems = check_kb(folder)
    assert any("pay.arrears.zh_CN #2: '东家的薪水赊着' is listed twice" in p for p in problems)
    assert any("pay.arrears.zh_CN #3: 5 is not a question" in p for p in problems)


def test_cli_checks_another_referrals_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'labour_words = ["wages", "工资"]\n')
    failed = run_cli(["kb", "check", "--referrals", str(path)], tmp_path)
    assert failed.returncode == 1
    assert "labour_words #1: 'wages' can never match" in failed.stdout
    assert "write it as 'wage'" in failed.stdout
    assert run_cli(["kb", "check", "--referrals", str(REFERRALS_PATH)], tmp_path).returncode == 0


# ───────────── other_words: an everyday matter and no word of work is never labour ─────────────


@pytest.mark.parametrize(
    ("question", "route"),
    [
        ("我是房东，租客三个月没交房租人也联系不上", "tenancy"),  # was: help.boss_ran_away
        ("中介公司说好的押一付一，签合同的时候变成押二付三了", None),  # 公司 inside 中介公司
        ("买了保险出事了保险公司拒赔", None),  # was: injury.no_insurance
    ],
)
def test_an_everyday_matter_without_work_is_not_answered_with_labour(
    question: str, route: str | None
) -> None:
    result = load_kb_shared({}).search(question)
    assert not result.answered
    if route is not None:
        assert result.referral is not None and result.referral.id == route


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("我退休了在领退休金，又去小区物业当保安，现在被辞了能要补偿吗", "work.retiree_rehired"),
        ("进厂的时候交了五百块押金，现在辞职厂里不退", "contract.deposit_fee"),
        ("上班路上被出租车撞了算工伤吗", "injury.commute_accident"),
    ],
)
def test_with_a_word_of_work_it_stays_labour(question: str, entry: str) -> None:
    assert answered(load_kb_shared({}), question).id == entry


def test_other_words_are_checked_like_labour_words(tmp_path: Path) -> None:
    head = 'labour_words = ["工资", "公司"]\nother_words = ["房東", "公司", "离婚"]\n'
    problems = check_routes(write(tmp_path, head))
    assert any("other_words #1: '房東' can never match" in p for p in problems), problems
    assert any("'公司' is in both labour_words and other_words" in p for p in problems)


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('route = "bot"\nopenings = ["你"]\nmax_chars = 14\n', "'bot' is not the id of any"),
        ('route = "pets"\nopenings = []\nmax_chars = 14\n', "openings is empty"),
        ('route = "pets"\nopenings = "你"\nmax_chars = 14\n', "openings should be a list"),
        ('route = "pets"\nopenings = ["你"]\nmax_chars = "14"\n', "max_chars should be"),
        ('route = "pets"\nopenings = ["你"]\nmax_chars = 14\nmax = 3\n', "unknown key 'max'"),
        ('route = "pets"\nopenings = ["你"]\nmax_chars = 14\nmax_words = -1\n', "max_words should"),
        ('route = "pets"\nopenings = ["你"]\nmax_chars = 14\nnames = "bot"\n', "names should be"),
    ],
)
def test_to_the_bot_mistakes_are_named(tmp_path: Path, table: str, says: str) -> None:
    path = write(tmp_path, f'labour_words = ["工资"]\n[to_the_bot]\n{table}')
    problems = check_routes(path)
    assert any(says in p for p in problems), problems


def test_a_good_to_the_bot_table_passes(tmp_path: Path) -> None:
    table = 'route = "pets"\nopenings = ["你"]\nnot_then = ["们"]\nmax_chars = 14\n'
    assert check_routes(write(tmp_path, f'labour_words = ["工资"]\n[to_the_bot]\n{table}')) == []
