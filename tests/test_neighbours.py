"""Issue 18, twenty-fifth pass: the domain model's log-odds also hold the vote of the texts
most alike the question (knowledge/neighbours.py), so an everyday question written in the
words of labour law leans to the side of the everyday questions it resembles."""

from __future__ import annotations

from knowledge.domain_model import NEIGHBOUR_CENTRE, DomainModel, features
from knowledge.neighbours import K, Neighbours

LABOUR = [
    "公司试用期定了六个月合法吗",
    "试用期被辞退有补偿吗",
    "试用期工资能打八折吗",
    "入职试用期没签合同怎么办",
    "老板拖欠工资不发",
    "加班没有加班费",
]
EVERYDAY = [
    "健身卡说有七天试用期，过了就不能退吗",
    "健身房会员卡试用期结束自动扣费",
    "净水器试用期免费结果还是收钱了",
    "房东不退押金",
    "退租时押金被扣",
    "app会员试用期到了又扣了一次钱",
]


def reader() -> tuple[Neighbours, dict[str, int]]:
    texts = [features(t) for t in LABOUR + EVERYDAY]
    row = {g: i for i, g in enumerate(sorted({g for grams in texts for g in grams}))}
    labour = [True] * len(LABOUR) + [False] * len(EVERYDAY)
    return Neighbours(texts, labour, row), row


def share(question: str) -> float | None:
    neighbours, row = reader()
    return neighbours.labour_share([row[g] for g in features(question) if g in row])


def test_the_closest_texts_decide_which_side_a_term_is_on() -> None:
    gym = share("办的健身卡试用期七天，过了试用期不给退卡")
    job = share("新公司试用期要六个月，工资打八折，合法吗")
    assert gym is not None and job is not None
    assert gym < 0.5 < job


def test_a_question_like_nothing_it_knows_gets_no_vote() -> None:
    assert share("hello, is anyone there") is None
    assert share("") is None


def test_too_few_texts_to_vote() -> None:
    texts = [features(t) for t in LABOUR[:K]]
    row = {g: i for i, g in enumerate(sorted({g for grams in texts for g in grams}))}
    few = Neighbours(texts, [True] * K, row)
    assert few.labour_share([row[g] for g in features(LABOUR[0])]) is None


def test_the_vote_moves_the_models_log_odds() -> None:
    model = DomainModel.train(LABOUR, {"consumer": EVERYDAY})
    question = "健身卡试用期七天过了不退"
    voted = model.predict(question).log_odds
    model._neighbours = None
    alone = model.predict(question).log_odds
    gym = share(question)
    assert gym is not None and gym < NEIGHBOUR_CENTRE
    assert voted < alone  # the everyday texts alike pull it toward the everyday side
