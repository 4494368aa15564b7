"""The learned gate of issue 18's fifth pass (knowledge/domain_model.py, knowledge/faq_gate.py).

The model learns labour from the entries' phrasings and each route from its own phrasings,
so a question the word lists say nothing about still goes to its route, and a route staff
add changes where questions go at the next reload, with no word list touched.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from knowledge.domain_model import DomainModel, Guess, features
from knowledge.faq import KnowledgeBase, load_kb
from knowledge.faq_check import check_kb
from knowledge.faq_files import DEFAULT_FOLDER
from knowledge.faq_gate import Evidence, GateSettings, Leaning, fuse
from knowledge.referrals import REFERRALS_PATH
from tests.kb_asserts import answered, referred
from tests.test_console import run_console
from tests.test_faq import write_sample

LOTTERY = """
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
"""


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
        # no listed word, no route close enough: the model is sure it is not labour (the
        # routes' phrasings now refer most such questions by themselves, 分手后要我还钱 too)
        # (在旅游景点买特产被坑了 was one until the twelfth pass's model words: now unsure)
        ("景区买的玉镯是假的", "consumer"),
        ("喺餐厅食完肚痛，老细唔认", "consumer"),  # 老细: here a restaurant's owner
    ],
)
def test_everyday_matter_the_word_lists_miss_goes_to_its_route(
    kb: KnowledgeBase, question: str, route: str
) -> None:
    words_only = KnowledgeBase(**{**kb.__dict__, "gate": GateSettings(enabled=False)})
    assert words_only.search(question).referral is None  # the fourth pass's gate: unsure
    assert referred(kb, question).id == route


def test_a_confident_labour_question_is_not_taken_by_the_model(kb: KnowledgeBase) -> None:
    # 炒鱿鱼 is a synonym the search knows; the model's n-grams lean to traffic's 赔多少
    result = kb.search("我被炒鱿鱼了，公司能赔多少")
    assert result.answered and result.referral is None


def test_a_new_route_changes_the_decisions_after_reload(kb: KnowledgeBase, tmp_path: Path) -> None:
    question = "双色球中了二等奖去哪兑"
    before = kb
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


def test_a_word_of_work_does_not_keep_an_answer_the_model_finds_clearly_elsewhere() -> None:
    # 工资 in "my husband's wage card": a word of work and a confident wage entry, but the
    # model is sure the question is about a family matter (log-odds below ``floor``)
    family = Guess(labour=0.01, log_odds=-1.5, route="family", route_share=0.9)
    evidence = Evidence(
        answered=True,
        referral=None,
        lean=Leaning(work=True, other=False, term=False),
        guess=family,
        confidence=0.98,  # at least ``trust``
        blocked=False,
    )
    assert fuse(evidence, GateSettings()) == (False, "family")
    unsure = replace(evidence, guess=replace(family, log_odds=-0.5))  # not clearly elsewhere
    assert fuse(unsure, GateSettings()) == (True, None)
    assert fuse(evidence, GateSettings(floor=float("-inf"))) == (True, None)  # the fifth pass


def test_a_handful_of_entries_teaches_no_model(kb: KnowledgeBase, tmp_path: Path) -> None:
    # a few sample entries against the routes' hundreds of phrasings would veto their own
    # questions: below MIN_LABOUR_TEXTS the word lists decide alone
    folder = write_sample(tmp_path / "faq")
    small = load_kb(folder)
    assert small.domain is None
    assert answered(small, "干了半年活，工钱一直拖着不给").id == "pay.arrears"
    assert kb.domain is not None  # the packaged knowledge base


def test_a_question_with_no_word_of_work_needs_a_surer_answer(kb: KnowledgeBase) -> None:
    # 春节 is in the holiday-pay entries, but nothing in the question speaks of work
    evidence = Evidence(
        answered=True,
        referral=None,
        lean=Leaning(work=False, other=False, term=False),
        guess=Guess(labour=0.7, log_odds=0.9, route="government", route_share=0.5),
        confidence=0.72,
        blocked=False,
    )
    assert fuse(evidence, GateSettings()) == (False, None)  # unsure: a person is offered
    # a wordless question needs a search confidence of 0.85 (0.92 before the seventeenth pass) ...
    assert fuse(replace(evidence, confidence=0.8), GateSettings()) == (False, None)
    assert fuse(replace(evidence, confidence=0.9), GateSettings()) == (True, None)
    # ... or a model that finds it clearly labour
    sure = replace(evidence, guess=replace(evidence.guess, log_odds=1.2))
    assert fuse(sure, GateSettings()) == (True, None)
    working = replace(evidence, lean=Leaning(work=True, other=False, term=False))
    assert fuse(working, GateSettings()) == (True, None)
    assert not kb.search("今年春节档有哪些电影好看").answered


def test_model_words_teach_the_model_but_are_never_searched(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    folder = tmp_path / "faq"
    shutil.copytree(DEFAULT_FOLDER, folder)
    odd = "嗷呜嗷呜卡"  # a word no entry, route or model text holds
    before = kb  # the packaged files: the copy as it was before the file below was added
    (folder / "model_words" / "local.toml").write_text(
        f'["consumer"]\nzh_CN = ["{odd}退不了钱", "{odd}过期了商家不认", "买的{odd}是假的"]\n',
        encoding="utf-8",
    )
    assert check_kb(folder) == []
    after = load_kb(folder)
    assert before.domain is not None and after.domain is not None
    guess_before, guess_after = before.domain.predict(odd), after.domain.predict(odd)
    assert guess_after.route == "consumer" and guess_after.log_odds < guess_before.log_odds
    # not indexed: the search finds nothing more than before
    assert len(after.index.docs) == len(before.index.docs)
    assert [h.entry_id for h in after.index.search(odd)] == [
        h.entry_id for h in before.index.search(odd)
    ]


def test_model_words_with_an_unknown_id_fail_the_check(tmp_path: Path) -> None:
    folder = tmp_path / "faq"
    shutil.copytree(DEFAULT_FOLDER, folder)
    (folder / "model_words" / "typo.toml").write_text(
        '["tenacy"]\nzh_CN = ["房东不退押金"]\n', encoding="utf-8"
    )
    assert any("unknown entry or route id 'tenacy'" in p for p in check_kb(folder))


def test_the_packaged_model_words_are_learned(kb: KnowledgeBase, tmp_path: Path) -> None:
    # a worker's question told beside the rent: the model's own texts hold such stories
    folder = tmp_path / "faq"
    shutil.copytree(DEFAULT_FOLDER, folder)
    shutil.rmtree(folder / "model_words")
    without = load_kb(folder)
    question = "厂里三个月没发钱了，房东天天催房租"
    assert kb.domain is not None and without.domain is not None
    assert kb.domain.predict(question).log_odds > without.domain.predict(question).log_odds


def test_the_former_tuning_questions_teach_the_model(kb: KnowledgeBase, tmp_path: Path) -> None:
    # model_words/examples_*.toml: thousands of questions in people's own words. Without them a
    # fake job advert that took a "training fee" reads as a job question (钱, 培训, 招聘), and a
    # residence permit that asks for social insurance records as a social insurance question.
    # (Demolition compensation, read as an inheritance matter without them until the
    # twenty-third pass, now goes to the government route either way: that route learned more.)
    folder = tmp_path / "faq"
    shutil.copytree(DEFAULT_FOLDER, folder)
    for path in (folder / "model_words").glob("examples*.toml"):
        path.unlink()
    without = load_kb(folder)
    assert kb.domain is not None and without.domain is not None
    scam = "招聘广告让先交培训费，交完人联系不上了"
    assert without.domain.predict(scam).log_odds > 0
    learned = kb.domain.predict(scam)
    assert learned.route == "police" and learned.log_odds < GateSettings().veto
    permit = "居住证要半年社保记录，我没有单位怎么办"
    unlearned = without.domain.predict(permit)
    # the n-gram readings (the texts most alike aside: knowledge/neighbours.py)
    assert unlearned.sending_odds > GateSettings().veto  # would be answered with labour law
    assert kb.domain.predict(permit).sending_odds < unlearned.sending_odds - 0.4
    found = kb.search(permit)
    assert not found.answered and found.referral is not None
    assert found.referral.id == "government"
