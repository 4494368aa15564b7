"""A second, discriminative reading of "is this about work": logistic regression.

The domain model (:mod:`knowledge.domain_model`) is a naive Bayes: it counts how often each
n-gram appears in labour texts and in each route's, and multiplies. That counts an n-gram
that every side uses as evidence several times over (老板, 公司 and their sub-strings), and it
cannot learn that 押金 beside 房东 means one thing and beside 入职 another. A logistic
regression over the same n-grams learns one weight per n-gram against all the others at once,
labour against every route together. The two readings averaged separate far better than
either, because they err on different questions. Measured by five-fold cross-validation over
the 13,935 former tuning questions the model learns from (twenty-second pass, 2026-12-06):
with 99% of the labour questions kept, everyday questions still reading as labour 434 (naive
Bayes) and 219 (this) → 131 (both averaged). On the first 12,562 of them, before the twenty-
first pass's tuning questions joined, it was 440 and 470 → 207: the regression gains more
from more examples than the naive Bayes does.

Each text is its set of n-grams, scaled by 1 / sqrt(how many), so a long text counts no more
than a short one; the classes are weighted to count equally. It is fitted by full-batch
gradient descent (Adam) on arrays: the packaged knowledge base's 26,000 texts (1.3 million
text and n-gram pairs) take about 3 s on two cores, once per knowledge base build (kept in the
disk cache with the rest, ``knowledge/kb_cache.py``; a rebuild runs in the background while
the old one answers). 100 steps at twice the rate took 1.9 s but separated a little worse
(140 everyday questions above the threshold instead of 131).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

STEPS = 200  # full-batch steps (400 or 800 at smaller rates: the same separation; 100: worse)
RATE = 0.2  # Adam's step size
L2 = 1e-7  # weight decay: little; more (1e-5, 1e-4) separated clearly worse


def fit(
    texts: Sequence[Sequence[str]], labour: Sequence[bool], row: Mapping[str, int]
) -> tuple[np.ndarray, float]:
    """Weights (one per row of ``row``, the n-gram vocabulary) and the bias of P(labour)."""
    n, d = len(texts), len(row)
    if not n or not d:
        return np.zeros(d, dtype=np.float32), 0.0
    # one (text, n-gram) pair per distinct n-gram of each text (a set per text: faster here
    # than np.unique over all the pairs)
    rows: list[int] = []
    cols: list[int] = []
    distinct = np.ones(n)
    for i, grams in enumerate(texts):
        known = {row[g] for g in grams if g in row}
        rows.extend([i] * len(known))
        cols.extend(known)
        distinct[i] = max(len(set(grams)), 1)
    r, c = np.array(rows), np.array(cols)
    scale = 1 / np.sqrt(distinct)  # each text's n-grams count 1 / sqrt(how many)
    y = np.array(labour, dtype=float)
    share = min(max(y.mean(), 1e-9), 1 - 1e-9)
    weight = np.where(y == 1, 0.5 / share, 0.5 / (1 - share)) / n
    w, b = np.zeros(d), 0.0
    m, s = np.zeros(d), np.zeros(d)
    mb = sb = 0.0
    for step in range(1, STEPS + 1):
        z = scale * np.bincount(r, weights=w[c], minlength=n) + b
        residual = (1 / (1 + np.exp(-z)) - y) * weight
        grad = np.bincount(c, weights=(residual * scale)[r], minlength=d) + L2 * w
        grad_b = float(residual.sum())
        m = 0.9 * m + 0.1 * grad
        s = 0.999 * s + 0.001 * grad * grad
        mb = 0.9 * mb + 0.1 * grad_b
        sb = 0.999 * sb + 0.001 * grad_b * grad_b
        first, second = 1 - 0.9**step, 1 - 0.999**step
        w -= RATE * (m / first) / (np.sqrt(s / second) + 1e-8)
        b -= RATE * (mb / first) / (math.sqrt(sb / second) + 1e-8)
    return w.astype(np.float32), b


def logit(weights: np.ndarray, bias: float, known_rows: Sequence[int], grams: int) -> float:
    """log P(labour) / P(not) of a question: its known n-grams' rows (each once) and how many
    distinct n-grams it has."""
    if not known_rows:
        return bias
    return bias + float(weights[list(known_rows)].sum()) / math.sqrt(max(grams, 1))
