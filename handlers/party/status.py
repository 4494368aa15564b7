"""What a party sees of their cases, and the staff 'view' button."""

from __future__ import annotations

from handlers.casework.deadlines import latest_safe_arbitration_date
from handlers.casework.lifecycle import ENDED, NEXT_STEP, STATE_LABELS
from handlers.casework.summary import period_lines
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Button, Reply, grid
from storage.cases import cases_of_person
from storage.models import Case


def stage_lines(ctx: Ctx, case: Case) -> list[str]:
    """What the person needs at this stage: the day the center decides on acceptance, the
    agreed amount and its due date, or where and by when to apply for arbitration."""
    t = ctx.t
    if case.state == "submitted" and case.accept_by:
        return [
            t("The center decides whether to accept it by {date}.", date=t.date(case.accept_by))
        ]
    if case.state == "agreement":
        lines = []
        if case.outcome_amount is not None:
            lines.append(t("Agreed amount: {amount}", amount=t.money(case.outcome_amount)))
        if case.outcome_due:
            lines.append(t("To be carried out by: {date}", date=t.date(case.outcome_due)))
        return lines
    if case.state == "failed":
        lines = [
            t(
                "You may apply for arbitration to {commission}.",
                commission=ctx.settings.arbitration.commission,
            )
        ]
        safe = latest_safe_arbitration_date(ctx.settings, case)
        if safe:
            lines.append(t("To be safe, apply no later than {date}.", date=t.date(safe)))
        return lines
    return []


async def my_cases(ctx: Ctx, *, if_any: bool = False) -> list[Reply]:
    """The person's cases with state, due date and next step; nobody else's. ``if_any``:
    nothing at all for a person with no case (the caller says something else)."""
    t = ctx.t
    cases = await cases_of_person(ctx.session, ctx.person.id)
    if not cases and if_any:
        return []
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
        lines += stage_lines(ctx, case)
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
