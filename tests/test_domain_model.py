"""The learned gate of issue 18's fifth pass (knowledge/domain_model.py, knowledge/faq_gate.py).

The model learns labour from the entries' phrasings and each route from its own phrasings,
so a question the word lists say nothing about still goes to its route, and a route staff
add changes where questions go at the next reload, with no word list touched.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.domain_model import DomainModel, features
from knowledge.faq import KnowledgeBase, load_kb, load_kb_shared
from knowledge.faq_gate import GateSettings
from knowledge.referrals import REFERRALS_PATH
from tests.test_console import run_console

LOTTERY = '''
[[route]]
id = "lottery"
reviewed = 2026-12-05
title.zh_CN = "彩票兑奖"
title.en = "Lottery prizes"
where.zh_CN = "彩票兑奖请带彩票原件和身份证到当地福利彩票或体育彩票中心办理。"
where.en = "Lottery prizes are paid at the local welfare or sports lottery centre (ticket and ID)."
phrasings.zh_CN = [
  "彩票中奖了怎么兑奖", "刮刮乐中了奖去哪里领", "双色球中奖领奖要带什么",
  "买彩票中了大奖怎么领钱", "彩票站不给兑奖", "体彩中奖了兑奖期限多久",
]
phrasings.en = ["how do I claim a lottery prize"]
'''


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_kb_shared({})


def test_features_fold_script_width_and_case_like_the_search() -> None:
    assert features("工資") == features("工资") == ["工", "资", "工资"]
    assert features("ＷＡＧＥ wages") == ["wage", "wage"]


def test_the_model_learns_labour_and_the_routes_from_the_knowledge_base(kb: KnowledgeBase) -> None:
    assert kb.domain is not None
    wages = kb.domain.predict("厂里三个月没发工钱了")
    assert wages.labour > 0.9 and wages.log_odds > 0
    deposit = kb.domain.predict("房东不退押金")
    assert deposit.labour < 0.1 and deposit.route == "tenancy"


def test_a_tiny_model_learns_what_it_is_given() -> None:
    model = DomainModel.train(["老板拖欠工资", "加班没有加班费"], {"pets": ["狗咬人", "猫丢了"]})
    assert model.predict("狗又咬人了").route == "pets"
    assert model.predict("狗又咬人了").labour < 0.5
    assert model.predict("工资被拖欠").labour > 0.5


@pytest.mark.parametrize(
    ("question", "route"),
    [
        ("买的二手车里程表被调过，车商不认", "consumer"),  # no listed word, no close route
        ("宠物店卖的猫一周就病死了", "consumer"),
    ],
)
def test_everyday_matter_the_word_lists_miss_goes_to_its_route(
    kb: KnowledgeBase, question: str, route: str
) -> None:
    words_only = KnowledgeBase(**{**kb.__dict__, "gate": GateSettings(enabled=False)})
    assert words_only.search(question).referral is None  # the fourth pass's gate: unsure
    result = kb.search(question)
    assert not result.answered
    assert result.referral is not None and result.referral.id == route


def test_a_confident_labour_question_is_not_taken_by_the_model(kb: KnowledgeBase) -> None:
    # 炒鱿鱼 is a synonym the search knows; the model's n-grams lean to traffic's 赔多少
    result = kb.search("我被炒鱿鱼了，公司能赔多少")
    assert result.answered and result.referral is None


def test_a_new_route_changes_the_decisions_after_reload(tmp_path: Path) -> None:
    question = "刮刮乐刮中了五千块，要去哪里领"
    before = load_kb()
    assert before.domain is not None and before.domain.predict(question).route != "lottery"
    path = tmp_path / "referrals.toml"
    path.write_text(REFERRALS_PATH.read_text(encoding="utf-8") + LOTTERY, encoding="utf-8")
    after = load_kb(referrals=path)  # what /faq reload does with the edited file
    assert after.domain is not None and after.domain.predict(question).route == "lottery"
    result = after.search(question)
    assert not result.answered
    assert result.referral is not None and result.referral.id == "lottery"


def test_console_refers_a_question_no_word_list_names_with_where_to_go(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["买的二手车里程表被调过，车商不认"])
    assert "这看起来不属于劳动人事争议" in out
    assert "12315" in out  # the consumer route's where-to-go text
    assert "找工作人员" in out
