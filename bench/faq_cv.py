"""Cross-validated figures for the answer/referral gate (``bench/faq_eval.py --cv K``).

The domain model (knowledge/domain_model.py) learns from the knowledge base only, never from
``bench/faq_eval``; what is chosen on the tuning questions is the gate's nine thresholds
(knowledge/faq_gate.py, ``GateSettings``). So that a figure is never reported on the
questions its thresholds were chosen on, the tuning questions are split into K folds; for
each fold the thresholds are chosen on the other K-1 folds (first: no non-labour question
answered; then the most in-domain answered, answered right and referred right; fewer
in-domain referred away), and the fold is decided with them. The pooled decisions are the
figures printed. The search itself does not change between settings: each question is
searched once and its gate evidence (``SearchResult.evidence``) decided again.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from knowledge.faq_gate import Evidence, GateSettings, fuse

GRID = {
    "veto": (-0.3, -0.5, -1.0),  # strictest first: ties keep the stricter setting
    "refer": (-0.2, -0.3, -0.5, -1.0),
    "share": (0.95, 0.99, 1.01),
    "low": (0.6, 0.55, 0.5, 0.45),
    "sure": (1.0, 0.8, 0.5),
    "trust": (0.8, 0.9),
    "floor": (-1.0, float("-inf")),  # strictest first
    "wordless": (0.95, 0.92, 0.85, 0.75, 0.0),
    "wordless_odds": (1.5, 1.0),
}

MARGIN = {"veto": 0.2, "low": 0.05, "sure": 0.3}


class Labelled(Protocol):
    expected: tuple[str, ...]
    labour: bool

    @property
    def right(self) -> bool: ...


@dataclass(frozen=True)
class Figures:
    non_labour_answered: int
    referred_right: int
    routed: int
    answered: int
    answered_right: int
    in_domain: int
    referred_away: int

    def objective(self) -> tuple[float, ...]:
        n, m = max(self.in_domain, 1), max(self.routed, 1)
        value = (self.answered + self.answered_right) / n + self.referred_right / m
        return (-self.non_labour_answered, round(value - 0.005 * self.referred_away, 9))

    def lines(self) -> list[str]:
        n, m = max(self.in_domain, 1), max(self.routed, 1)
        return [
            f"  in-domain answered         {self.answered / n:.3f} "
            f"(answered and right {self.answered_right / n:.3f})",
            f"  non-labour answered        {self.non_labour_answered} "
            "(with a labour entry: must be 0)",
            f"  non-labour referred right  {self.referred_right / m:.3f} "
            f"({self.referred_right} of {self.routed})",
            f"  in-domain referred away    {self.referred_away}",
        ]


def settings_grid() -> Iterator[GateSettings]:
    for values in itertools.product(*GRID.values()):
        yield GateSettings(**dict(zip(GRID, values, strict=True)))


def figures(items: Sequence[tuple[Labelled, Evidence | None]], settings: GateSettings) -> Figures:
    counts = [0] * 7
    for outcome, evidence in items:
        answered, route = fuse(evidence, settings) if evidence else (False, None)
        if outcome.labour:
            counts[3] += answered
            counts[4] += answered and outcome.right
            counts[5] += 1
            counts[6] += route is not None
        else:
            counts[0] += answered
            if outcome.expected != ("-",):
                counts[2] += 1
                counts[1] += route == outcome.expected[0]
    return Figures(*counts)


def best_settings(items: Sequence[tuple[Labelled, Evidence | None]]) -> GateSettings:
    """No non-labour question answered, also with a margin (the thresholds that let an
    answer through loosened by ``MARGIN``: unseen questions fall a little either side); then
    the most answered and referred right."""
    best, best_value = GateSettings(), None
    for settings in settings_grid():
        near = replace(
            settings,
            veto=settings.veto - MARGIN["veto"],
            low=settings.low - MARGIN["low"],
            sure=settings.sure - MARGIN["sure"],
        )
        value = (
            -figures(items, near).non_labour_answered,
            *figures(items, settings).objective(),
        )
        if best_value is None or value > best_value:
            best, best_value = settings, value
    return best


def cross_validate(
    items: Sequence[tuple[Labelled, Evidence | None]], k: int, seed: int = 18
) -> tuple[Figures, list[GateSettings]]:
    """Pooled figures of each fold decided with thresholds chosen on the other folds."""
    folds = [i % k for i in range(len(items))]
    random.Random(seed).shuffle(folds)
    decided: list[Figures] = []
    chosen: list[GateSettings] = []
    for fold in range(k):
        train = [x for x, f in zip(items, folds, strict=True) if f != fold]
        test = [x for x, f in zip(items, folds, strict=True) if f == fold]
        settings = best_settings(train)
        chosen.append(settings)
        decided.append(figures(test, settings))
    pooled = Figures(*(sum(getattr(f, name) for f in decided) for name in Figures.__annotations__))
    return pooled, chosen
