"""Is a question about work at all, and if not, which referral route: a small learned gate.

The word lists of ``referrals.toml`` say it for the words someone thought of; this model
says it from the knowledge base itself. Every FAQ entry's titles and phrasings (and the
questions staff linked to entries) are examples of *labour*; every referral route's titles
and phrasings are examples of that route. A question becomes character n-grams (one to
three characters, within runs of Chinese; English words whole) of the same folded surface
the search uses (full width, lower case, traditional -> simplified); a multinomial naive
Bayes over these classes gives how likely the question is labour and which route fits best.

It is trained when the knowledge base is built (a few tens of milliseconds), so a route or a
phrasing staff add changes it at the next ``/faq reload``; there is no model file.

    model = DomainModel.train(labour_texts, {"tenancy": [...], "family": [...]})
    guess = model.predict("房东不退押金")
    guess.labour   # 0.02: P(labour)
    guess.route    # "tenancy": the most likely route
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge import labour_logit
from knowledge.faq_entries import Entry
from knowledge.faq_text import fold
from knowledge.neighbours import Neighbours
from knowledge.referrals import Route

# Fewer labour texts than this (a handful of sample entries against the packaged routes'
# hundreds of phrasings) teach the domain model too little to veto answers: the word lists
# decide alone. The packaged knowledge base has about 3,000.
MIN_LABOUR_TEXTS = 300

LABOUR = ""  # the class of labour questions; the others are route ids
MAX_N = 3  # character n-grams of one to MAX_N characters
ALPHA = 0.1  # additive smoothing of n-gram counts (chosen by cross-validation on tuning)
LABOUR_PRIOR = 0.5  # prior of the labour class; the routes share the rest equally
# The log-odds the gate reads average this model's (per n-gram) with the logistic
# regression's (knowledge/labour_logit.py, scaled to the same spread: 1.68 / 5.7 on the
# cross-validation questions), since the twenty-second pass.
BAYES_WEIGHT = 0.5
LOGIT_WEIGHT = 0.15
# ... plus how much of the most alike texts' similarity is labour's (knowledge/neighbours.py),
# from NEIGHBOUR_CENTRE, times NEIGHBOUR_WEIGHT (twenty-fifth pass; see the gate's ``refer``)
NEIGHBOUR_WEIGHT = 1.0
NEIGHBOUR_CENTRE = 0.8
_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")


def features(text: str) -> list[str]:
    """Character 1..3-grams within each run of Chinese; English words and numbers whole."""
    out: list[str] = []
    for run in _RUN.findall(fold(text)):
        if run.isascii():
            out.append(run)
            continue
        for n in range(1, MAX_N + 1):
            out.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return out


Featurize = Callable[[str], list[str]]


def remembered_features() -> Featurize:
    """:func:`features` remembering each text's n-grams: the domain model and the entry model
    (knowledge/entry_model.py) learn from mostly the same texts when a knowledge base is
    built, and folding them twice took a third of a second."""
    seen: dict[str, list[str]] = {}

    def of(text: str) -> list[str]:
        grams = seen.get(text)
        if grams is None:
            grams = seen[text] = features(text)
        return grams

    return of


@dataclass(frozen=True)
class Guess:
    labour: float  # P(labour | question) by naive Bayes, in [0, 1]
    log_odds: float  # how surely labour: naive Bayes' log-odds per n-gram of the question,
    # averaged with the logistic regression's (BAYES_WEIGHT, LOGIT_WEIGHT)
    route: str | None  # the most likely route (None when the model knows no route)
    route_share: float  # that route's share of the non-labour probability
    # the log-odds without the neighbours' vote (None: the same): the gate sends a question
    # away on these alone, since a question that only resembles everyday ones (你们这里能调解吗？
    # 你们周末上班吗, beside 房东不退押金，你们这里能调解吗) may withhold an answer but is no
    # reason to send a worker elsewhere
    plain_odds: float | None = None

    @property
    def sending_odds(self) -> float:
        return self.log_odds if self.plain_odds is None else self.plain_odds


class DomainModel:
    """Multinomial naive Bayes over labour and each route, from the knowledge base's texts."""

    def __init__(
        self,
        counts: Mapping[str, Counter[str]],
        priors: Mapping[str, float],
        alpha: float = ALPHA,
    ) -> None:
        self.classes = tuple(counts)
        # the logistic regression's weights (one per row of ``_row``) and bias, set by
        # :meth:`train`; None: naive Bayes alone
        self._logit: tuple[np.ndarray, float] | None = None
        self._neighbours: Neighbours | None = None  # set by :meth:`train` too
        vocabulary = sorted({g for c in counts.values() for g in c})
        self._row = {g: i for i, g in enumerate(vocabulary)}
        size = len(vocabulary) + 1  # one slot for n-grams no class has seen
        self._log_prior = np.log(np.array([priors[k] for k in self.classes]))
        # log P(n-gram | class), one row per n-gram, one column per class
        table = np.full((len(vocabulary), len(self.classes)), alpha)
        for j, k in enumerate(self.classes):
            for g, n in counts[k].items():
                table[self._row[g], j] += n
        log_p = np.log(table / table.sum(axis=0))
        log_p -= np.log(1 + alpha * (size - len(vocabulary)) / table.sum(axis=0))
        # float32: half the memory and the disk cache (about 180,000 n-grams x 21 classes);
        # not one decision on the 13,980 evaluation questions changed (twentieth pass)
        self._log_p = log_p.astype(np.float32)

    @classmethod
    def train(
        cls,
        labour: Iterable[str],
        routes: Mapping[str, Iterable[str]],
        *,
        alpha: float = ALPHA,
        labour_prior: float = LABOUR_PRIOR,
        featurize: Featurize = features,
    ) -> DomainModel:
        """``labour``: texts of labour questions; ``routes``: each route's texts."""
        counts: dict[str, Counter[str]] = {LABOUR: Counter()}
        grams: list[list[str]] = []
        is_labour: list[bool] = []
        for text in labour:
            grams.append(featurize(text))
            is_labour.append(True)
            counts[LABOUR].update(grams[-1])
        for route, texts in routes.items():
            c = counts.setdefault(route, Counter())
            for text in texts:
                grams.append(featurize(text))
                is_labour.append(False)
                c.update(grams[-1])
        others = [k for k in counts if k != LABOUR]
        priors = {LABOUR: labour_prior if others else 1.0}
        priors.update({k: (1 - labour_prior) / len(others) for k in others})
        model = cls(counts, priors, alpha)
        if others and any(is_labour):
            model._logit = labour_logit.fit(grams, is_labour, model._row)
            model._neighbours = Neighbours(grams, is_labour, model._row)
        return model

    def _rows(self, grams: Sequence[str]) -> list[int]:
        """The rows of the n-grams some class has seen, repeats kept."""
        return [i for i in map(self._row.get, grams) if i is not None]

    def _scores(self, rows: list[int]) -> dict[str, float]:
        """Log-probability of the n-grams at ``rows`` under each class, plus its prior (n-grams
        no class has seen say nothing about the class)."""
        total = self._log_prior + self._log_p[rows].sum(axis=0)
        return dict(zip(self.classes, total.tolist(), strict=True))

    def predict(self, question: str, grams: Sequence[str] | None = None) -> Guess:
        grams = features(question) if grams is None else grams
        rows = self._rows(grams)
        scores = self._scores(rows)
        mine = scores.pop(LABOUR, -math.inf)
        if not scores:
            return Guess(1.0, math.inf, None, 0.0)
        best = max(scores, key=scores.__getitem__)
        top = scores[best]
        rest = top + math.log(sum(math.exp(v - top) for v in scores.values()))
        gap = mine - rest  # log P(labour) / P(a route)
        labour = 1 / (1 + math.exp(-gap)) if gap > -700 else 0.0
        share = 1 / sum(math.exp(v - top) for v in scores.values())
        odds = gap / max(len(rows), 1)  # per n-gram that counted
        if self._logit is not None:
            weights, bias = self._logit
            # sorted: a float32 sum in set order would differ between processes (string
            # hashing is salted per process), and the search process must find what the bot does
            known = sorted(set(rows))
            regression = labour_logit.logit(weights, bias, known, len(set(grams)))
            odds = BAYES_WEIGHT * odds + LOGIT_WEIGHT * regression
        plain = odds
        if self._neighbours is not None:
            share_alike = self._neighbours.labour_share(rows)
            if share_alike is not None:
                odds += NEIGHBOUR_WEIGHT * (share_alike - NEIGHBOUR_CENTRE)
        return Guess(labour, odds, best, share, plain)


def kb_texts(
    entries: Iterable[tuple[Mapping[str, str], Mapping[str, Sequence[str]]]],
    extra: Iterable[str] = (),
) -> list[str]:
    """Titles and phrasings (every language) of items given as (title, phrasings) pairs."""
    out: list[str] = []
    for title, asked in entries:
        out.extend(title.values())
        for texts in asked.values():
            out.extend(texts)
    out.extend(extra)
    return out


def train_domain(
    entries: Iterable[Entry],
    routes: Iterable[Route],
    extra_phrasings: Mapping[str, Sequence[str]] | None = None,
    model_words: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    featurize: Featurize = features,
) -> DomainModel | None:
    """The domain model of these entries (with the questions staff linked to them and their
    ``model_words``) and routes (with theirs); None below ``MIN_LABOUR_TEXTS``, where the
    word lists decide alone. The model words are not indexed: written beside an everyday
    worry (房租, 孩子学费) or in the everyday sense of a word of work, they pull questions
    toward the wrong side when matched word by word, while the model weighs them against
    everything else it knows."""
    by_id = {e.id: e for e in entries}
    extra = extra_phrasings or {}
    own = model_words or {}

    def model_only(item_id: str) -> list[str]:
        return [t for texts in own.get(item_id, {}).values() for t in texts]

    labour_texts = kb_texts(
        ((e.title, e.phrasings) for e in by_id.values()),
        (t for i, texts in extra.items() if i in by_id for t in texts if t.strip()),
    )
    if len(labour_texts) < MIN_LABOUR_TEXTS:
        return None
    labour_texts += [t for i in by_id for t in model_only(i)]
    routes_texts = {r.id: kb_texts([(r.title, r.phrasings)], model_only(r.id)) for r in routes}
    return DomainModel.train(labour_texts, routes_texts, featurize=featurize)
