"""Labour words in another matter (thirty-second pass of issue 18): a question that names a
labour term only in passing — the tax on a severance payment, commercial arbitration set
against labour arbitration, what a divorce owes a spouse who gave up work — goes to its route
when the model reads it as clearly another matter; a crash on the way to work and pay owed to
the asker stay with the center whatever else they name. And fake goods are a consumer's."""

from __future__ import annotations

import pytest

from tests.kb_asserts import answered, referred


@pytest.mark.parametrize(
    ("question", "route"),
    [
        ("经济补偿金到手被扣了个税，这笔钱交个税的起征点是多少", "tax"),
        ("加班费算不算综合所得，年度汇算要不要一起报", "tax"),
        ("商事仲裁跟劳动仲裁有啥不同，我们是两个公司的货款纠纷", "business"),
        ("离婚的时候我能要求他给我经济补偿吗，我辞职在家带了五年孩子", "family"),
    ],
)
def test_a_labour_term_in_passing_goes_to_the_matters_route(
    kb,  # type: ignore[no-untyped-def]
    question: str,
    route: str,
) -> None:
    assert referred(kb, question).id == route


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("下班路上骑电动车被汽车撞了，交警说对方全责，这算工伤吗", "injury.commute_accident"),
        ("老板跑了，欠我们两个月工资，房东天天催房租", "help.boss_ran_away"),
    ],
)
def test_the_way_to_work_and_pay_owed_stay_with_the_center(kb, question: str, entry: str) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, question).id == entry


@pytest.mark.parametrize(
    "question",
    ["网上买了假货想维权 平时要留啥证据", "朋友圈微商卖假货给我 钱也不退 去哪投诉"],
)
def test_fake_goods_are_a_consumer_complaint(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    assert referred(kb, question).id == "consumer"
