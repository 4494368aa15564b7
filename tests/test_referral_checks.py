"""`mediation-bot kb check` on the referral data: labour words, route keys and phrasings.

Each mistake here fails silently at run time (a labour word that never matches, a route whose
phrasings are under a misspelt key), so the check must name it, in words staff can act on.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.faq import check_kb, load_kb
from knowledge.faq_files import DEFAULT_FOLDER
from knowledge.referrals import REFERRALS_PATH, check_routes
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
    kb = load_kb()
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
