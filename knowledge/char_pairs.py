"""Adjacent character pairs: how close a question is to each entry's closest passage when
their words were written or segmented differently (逼迫离职 / 逼我离职), for re-ranking the
search's best few entries (:mod:`knowledge.faq_index`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from knowledge.faq_text import fold


def char_pairs(text: str) -> frozenset[str]:
    """Adjacent pairs of Chinese characters (and letters) of the folded text."""
    folded = fold(text)
    pairs = (folded[i : i + 2] for i in range(len(folded) - 1))
    return frozenset(p for p in pairs if p[0].isalnum() and p[1].isalnum())


class PairTable:
    """The character pairs of every passage, so that a question's Dice overlap with each
    entry's closest passage takes a few array operations rather than a set intersection per
    passage (a referral route has over a hundred phrasings)."""

    def __init__(self, per_entry: Sequence[Sequence[frozenset[str]]]) -> None:
        ids: dict[str, int] = {}
        rows: list[list[int]] = []  # pair id -> the passages (rows) that have it
        sizes: list[int] = []
        self.rows_of: list[np.ndarray] = []  # entry -> its passages' rows (consecutive)
        for passages in per_entry:
            first = len(sizes)
            for own in passages:
                for pair in own:
                    if pair not in ids:
                        ids[pair] = len(rows)
                        rows.append([])
                    rows[ids[pair]].append(len(sizes))
                sizes.append(len(own))
            self.rows_of.append(np.arange(first, len(sizes), dtype=np.intp))
        self.ids = ids
        self.rows = [np.array(r, dtype=np.intp) for r in rows]
        self.sizes = np.array(sizes, dtype=np.float64)

    def closest(self, asked: frozenset[str], entries: Iterable[int]) -> dict[int, float]:
        """Entry -> Dice overlap of ``asked`` with its closest passage (0 when none shares)."""
        known = [self.rows[self.ids[p]] for p in asked if p in self.ids]
        if not known:
            return dict.fromkeys(entries, 0.0)
        shared = np.bincount(np.concatenate(known), minlength=len(self.sizes))
        out = dict.fromkeys(entries, 0.0)  # an entry without passages shares nothing
        wanted = [e for e in out if len(self.rows_of[e])]
        if not wanted:
            return out
        rows = np.concatenate([self.rows_of[e] for e in wanted])
        dice = 2 * shared[rows] / (len(asked) + self.sizes[rows])
        # each entry's best passage: one reduceat over the entries' consecutive slices
        starts = np.cumsum([0, *(len(self.rows_of[e]) for e in wanted[:-1])])
        out.update(zip(wanted, np.maximum.reduceat(dice, starts).tolist(), strict=True))
        return out
