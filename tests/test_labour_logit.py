"""Issue 18, twenty-second pass: the domain model's log-odds average naive Bayes with a
logistic regression over the same n-grams (knowledge/labour_logit.py).

The questions below are tuning questions (bench/faq_eval/tuning) that the naive Bayes gate
of the twenty-first pass decided wrongly and the averaged one decides rightly.
"""

from __future__ import annotations

from collections import Counter

import pytest

from knowledge import labour_logit
from knowledge.domain_model import BAYES_WEIGHT, LOGIT_WEIGHT, DomainModel, features
from tests.kb_asserts import answered

LABOUR = ["老板拖欠工资不发", "公司辞退我不给补偿", "加班没有加班费", "上班路上受伤算工伤吗"]
TENANCY = ["房东不退押金", "房租到期房东涨价", "租的房子漏水房东不修", "退租时押金被扣"]


def test_the_regression_learns_which_n_grams_mean_work() -> None:
    texts = [features(t) for t in LABOUR + TENANCY]
    row = {g: i for i, g in enumerate(sorted({g for grams in texts for g in grams}))}
    weights, bias = labour_logit.fit(texts, [True] * 4 + [False] * 4, row)

    def odds(question: str) -> float:
        grams = set(features(question))
        return labour_logit.logit(weights, bias, [row[g] for g in grams if g in row], len(grams))

    assert odds("工资一直拖着不发") > 0 > odds("房东一直不退押金")
    assert odds("今天天气怎么样") == pytest.approx(bias)  # nothing it knows: the bias alone


def test_the_log_odds_average_both_readings() -> None:
    model = DomainModel.train(LABOUR, {"tenancy": TENANCY})
    bayes_only = DomainModel(model_counts(), {"": 0.5, "tenancy": 0.5})
    question = "房东拖欠押金不退"
    both, alone = model.predict(question).log_odds, bayes_only.predict(question).log_odds
    assert both != alone
    assert both < 0 and alone < 0  # both readings find it a tenancy matter
    assert (BAYES_WEIGHT, LOGIT_WEIGHT) == (0.5, 0.15)


def model_counts() -> dict[str, Counter[str]]:
    """The naive Bayes counts of LABOUR and TENANCY, for a model without the regression."""
    labour: Counter[str] = Counter()
    tenancy: Counter[str] = Counter()
    for text in LABOUR:
        labour.update(features(text))
    for text in TENANCY:
        tenancy.update(features(text))
    return {"": labour, "tenancy": tenancy}


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("东家欠俺工钱老不给，这可咋整啊", "pay.arrears"),
        (
            "去酒店应聘服务员，要先交八百押金加两百服装费，我兜里就剩一千了，这合法吗",
            "contract.deposit_fee",
        ),
        ("顾客投诉一次就罚我两百，店长说这是规定，合法不", "pay.fines"),
        (
            "调解那天我要去医院陪老婆生孩子，能让我弟拿着委托书替我去吗",
            "process.companion_representative",
        ),
    ],
)
def test_a_worker_in_everyday_words_is_answered(kb, question: str, entry: str) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, question).id == entry


@pytest.mark.parametrize(
    ("question", "route"),
    [
        ("我的小公司不想干了要注销，流程是啥，要多久", None),
        ("孩子抚养费是按工资的百分之多少算？他工资是现金发的，没有银行流水怎么办", "family"),
        ("我给一家公司食堂送了半年的菜，对方换了老板，新老板不认之前的账", "business"),
        ("医院说是实习医生操作失误，让我们自己去找他的学校", "medical"),
        ("订婚后男方说他被公司裁员了，要退婚，彩礼他家要全退，合理吗", "family"),
    ],
)
def test_an_everyday_matter_in_the_words_of_work_is_not_answered(
    kb, question: str, route: str | None
) -> None:  # type: ignore[no-untyped-def]
    result = kb.search(question)
    assert not result.answered
    if route is not None:
        assert result.referral is not None and result.referral.id == route
