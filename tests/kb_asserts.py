"""What a question gets from the knowledge base, asserted the same way in the FAQ tests: referred
to a route and not answered, or answered with an entry and not referred away."""

from __future__ import annotations

from knowledge.faq import KnowledgeBase
from knowledge.faq_entries import Entry
from knowledge.referrals import Route


def referred(kb: KnowledgeBase, question: str) -> Route:
    """The route ``question`` is referred to; it must not be answered with a labour entry."""
    result = kb.search(question)
    best = result.best.id if result.best else None
    assert not result.answered, f"{question!r} was answered with {best}"
    assert result.referral is not None, f"{question!r} was referred nowhere ({best})"
    return result.referral


def answered(kb: KnowledgeBase, question: str) -> Entry:
    """The entry ``question`` is answered with; it must not be referred away."""
    result = kb.search(question)
    route = result.referral.id if result.referral else None
    assert result.referral is None, f"{question!r} was referred to {route}"
    assert result.answered and result.best is not None, f"{question!r} was not answered"
    return result.best
