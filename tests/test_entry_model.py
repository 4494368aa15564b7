"""The second reading of a question (issue 18, fifteenth pass; knowledge/entry_model.py).

A naive Bayes over character n-grams picks the entry (or route) a question points to. It
re-ranks the search's labour entries (a neighbour that shares the rarer words no longer wins
over the entry the question is about) and, when it picks the search's own first entry, lets
that entry be answered below the threshold, but only when the domain model finds the
question about work. Referral decisions still weigh the search's own best entry.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import knowledge.entry_model as entry_model
from knowledge.domain_model import Guess
from knowledge.entry_model import EntryModel, Reading
from knowledge.faq import KnowledgeBase
from knowledge.faq_index import Hit
from tests.kb_asserts import referred


def tiny() -> EntryModel:
    return EntryModel.train(
        {
            "pay.arrears": ["老板拖欠工资不给", "工资拖了三个月"],
            "injury.what_counts": ["干活受伤算不算工伤", "上班时摔伤了"],
            "route:tenancy": ["房东不退押金", "房租押金纠纷"],
        }
    )


def test_it_picks_the_item_whose_characters_the_question_shares() -> None:
    model = tiny()
    reading = model.read("老板把工资拖欠了")
    assert reading is not None
    assert reading.best == "pay.arrears" and 0.5 < reading.share <= 1.0
    other = model.read("房东扣着押金")
    assert other is not None and other.best == "route:tenancy"
    assert model.read("hello") is None  # nothing it knows: no reading, no opinion


def test_english_is_left_to_the_search() -> None:
    """English words would be read whole, without the search's stems and bilingual synonyms."""
    model = EntryModel.train({"pay.arrears": ["boss owes wages"], "route:tenancy": ["deposit"]})
    assert model.read("my boss owes me wages") is None
    assert model.read("boss owes 工资") is not None  # some Chinese: read


def test_lifts_leave_the_best_entry_alone_and_lower_the_others() -> None:
    model = tiny()
    reading = model.read("干活的时候摔伤了")
    assert reading is not None
    hits = [Hit("pay.arrears", 0.7, 0.8), Hit("injury.what_counts", 0.65, 0.7)]
    lifts = reading.lifts(hits)
    assert lifts["injury.what_counts"] == 0.0
    assert lifts["pay.arrears"] < 0.0


def test_agreement_needs_the_same_entry_enough_confidence_and_a_labour_leaning() -> None:
    reading = Reading(np.zeros(1), {"pay.arrears": 0}, "pay.arrears", 0.99)
    labour = Guess(0.9, 1.5, None, 0.0)
    assert reading.agrees(Hit("pay.arrears", 0.4, 0.5), labour)
    assert not reading.agrees(Hit("pay.arrears", 0.3, 0.2), labour)  # too far from sure
    assert not reading.agrees(Hit("pay.deductions", 0.4, 0.5), labour)  # another entry
    everyday = Guess(0.3, -0.4, "tenancy", 0.9)
    assert not reading.agrees(Hit("pay.arrears", 0.4, 0.5), everyday)  # not about work
    assert not reading.agrees(Hit("pay.arrears", 0.4, 0.5), None)  # no domain model


@pytest.mark.parametrize(
    ("question", "entry", "neighbour"),
    [
        # the search alone answered each with the neighbour, confidently
        ("去公司要工资被保安打了", "help.threatened_safety", "pay.arrears"),
        ("抗洪救灾受伤算工伤吗", "injury.deemed_injury", "injury.what_counts"),
        ("没有交社保受了工伤怎么赔", "injury.no_insurance", "injury.benefit_disputes"),
        (
            "签了调解协议以后还能反悔吗",
            "process.agreement_effect",
            "process.agreement_not_honoured",
        ),
    ],
)
def test_the_entry_the_question_is_about_is_answered_not_its_neighbour(
    kb: KnowledgeBase, question: str, entry: str, neighbour: str
) -> None:
    result = kb.search(question)
    assert result.answered and result.best is not None
    assert result.best.id == entry
    assert neighbour in [e.id for e, _ in result.candidates]  # still offered further down


def test_two_readings_that_agree_answer_below_the_threshold(kb: KnowledgeBase) -> None:
    result = kb.search("厂里克扣我工钱，说我做事不行")
    assert result.best is not None and result.best.id == "pay.deductions"
    assert result.confidence < kb.index.threshold
    assert result.answered


def test_without_the_second_reading_the_same_question_is_not_answered(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entry_model, "AGREE_FLOOR", math.inf)
    result = kb.search("厂里克扣我工钱，说我做事不行")
    assert not result.answered  # the search alone is not sure: "not sure, ask a person"


def test_everyday_questions_are_still_referred_not_answered(kb: KnowledgeBase) -> None:
    for question, route in [
        ("房东扣着租房押金不退怎么办", "tenancy"),
        ("朋友借钱不还怎么办", "private_debt"),
    ]:
        assert referred(kb, question).id == route
