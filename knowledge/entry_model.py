"""Which entry (or referral route) a question's characters point to: a second reading.

The search (:mod:`knowledge.faq_index`) weighs the question's words by how rare they are in
the knowledge base, so a neighbour entry that shares one rare word can outrank the entry the
question is about (去公司要工资被保安打了: 工资 is in nearly every entry, 保安 in few), and a
question in words no phrasing has ("工线", a run jieba cut oddly) shares little weight with
the right entry even when that entry comes first. This model reads the same question another
way: character n-grams (one to three characters, as the domain model reads them,
:func:`knowledge.domain_model.features`), with a multinomial naive Bayes over every entry and
every route, trained on their titles and phrasings when the knowledge base is built. It is
used twice in ``KnowledgeBase.search``: the labour entries the search found are re-ranked with
a little of it (:meth:`Reading.lifts`), and when it picks the very entry the search put first
and the domain model finds the question about work, that entry is answered from a lower
search confidence (:meth:`Reading.agrees`). It never answers alone, referral decisions still
weigh the search's own best entry, and the confidence shown stays the search's.

The counts are kept per n-gram (the entries that have it and how often), not as a dense
table: a question adds up the few hundred postings of its n-grams in one ``bincount``
(about 0.09 ms a question).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.domain_model import Featurize, Guess, features, kb_texts
from knowledge.faq_entries import Entry
from knowledge.faq_index import Hit
from knowledge.referrals import Route

_CHINESE = re.compile(r"[\u3400-\u9fff]")
ALPHA = 0.1  # additive smoothing of n-gram counts (as the domain model's)
# Tuned on the tuning set of bench/faq_eval (fifteenth pass; never on the held-out ones):
# the search's raw score of each labour hit is lifted by this much times how far its
# log-likelihood per n-gram falls short of the best hit's (leave-one-phrasing-out top-1
# 0.868 -> 0.912); from 0.2 to 0.6 the tuning set's top-1 moves by under 0.01.
RERANK_WEIGHT = 0.3
# The model's pick equal to the search's first entry answers from this search confidence
# (instead of the threshold, 0.65), when the domain model's log-odds of labour reach
# AGREE_ODDS (a word of work alone is not enough: 物业维修工说下班时间上门要收加班费).
# Thirty-sixth pass: 0.35 -> 0.25 on bench/faq_model_cv.py (15,137 labour, 15,322 everyday
# questions): long messages quoting a notice or telling a story cover few of an entry's words
# (奶茶连锁店已经两个月没发工资了，店长说总部在“走流程”: 0.35); 59 more labour questions
# answered, 42 with the right entry, no everyday one more (0.30: 39 and 30; 0.20: 68 and 50).
AGREE_FLOOR = 0.25
AGREE_ODDS = 0.4  # 0.6 before the twenty-second pass's averaged log-odds (faq_gate.py)
AGREE_SHARE = 0.5  # ... and the pick holds at least this share of the model's posterior


@dataclass(frozen=True)
class Reading:
    """What the model makes of one question."""

    per_gram: np.ndarray  # each item's log-likelihood per known n-gram of the question
    position: Mapping[str, int]  # item id -> its place in ``per_gram``
    best: str  # the most likely item
    share: float  # its share of the posterior over all items, in [0, 1]

    def lifts(self, hits: Sequence[Hit]) -> dict[str, float]:
        """Entry id -> what its raw score gains (at most 0) in the re-ranking of ``hits``."""
        own = {
            h.entry_id: self.per_gram[i]
            for h in hits
            if (i := self.position.get(h.entry_id)) is not None
        }
        top = max(own.values(), default=0.0)
        return {item: RERANK_WEIGHT * float(value - top) for item, value in own.items()}

    def agrees(self, first: Hit, guess: Guess | None) -> bool:
        """The model picks the search's first entry, and that is close enough to sure."""
        return (
            guess is not None
            and guess.log_odds >= AGREE_ODDS
            and first.confidence >= AGREE_FLOOR
            and self.best == first.entry_id
            and self.share >= AGREE_SHARE
        )


class EntryModel:
    """Multinomial naive Bayes over the entries and routes (uniform prior)."""

    def __init__(self, counts: Mapping[str, Counter[str]], alpha: float = ALPHA) -> None:
        self.items = tuple(counts)
        self._position = {item: j for j, item in enumerate(self.items)}
        number: dict[str, int] = {}  # gram -> its number
        gram_of: list[int] = []
        item_of: list[int] = []
        seen: list[int] = []
        for j, item in enumerate(self.items):
            for gram, n in counts[item].items():
                gram_of.append(number.setdefault(gram, len(number)))
                item_of.append(j)
                seen.append(n)
        size = len(number) + 1  # one slot for n-grams no item has seen
        # log P(gram | item) = log(n + alpha) - log(N_item + alpha * size): the first term
        # is stored above its value for unseen grams (log alpha), so a question only adds
        # the postings of the grams an item has. All postings sit in two arrays ordered by
        # gram, each gram's a slice (an array per gram took a second to build).
        grams = np.array(gram_of, dtype=np.intp)
        order = np.argsort(grams, kind="stable")
        self._items = np.array(item_of, dtype=np.intp)[order]
        self._weights = np.log1p(np.array(seen, dtype=np.float64)[order] / alpha)
        per_gram = np.bincount(grams, minlength=len(number))
        ends = np.cumsum(per_gram)
        bounds = zip((ends - per_gram).tolist(), ends.tolist(), strict=True)
        self._slices = dict(zip(number, bounds, strict=True))  # gram -> (start, end)
        totals = np.fromiter((sum(counts[i].values()) for i in self.items), np.float64)
        self._log_norm = np.log(totals + alpha * size) - math.log(alpha)

    @classmethod
    def train(
        cls,
        texts: Mapping[str, Iterable[str]],
        alpha: float = ALPHA,
        featurize: Featurize = features,
    ) -> EntryModel:
        """``texts``: item id -> its texts."""
        counts: dict[str, Counter[str]] = {}
        for item, own in texts.items():
            counts[item] = Counter(g for text in own for g in featurize(text))
        return cls(counts, alpha)

    def read(self, question: str, grams: Sequence[str] | None = None) -> Reading | None:
        """The question's reading; None when no n-gram of it is known, or when it has no
        Chinese: English words are read whole, without the search's stems and bilingual
        synonyms, and on the tuning set's 260 English labour questions this reading moved
        three right answers to a neighbour. ``grams``: the question's :func:`features`, when
        the caller has them already."""
        if not _CHINESE.search(question):
            return None
        grams = features(question) if grams is None else grams
        known = [self._slices[g] for g in grams if g in self._slices]
        if not known:
            return None
        where = np.concatenate([self._items[a:b] for a, b in known])
        weights = np.concatenate([self._weights[a:b] for a, b in known])
        counted = np.bincount(where, weights=weights, minlength=len(self.items))
        scores = counted - len(known) * self._log_norm
        best = int(scores.argmax())
        share = 1.0 / float(np.exp(scores - scores[best]).sum())
        return Reading(scores / len(known), self._position, self.items[best], share)


def train_entry_model(
    entries: Iterable[Entry],
    routes: Mapping[str, Route],
    extra_phrasings: Mapping[str, Sequence[str]] | None = None,
    featurize: Featurize = features,
) -> EntryModel:
    """Every entry from its titles, phrasings and the questions staff linked to it; every
    route (by its index id) from its title and phrasings."""
    extra = extra_phrasings or {}
    texts: dict[str, list[str]] = {}
    for entry in entries:
        linked = [t for t in extra.get(entry.id, ()) if t.strip()]
        texts[entry.id] = kb_texts([(entry.title, entry.phrasings)], linked)
    for index_id, route in routes.items():
        texts[index_id] = kb_texts([(route.title, route.phrasings)])
    return EntryModel.train(texts, featurize=featurize)
