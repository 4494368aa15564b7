"""Which referral route the search and the word lists choose, before the learned model.

The routes' phrasings are indexed next to the entries (:mod:`knowledge.faq_index`), so a
question's hits hold both. A route is referred when it outranks every labour entry
confidently; a question that speaks of work needs the route to lead by a margin
(下班路上出车祸 stays a work-injury question); a question that names an everyday matter and
no work, or no word of work at all, is referred from a lower confidence. The model's view
is added afterwards (:func:`knowledge.faq_gate.fuse`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from knowledge.domain_model import Guess
from knowledge.faq_gate import Leaning
from knowledge.faq_index import Hit
from knowledge.faq_text import fold, surface
from knowledge.referrals import ROUTE_PREFIX, Route

# Tuned on the tuning sets of bench/faq_eval (never on the held-out ones).
REFER_THRESHOLD = 0.45  # a referral route on top with this confidence is referred
ROUTE_MARGIN = 0.05  # a route this close behind the best entry makes the answer unsure
UNSURE_MARGIN = 0.10  # no entry sure and no word of work: a route this close behind is referred
# A question with a word of work: a route must lead the best entry by this to be referred.
# Twelfth pass: such a question is no longer referred to a route merely close behind an
# unsure entry (32 -> 25 of 1,746 labour tuning questions sent away; 15 of 2,803 everyday
# ones that use a word of work lose their route and get "not sure, ask a person" instead).
LABOUR_MARGIN = 0.10
OUTSIDE_REFER_THRESHOLD = 0.25  # an everyday matter, no word of work: its route from here
QUIET_REFER_THRESHOLD = 0.25  # no word of work at all: a route ahead of every entry from here
# An everyday word and no word of work, but the model sure the question is labour and an entry
# sure of it: the question is taken as one about work (在物业公司做了三年保洁，裁决生效了还不付;
# 申请了仲裁多久出结果，房租快交不起了). Twelfth pass: 38 -> 32 of 1,746 labour tuning
# questions sent away, none of 3,035 everyday ones answered more; from 0.3 / 0.85 one was.
# Twenty-fourth pass: confidence 0.9 -> 0.8 on bench/faq_model_cv.py (15,067 questions, each
# decided by a model that never saw it): 46 more of 7,313 labour questions answered, 44 with
# the right entry (我来调解中心申请过一次了…健身房已经关门了, 交了仲裁申请…等着这笔钱交孩子
# 学费), and no everyday one more answered or referred elsewhere, down to 0.65 (60 more); 0.8
# keeps a margin.
OVERRULE_ODDS = 0.5
OVERRULE_CONFIDENCE = 0.8


def chosen_route(
    labour: Sequence[Hit],
    routes: Sequence[Hit],
    *,
    margin: float,
    answer_threshold: float,
    outside: bool = False,
    work: bool = True,
) -> str | None:
    """The index id of the route to refer to (None: none), from the hits best first.

    ``margin``: how far the route must lead when the question speaks of work.
    ``outside``: the question names an everyday matter and no work: its best route, if it
    is close enough to be the right one at all. ``work``: it uses a word of work; without
    one, a route ahead of every entry is referred from a lower confidence.
    """
    if outside and routes and routes[0].confidence >= OUTSIDE_REFER_THRESHOLD:
        return routes[0].entry_id
    if not routes:
        return None
    if routes[0].confidence < REFER_THRESHOLD:
        # no word of work at all: a route that outranks every entry is enough
        quiet = not work and routes[0].confidence >= QUIET_REFER_THRESHOLD
        if not quiet or (labour and labour[0].score >= routes[0].score):
            return None
        return routes[0].entry_id
    if labour and labour[0].score + margin >= routes[0].score:
        # not clearly ahead: referred only when the best entry would not be answered, and
        # never when the question speaks of work (two months no salary, rent due friday: the
        # bot says it is not sure and offers a person rather than send a worker away)
        if labour[0].confidence >= answer_threshold or work:
            return None
        if routes[0].score < labour[0].score + margin - UNSURE_MARGIN:
            return None
    return routes[0].entry_id


# Thirty-fourth pass: a question neither answered nor referred may still be an everyday matter
# (下班路上老是有人跟踪我: the way to work keeps it with the center). When the model leans away
# from labour (log-odds below NEARBY_ODDS, without the neighbours' vote) and the search agrees
# (the model's route among its NEARBY_HITS closest routes, from confidence NEARBY_CONFIDENCE),
# the unsure reply offers that route as a button beside the closest topics and a person —
# "not about work?" — which sends no one anywhere. On bench/faq_model_cv.py: 193 of the 494
# everyday questions left unreferred are offered their right route (211 offered one), and 114
# of the 1,045 labour questions left unanswered see a route's button. The model's route alone
# offers 237 (277) and shows 148, but names a route where none fits (打印机卡纸了怎么弄: the
# social insurance office); at confidence 0.3: 173 (188) and 102.
NEARBY_ODDS = 0.0
NEARBY_HITS = 3
NEARBY_CONFIDENCE = 0.2


def nearby_route(routes: Sequence[Hit], guess: Guess | None) -> str | None:
    """The route (its plain id) to offer an asker who was neither answered nor referred."""
    if guess is None or guess.route is None or guess.sending_odds >= NEARBY_ODDS:
        return None
    close = (h for h in routes[:NEARBY_HITS] if h.confidence >= NEARBY_CONFIDENCE)
    return guess.route if ROUTE_PREFIX + guess.route in {h.entry_id for h in close} else None


def contested(labour: Sequence[Hit], routes: Sequence[Hit], margin: float) -> bool:
    """A route close behind the best entry (or ahead of it): the answer is not sure."""
    if not routes:
        return False
    best = labour[0].score if labour else 0.0
    return routes[0].score >= best + margin - ROUTE_MARGIN


def overruled(lean: Leaning, guess: Guess | None, labour: Sequence[Hit]) -> bool:
    """An everyday word would send the question away (no word of work), but the model finds
    it labour and the best entry is sure: the everyday word is beside the point."""
    if not lean.other or lean.work or guess is None or not labour:
        return False
    return guess.log_odds >= OVERRULE_ODDS and labour[0].confidence >= OVERRULE_CONFIDENCE


def sole_route(folded: str, routes: Iterable[Route]) -> str | None:
    """The first route whose sole words the question names without an unless word
    (``sole_words`` in referrals.toml): 公司不给我交公积金，去哪投诉 is the provident fund
    centre's (住房公积金管理条例第三十七条), however much it sounds like work. Twenty-fourth
    pass: of the 11 labour texts the knowledge base, the model and the tuning sets hold that
    name 公积金, every one also names 社保, 工资 or the like; of the 514 everyday ones, 440
    name none."""
    return next((r.id for r in routes if r.sole_words and r.owns(folded)), None)


def split_route(folded: str, routes: Iterable[Route]) -> str | None:
    """The first route whose ``split_money``, ``split_words`` and ``split_among`` the
    question names: relatives dividing a death's or an injury's money (工亡补助金已经拿到了，
    嫂子一分不给我爸妈，家里人之间怎么分), a civil matter between them that names a labour term
    only as what they divide. Twenty-ninth pass: of the texts the bot is tuned on, 23 everyday
    ones name all three, no labour one."""
    return next((r.id for r in routes if r.split_words and r.divides(folded)), None)


def firms_route(
    question: str, routes: Iterable[Route], lean_of: Callable[[str], Leaning]
) -> str | None:
    """The first route that takes a firm's question about another firm
    (:mod:`knowledge.between_firms`), unless a labour term is named outside the firms' names
    (我们是劳务派遣公司 names 劳务派遣 only as what the firm is) or, for a firm and its
    counterpart, any word of work."""
    typed = surface(question)
    for route in routes:
        reading = route.firms.read(typed) if route.firms else None
        if reading is None:
            continue
        lean = lean_of(reading.rest)
        if not lean.term and not (reading.wordless and lean.work):
            return route.id
    return None


def civil_route(
    question: str, routes: Iterable[Route], lean_of: Callable[[str], Leaning]
) -> str | None:
    """A civil matter that names words of work, even a labour term, only as what it is about:
    the family dividing a death's money (:func:`split_route`) or one firm's dealings with
    another (:func:`firms_route`)."""
    routes = tuple(routes)
    return split_route(fold(question), routes) or firms_route(question, routes, lean_of)
