"""A typical case drafted from a closed case, anonymised (issue 22, /publish).

Built from fields that cannot name anyone: the claim categories, the number of workers, the
street (only when the place of work names one of the configured streets, never the place
itself), the amounts rounded to two significant figures, the outcome. Names, credit codes,
phone and ID numbers, addresses, the facts and claims as typed, dates and the case number
are never read into it. Staff then edit it and cite the law before approving it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from handlers.casework.claims import CATEGORIES
from handlers.conversation.i18n import Translator
from settings import Settings
from storage.models import Case, PublicationDraft


def rounded(amount: Decimal | None) -> Decimal | None:
    """Two significant figures: 183,456.78 -> 180,000; 8,765 -> 8,800; 0 or None -> None."""
    if amount is None or amount <= 0:
        return None
    exponent = amount.adjusted() - 1  # keep two digits
    step = Decimal(10) ** max(exponent, 0)
    return (amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def street_of(settings: Settings, case: Case) -> str | None:
    """The configured street named in the place of work, if exactly one is."""
    named = [s for s in settings.center.streets if s and s in (case.work_place or "")]
    return named[0] if len(named) == 1 else None


def _text(t: Translator, settings: Settings, case: Case) -> str:
    sep = "、" if t.locale == "zh_CN" else ", "
    about = sep.join(t(CATEGORIES[c]) for c in case.categories if c in CATEGORIES)
    where = street_of(settings, case) or t("the district")
    workers = max(case.workers_count or 1, 1)
    facts = t(
        "{count} workers of an employer in {where} disagreed with it about: {about}.",
        count=t.number(workers),
        where=where,
        about=about or t("their labour relationship"),
    )
    claimed = rounded(case.amount_claimed)
    if claimed is not None:
        facts = t.sentences(facts, t("They claimed about {amount}.", amount=t.money(claimed)))
    agreed = rounded(case.outcome_amount)
    if case.state == "agreement" or (case.state == "closed" and agreed is not None):
        result = t("The two sides reached a mediation agreement.")
        if agreed is not None:
            result = t.sentences(result, t("About {amount} is to be paid.", amount=t.money(agreed)))
    elif case.state == "failed":
        result = t("No agreement was reached; the center guided the workers to arbitration.")
    else:
        result = t("The application was withdrawn.")
    return "\n\n".join(
        [
            t("Facts: {facts}", facts=facts),
            t("Mediation: {result}", result=result),
            t("The law: (staff: explain the point of law and cite the articles)"),
        ]
    )


def draft_from_case(
    settings: Settings, zh: Translator, en: Translator, case: Case, actor: str
) -> PublicationDraft:
    """The anonymised draft (status "draft": it cannot be sent before it is approved)."""
    titles = {
        t.locale: t(
            "Typical case: {about}",
            about=("、" if t.locale == "zh_CN" else ", ").join(
                t(CATEGORIES[c]) for c in case.categories[:2] if c in CATEGORIES
            )
            or t("a labour dispute"),
        )
        for t in (zh, en)
    }
    return PublicationDraft(
        case_id=case.id,
        title_zh=titles["zh_CN"][:200],
        title_en=titles["en"][:200],
        text_zh=_text(zh, settings, case),
        text_en=_text(en, settings, case),
        law="",
        audience="all",
        status="draft",
        created_by=actor,
    )
