"""Thirty-sixth pass of issue 18: a labour question an everyday word or a route close behind
kept from an answer is answered when the model reads labour clearly and the search is sure
enough, or the entry model picks the same entry (``GateSettings.blocked_low``/``blocked_sure``,
``Evidence.agreed``), and where two routes meet the question goes
one way while both replies name both places: a shop-front lease is the tenancy route's, a
restaurant's fumes downstairs the neighbour route's."""

from __future__ import annotations

import dataclasses

import pytest

from tests.kb_asserts import answered, referred


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("健身房兼职前台，按小时算钱，这算什么用工？", "work.part_time_basics"),
        # a long message the search covers thinly (0.35), whose entry the entry model picks too
        ("奶茶连锁店已经两个月没发工资了，店长说总部在“走流程”，我该怎么办？", "pay.arrears"),
        (
            "If I take my case against the tutoring school to court after arbitration, can I?",
            "arbitration.litigation_after",
        ),
    ],
)
def test_a_sure_question_beside_an_everyday_word_is_answered(kb, question: str, entry: str) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, question).id == entry
    shipped = kb.gate
    try:  # before the thirty-sixth pass: no answer, only the closest topics
        kb.gate = dataclasses.replace(shipped, blocked_sure=99.0)
        assert not kb.search(question).answered
    finally:
        kb.gate = shipped


@pytest.mark.parametrize(
    "question",
    ["商铺房东要提前收回门面，我装修花了十几万", "租的门面到期房东不续租，押金也不退"],
)
def test_a_shop_front_lease_goes_to_the_tenancy_route(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    route = referred(kb, question)
    assert route.id == "tenancy"
    assert "商铺" in route.full_text("zh_CN") and "shop" in route.full_text("en")


def test_a_supply_deal_stays_a_business_matter(kb) -> None:  # type: ignore[no-untyped-def]
    assert referred(kb, "供应商收了货款一直不发货，合同写了仲裁").id == "business"


def test_fumes_from_the_restaurant_downstairs_go_to_neighbours_with_the_hotline(kb) -> None:  # type: ignore[no-untyped-def]
    route = referred(kb, "楼下烧烤店油烟熏得我家没法开窗")
    assert route.id == "neighbour"
    assert "12345" in route.full_text("zh_CN") and "12345" in route.full_text("en")


def test_street_stalls_on_the_pavement_go_to_the_government_route(kb) -> None:  # type: ignore[no-untyped-def]
    assert referred(kb, "马路边夜市烧烤摊占着人行道，找谁管").id == "government"
