"""What a search of the FAQ found (:meth:`knowledge.faq.KnowledgeBase.search`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from knowledge.faq_entries import Entry, Locale
from knowledge.faq_gate import Evidence
from knowledge.referrals import Route

MAX_RELATED = 3
# Referred away, but maybe about the asker's job after all: the closest entry is offered beside
# the referral from this search confidence, when the model's log-odds are not below OFFER_ODDS
# (a clear everyday matter gets no labour button). Chosen on bench/faq_model_cv.py (thirty-fifth
# pass): 51 of 104 labour questions sent away see their right entry (13 a wrong one), 1,187 of
# 13,607 everyday referrals show a button (0.6 / -1.5: 48 and 912; 0.5 with no odds: 57 and
# 5,555).
OFFER_CONFIDENCE = 0.5
OFFER_ODDS = -1.5


@dataclass(frozen=True)
class SearchResult:
    best: Entry | None  # the closest entry (also when not answered), None for empty input
    confidence: float  # in [0, 1]: roughly the chance that ``best`` answers the question
    answered: bool  # confidence reached the threshold: show ``best``
    related: tuple[Entry, ...] = ()  # up to three: ``best.related`` first, then close runners-up
    candidates: tuple[tuple[Entry, float], ...] = ()  # the top few with their confidence
    referral: Route | None = None  # not a labour matter: where to go instead
    evidence: Evidence | None = field(default=None, repr=False)  # what the gate decided on
    vague: bool = False  # too little to go on (我该怎么办呢): ask for more, not "not sure"
    # neither answered nor referred: an everyday route it may be about, offered as a button
    nearby: Route | None = None

    def to_json(self, locale: Locale = "zh_CN") -> dict[str, Any]:
        """The ``mediation-bot ask --json`` object; when unsure, no answer and the closest ids."""
        if not self.answered or self.best is None:
            return {
                "id": None,
                "title": "",
                "answer": "",
                "citations": [],
                "confidence": round(self.confidence, 3),
                "related": [e.id for e in self.closest],
                "answered": False,
                "referral": self.referral.full_text(locale) if self.referral else None,
            }
        return {
            "id": self.best.id,
            "title": self.best.text("title", locale),
            "answer": self.best.full_answer(locale),
            "citations": [c.label(locale) for c in self.best.statutes],
            "confidence": round(self.confidence, 3),
            "related": [e.id for e in self.related],
            "answered": True,
            "referral": None,
        }

    @property
    def job_offer(self) -> Entry | None:
        """Beside a referral: the entry to offer in case it is about the asker's job."""
        if self.referral is None or self.referral.plain or self.best is None:
            return None
        if self.confidence < OFFER_CONFIDENCE:
            return None
        guess = self.evidence.guess if self.evidence else None
        return self.best if guess is None or guess.log_odds >= OFFER_ODDS else None

    @property
    def closest(self) -> tuple[Entry, ...]:
        """Topics to offer when not answered."""
        return tuple(e for e, _ in self.candidates[:MAX_RELATED])
