"""A case in a few lines: what staff and the party are shown of it, and its two periods."""

from __future__ import annotations

from handlers.casework.claims import CATEGORIES
from handlers.casework.deadlines import arbitration_open_from, received_day, statutory_applies
from handlers.casework.lifecycle import STATE_LABELS
from handlers.conversation.context import Ctx
from handlers.conversation.masking import mask_id_number, mask_phone, mask_text
from storage.models import Case


def period_lines(ctx: Ctx, case: Case) -> list[str]:
    """The two dates, never mixed up: when either side may apply for arbitration (15 days after
    the center RECEIVED the application, 调解仲裁法 第十四条) and the center's own period."""
    t = ctx.t
    lines = []
    if statutory_applies(case) and (opens := arbitration_open_from(ctx.settings, case)):
        lines.append(
            t(
                "Received by the center: {received}; if there is no agreement, either side may "
                "apply for arbitration from {date} (art. 14)",
                received=t.date(received_day(ctx.settings, case)),
                date=t.date(opens),
            )
        )
    if case.due_at:
        lines.append(t("Center's working period ends: {date}", date=t.date(case.due_at)))
    return lines


def case_summary(ctx: Ctx, case: Case, *, masked: bool) -> str:
    """`masked` also masks numbers a party typed into the names and the free text."""
    t = ctx.t
    free = mask_text if masked else str
    phone = mask_phone(case.applicant_phone) if masked else case.applicant_phone
    lines = [
        t("Case {number}", number=case.number),
        t("Status: {state}", state=t(STATE_LABELS.get(case.state, case.state))),
        t("Applicant: {name}, {phone}", name=free(case.applicant_name), phone=phone),
    ]
    if case.applicant_id_number:
        idn = mask_id_number(case.applicant_id_number) if masked else case.applicant_id_number
        lines.append(t("ID number: {id}", id=idn))
    lines += [
        t("Respondent: {name}", name=free(case.respondent_name)),
        t(
            "About: {claims}",
            claims="、".join(t(CATEGORIES[c]) for c in case.categories if c in CATEGORIES),
        ),
        t("Request: {text}", text=free(case.claims_text)),
        t("Amount claimed: {amount}", amount=t.money(case.amount_claimed)),
        t("Filed: {date}", date=t.date(case.submitted_at)),
        t("What happened: {facts}", facts=free(case.facts)),
    ]
    return "\n".join(lines)
