"""A third reading of "is this about work": the questions most like it, and what they were.

Naive Bayes and the logistic regression (:mod:`knowledge.domain_model`,
:mod:`knowledge.labour_logit`) weigh each n-gram on its own, over all the texts at once. An
everyday question written with the words of labour law (健身卡说有7天试用期, 交通事故调解协议签了
对方不履行) is read as labour by both, since 试用期 and 调解协议 nearly always are. But the model's
examples hold such questions, written on purpose beside their labour twins, and the closest
of them is often the twin on the same side: a local reading where the global ones are blind.

Every text the domain model learns from is a vector of its distinct n-grams (the same
n-grams), weighted by 1 + log(count) times their rarity (log N / texts holding it) and scaled
to length one; a question's ``K`` most similar texts (cosine) vote, each by its similarity,
for labour or not. The domain model adds ``NEIGHBOUR_WEIGHT`` x (that share - ``NEIGHBOUR_CENTRE``)
to its log-odds (domain_model.py); the gate weighs the sum before an answer, and the log-odds
without it before sending anyone away (``Guess.sending_odds``): resembling everyday questions
may make the bot unsure, never send a worker elsewhere.

Twenty-fifth pass, on ``bench/faq_model_cv.py`` (16,024 questions, each fold read by a model
and neighbours that never saw it): labour questions answered 0.9263 -> 0.9292 of 7,765,
everyday ones answered 35 -> 27 of 8,259, with the same routes (weight 1.0 from 0.8, chosen
there; in a first trial, weight 0.5: 30 everyday answered, centre 0.7: 35). It reads a
question in about 0.6 ms (the postings of its n-grams, one bincount over the 29,000 texts),
is built in about half a second, and adds some 15 MB to the knowledge base (1.5 million
postings).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

K = 5  # neighbours that vote (10 and 20: a little worse on the cross-validation)


class Neighbours:
    """An inverted index of the texts' weighted n-grams: for each n-gram row (the domain
    model's vocabulary), the texts that hold it and its weight in each."""

    def __init__(
        self, texts: Sequence[Sequence[str]], labour: Sequence[bool], row: Mapping[str, int]
    ) -> None:
        n, d = len(texts), len(row)
        self._n = n
        self._labour = np.array(labour, dtype=np.float32)
        # one key per (n-gram row, text) pair, repeats kept: sorted and counted at once, by row
        keys = np.fromiter(
            (
                r * n + i
                for i, grams in enumerate(texts)
                for g in grams
                if (r := row.get(g)) is not None
            ),
            dtype=np.int64,
        )
        pairs, counts = np.unique(keys, return_counts=True)
        rows, docs = pairs // max(n, 1), pairs % max(n, 1)
        df = np.bincount(rows, minlength=d)
        self._idf = np.log(max(n, 1) / np.maximum(df, 1)).astype(np.float32)
        weights = (1 + np.log(counts)) * self._idf[rows]
        norms = np.sqrt(np.bincount(docs, weights=weights * weights, minlength=n))
        self._weights = (weights / np.maximum(norms, 1e-12)[docs]).astype(np.float32)
        self._docs = docs.astype(np.int32)
        self._start = np.zeros(d + 1, dtype=np.int64)
        np.cumsum(df, out=self._start[1:])

    def labour_share(self, rows: Sequence[int]) -> float | None:
        """How much of the similarity of the ``K`` texts most like a question (its known
        n-grams' rows, repeats kept) is labour's, from 0 to 1; None when nothing is alike."""
        if self._n <= K:
            return None
        counts = Counter(rows)
        vec = {r: (1 + math.log(c)) * float(self._idf[r]) for r, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        if not norm:
            return None
        docs, sims = [], []
        for r, v in vec.items():
            lo, hi = self._start[r], self._start[r + 1]
            docs.append(self._docs[lo:hi])
            sims.append(self._weights[lo:hi] * (v / norm))
        score = np.bincount(np.concatenate(docs), np.concatenate(sims), minlength=self._n)
        top = np.argpartition(-score, K)[:K]
        total = float(score[top].sum())
        return float((score[top] * self._labour[top]).sum()) / total if total > 0 else None
