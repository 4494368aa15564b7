"""The search's shortcuts give what the plain computation would."""

from __future__ import annotations

import numpy as np

from knowledge.faq_index import _most


def test_the_passages_scored_in_full_are_those_a_full_sort_would_keep() -> None:
    # ties are the rule (passages of one entry share the same words): equal ones must keep
    # passage order, also across the cut, or the best entry could change between releases
    rng = np.random.default_rng(7)
    for size, n in [(601, 600), (2000, 600), (50, 10), (10, 10)]:
        for _ in range(50):
            values = rng.integers(0, 6, size).astype(np.float64) / 4
            expected = np.argsort(-values, kind="stable")[:n]
            assert _most(values, n).tolist() == expected.tolist()
