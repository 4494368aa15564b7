"""Matters named by their name (thirty-first pass of issue 18): commercial arbitration is a
firm's, money lent between friends is a private debt, a divorce taken to court is the family's
— and a dispatched worker asking about sick pay, pregnancy or annual leave gets that topic's
answer, not the dispatch entries'."""

from __future__ import annotations

import pytest

from tests.kb_asserts import answered, referred


@pytest.mark.parametrize(
    "question",
    [
        "商事仲裁的仲裁费是按标的额收吗，大概要交多少",
        "What does commercial arbitration cost, and how long does it take?",
        "合作方不按合同付款，合同里约定了商事仲裁，去哪里申请",
        "商事调解达成的协议有没有法律效力",
    ],
)
def test_commercial_arbitration_goes_to_the_business_route(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    assert referred(kb, question).id == "business"


def test_a_workers_pay_beside_commercial_arbitration_stays_labour(kb) -> None:  # type: ignore[no-untyped-def]
    # not sent to the business route (the model reads it as the firms' matter: the search is
    # left to decide, and here it is unsure)
    result = kb.search("公司跟供应商在打商事仲裁，说钱都压在那边，所以拖着我们三个月工资不发")
    assert result.referral is None


@pytest.mark.parametrize(
    "question",
    [
        "借钱给同学的转账截图和聊天记录，要怎么留才算证据",
        "表哥借钱三年不还，当时的录音能不能当证据",
    ],
)
def test_evidence_of_money_lent_is_a_private_debt(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    assert referred(kb, question).id == "private_debt"


def test_a_divorce_in_court_goes_to_the_family_route(kb) -> None:  # type: ignore[no-untyped-def]
    assert referred(kb, "去法院起诉离婚要交多少诉讼费").id == "family"


def test_a_divorce_hearing_on_a_shift_day_gets_no_labour_answer(kb) -> None:  # type: ignore[no-untyped-def]
    result = kb.search("离婚案子下周开庭，可我那天要上早班请不下假，不去法院会怎样")
    assert not result.answered  # not labour arbitration's hearing entry
    assert result.referral is None or result.referral.id == "family"


def test_a_labour_hearing_on_a_shift_day_is_still_answered(kb) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, "仲裁开庭那天我要上夜班，不去会怎么样").id == "arbitration.hearing_absence"


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("我是劳务派遣工，病了请三天假，派遣公司说病假一分钱没有", "pay.sick_pay"),
        ("派遣工怀孕了，派遣公司能不能跟我解除合同", "termination.pregnancy_dismissal"),
        ("我们派遣员工有没有年休假", "hours.annual_leave"),
    ],
)
def test_a_dispatched_worker_gets_the_topics_answer(kb, question: str, entry: str) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, question).id == entry


def test_who_of_the_two_firms_is_liable_stays_with_the_dispatch_entries(kb) -> None:  # type: ignore[no-untyped-def]
    entry = answered(kb, "派遣工在用工单位受了伤，派遣公司和用工单位谁负责")
    assert entry.id.startswith("work.dispatch")


def test_a_phone_plan_with_no_fixed_term_goes_to_the_telecom_route(kb) -> None:  # type: ignore[no-untyped-def]
    # not the open-ended labour contract entry, and not "not sure" either
    assert referred(kb, "手机套餐签的是无固定期限合约吗？满两年没续约算什么").id == "telecom"


def test_a_late_and_rude_takeaway_rider_is_a_consumer_complaint(kb) -> None:  # type: ignore[no-untyped-def]
    assert referred(kb, "外卖骑手把我的餐洒了还不承认，找谁投诉").id == "consumer"


def test_a_crash_on_the_way_home_stays_a_commuting_question(kb) -> None:  # type: ignore[no-untyped-def]
    entry = answered(kb, "下班骑电动车回家路上被小车撞了，对方全责，算工伤吗")
    assert entry.id == "injury.commute_accident"
