"""Every problem in the knowledge files, as ``mediation-bot kb check`` and ``/faq reload`` list
them: the entry files (knowledge.faq_files), added phrasings, model words, synonyms and the
referral routes (knowledge.referrals, knowledge.referral_checks)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from knowledge.faq_entries import load_entries
from knowledge.faq_files import DEFAULT_FOLDER, MODEL_WORDS_FOLDER, extra_phrasing_problems
from knowledge.faq_files import check_kb as check_entry_files
from knowledge.faq_review import DEFAULT_MAX_AGE_MONTHS
from knowledge.referral_checks import shared_phrasing_problems
from knowledge.referrals import check_follow_up, check_routes, load_routes


def check_kb(
    folder: Path | None = None,
    referrals: Path | None = None,
    *,
    today: date | None = None,
    max_review_age_months: int = DEFAULT_MAX_AGE_MONTHS,
) -> list[str]:
    """Every problem in the entry files (format, review age, citations: knowledge.faq_files),
    added phrasings, model words, synonyms and referral routes."""
    folder = folder or DEFAULT_FOLDER
    entries = check_entry_files(folder, today=today, max_review_age_months=max_review_age_months)
    routes = check_routes(referrals)
    if entries or routes:
        return [*entries, *routes]
    loaded = load_entries(folder)
    known_routes = load_routes(referrals)
    model_words = extra_phrasing_problems(folder, {*loaded, *known_routes}, MODEL_WORDS_FOLDER)
    # the follow-up entry is looked for among these entries only when the referrals file is
    # theirs (a sample folder checked with the packaged referrals has other entries)
    paired = referrals is not None or folder == DEFAULT_FOLDER
    follow_up = check_follow_up(referrals, frozenset(loaded) if paired else None)
    return (
        model_words
        + follow_up
        + shared_phrasing_problems(
            {r.id: r.phrasings for r in known_routes.values()},
            {e.id: e.phrasings for e in loaded.values()},
        )
    )
