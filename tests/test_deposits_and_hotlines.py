"""Thirty-fifth pass of issue 18: a deposit taken for a job is labour in a few words too (the
issue's own pair: 我想租房押金不退 is a tenancy matter), a hotline's number points to its route,
and wages written down as a loan stay wages."""

from __future__ import annotations

import pytest

from tests.kb_asserts import answered, referred


@pytest.mark.parametrize("question", ["工作押金不退", "离职时押金不退", "入职押金不退怎么办"])
def test_a_deposit_for_a_job_is_answered_in_a_few_words(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, question).id == "contract.deposit_fee"


@pytest.mark.parametrize("question", ["我想租房押金不退", "房东押金不退", "租的房子到期了押金不退"])
def test_a_landlords_deposit_goes_to_the_tenancy_route(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    assert referred(kb, question).id == "tenancy"


@pytest.mark.parametrize("question", ["打12315", "12315怎么投诉啊"])
def test_the_consumer_hotline_by_its_number_is_the_consumer_route(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    # 12315 was no word to the search: these read as 打 or 投诉 alone (投诉 is labour
    # inspection's word) and were referred nowhere or to the transport route
    assert referred(kb, question).id == "consumer"


def test_the_labour_hotline_by_its_number_stays_labour(kb) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, "打12333投诉公司欠薪有用吗").id == "help.labour_inspection_complaint"


def test_wages_written_down_as_a_loan_are_still_wages(kb) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, "老板把欠我的工资写成了借条，这还能当工资要吗").id == "pay.iou"


def test_a_worker_locked_in_gets_the_safety_entry(kb) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, "厂里锁着宿舍门不让我们走").id == "help.threatened_safety"


def test_an_iou_for_wages_asked_as_court_or_labour_is_answered(kb) -> None:  # type: ignore[no-untyped-def]
    # a route close behind (private debt) kept it from an answer while the model read labour
    # at 0.9; since the thirty-fifth pass the contested path answers from log-odds 0.5
    question = (
        "My employer signed a paper saying he owes me 38,000 salary. "
        "Is this a debt case for the court or a labour case?"
    )
    assert answered(kb, question).id == "pay.iou"
