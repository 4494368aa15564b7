"""Which referral route the search and the word lists choose, before the learned model.

The routes' phrasings are indexed next to the entries (:mod:`knowledge.faq_index`), so a
question's hits hold both. A route is referred when it outranks every labour entry
confidently; a question that speaks of work needs the route to lead by a margin
(下班路上出车祸 stays a work-injury question); a question that names an everyday matter and
no work, or no word of work at all, is referred from a lower confidence. The model's view
is added afterwards (:func:`knowledge.faq_gate.fuse`).
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.faq_index import Hit

# Tuned on the tuning sets of bench/faq_eval (never on the held-out ones).
REFER_THRESHOLD = 0.45  # a referral route on top with this confidence is referred
ROUTE_MARGIN = 0.05  # a route this close behind the best entry makes the answer unsure
UNSURE_MARGIN = 0.10  # when no entry is sure, a route this close behind is referred too
LABOUR_MARGIN = 0.10  # a question with a labour word: a route must lead the best entry by this
OUTSIDE_REFER_THRESHOLD = 0.25  # an everyday matter, no word of work: its route from here
QUIET_REFER_THRESHOLD = 0.25  # no word of work at all: a route ahead of every entry from here


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
        # not clearly ahead: referred only when the best entry would not be answered
        if labour[0].confidence >= answer_threshold:
            return None
        if routes[0].score < labour[0].score + margin - UNSURE_MARGIN:
            return None
    return routes[0].entry_id


def contested(labour: Sequence[Hit], routes: Sequence[Hit], margin: float) -> bool:
    """A route close behind the best entry (or ahead of it): the answer is not sure."""
    if not routes:
        return False
    best = labour[0].score if labour else 0.0
    return routes[0].score >= best + margin - ROUTE_MARGIN
