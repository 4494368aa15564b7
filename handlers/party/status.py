"""What a party sees of their cases, and the staff 'view' button."""

from __future__ import annotations

from handlers.casework.deadlines import arbitration_open_from, received_day, statutory_applies
from handlers.casework.lifecycle import ENDED, NEXT_STEP, STATE_LABELS
from handlers.casework.validators import mask_id_number, mask_phone, mask_text
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Button, Reply, grid
from handlers.party.intake import CATEGORIES
from storage.cases import cases_of_person
from storage.models import Case


async def my_cases(ctx: Ctx) -> list[Reply]:
    """The person's cases with state, due date and next step; nobody else's."""
    t = ctx.t
    cases = await cases_of_person(ctx.session, ctx.person.id)
    if not cases:
        return [
            Reply(
                t("You have no cases with the center yet."),
                buttons=(
                    (Button(t("File a dispute"), "m:file"), Button(t("Main menu"), "m:home")),
                ),
            )
        ]
    replies = []
    for case in cases[:10]:
        is_respondent = case.respondent_person_id == ctx.person.id
        lines = [
            t("Case {number}", number=case.number),
            t("Status: {state}", state=t(STATE_LABELS.get(case.state, case.state))),
            t("Filed: {date}", date=t.date(case.submitted_at)),
        ]
        if is_respondent:
            lines.append(
                t("You are the respondent; the applicant is {name}.", name=case.applicant_name)
            )
        else:
            lines.append(t("Respondent: {name}", name=case.respondent_name))
        if case.state not in ENDED:
            lines += period_lines(ctx, case)
        if case.respondent_response == "agreed":
            lines.append(t("The respondent has agreed to mediate."))
        step = NEXT_STEP.get(case.state)
        if step:
            lines.append(t("Next: {step}", step=t(step)))
        buttons: tuple[tuple[Button, ...], ...] = ()
        if is_respondent and case.respondent_response is None and case.state not in ENDED:
            buttons = grid(
                [
                    Button(t("Agree to mediate"), f"case:{case.number}:agree"),
                    Button(t("Decline mediation"), f"case:{case.number}:decline"),
                ]
            )
        replies.append(Reply("\n".join(lines), buttons=buttons))
    return replies


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


async def person_translator(ctx: Ctx, person_id: int) -> Translator:
    """A translator in the language of the person a push goes to."""
    return await ctx.core.person_translator(ctx.session, person_id)
