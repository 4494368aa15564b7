"""/outcome: how mediation ended. An agreement takes an amount, a due date and terms; a failure
or a withdrawal takes a reason in the staff member's own words. A withdrawal cannot be undone,
so it is confirmed with a button first (the reason waits in the case history meanwhile)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from handlers.casework import followups
from handlers.casework import terms as agreed_terms
from handlers.casework.lifecycle import STATE_LABELS, TRANSITIONS
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Button, Reply, grid
from handlers.office.publications import offer_after_case
from handlers.staff.cases import case_or_reply, change_state, mine_only, refusal
from handlers.staff.pushes import arbitration_advice, notify_parties, told_reply
from handlers.staff.refs import agreed_amount_and_due
from handlers.staff.registry import command, usage
from storage.cases import add_event
from storage.models import Case, CaseEvent, Staff

OUTCOMES = ("agreement", "failed", "withdrawn")
ASKED = "withdrawal_asked"
_WITHDRAWABLE = {"submitted", "accepted", "assigned", "in_mediation"}


@command(
    "outcome",
    "/outcome ID agreement AMOUNT DUE-DATE [TERMS] | failed REASON | withdrawn REASON",
    "record how mediation ended; the parties are told what comes next",
)
async def outcome(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split(maxsplit=2)
    if len(parts) < 2 or parts[1] not in OUTCOMES:
        return [usage(ctx, "outcome")]
    case = await case_or_reply(ctx, parts[0], "outcome")
    if isinstance(case, Reply):
        return [case]
    if mine := mine_only(ctx, staff, case):
        return [mine]
    result, rest = parts[1], (parts[2] if len(parts) > 2 else "")
    if result == "withdrawn":
        return await _ask_withdrawal(ctx, case, rest.strip()[:2000])
    if result == "failed":
        return await _record(ctx, staff, case, "failed", reason=rest.strip()[:2000])
    fields = rest.split(maxsplit=2)
    agreed = agreed_amount_and_due(ctx, fields, "/outcome 123 agreement 12000 2026-12-31")
    if isinstance(agreed, Reply):
        return [agreed]
    amount, due = agreed
    terms = fields[2][:2000] if len(fields) > 2 else ""
    return await _record(ctx, staff, case, "agreement", amount=amount, due=due, terms=terms)


async def _ask_withdrawal(ctx: Ctx, case: Case, reason: str) -> list[Reply]:
    if "withdrawn" not in TRANSITIONS.get(case.state, set()):
        return [refusal(ctx, case, "withdrawn")]
    await add_event(ctx.session, case, actor=ctx.actor, action=ASKED, note=reason)
    text = ctx.t(
        "Record that case {number} is withdrawn? This cannot be undone; both parties will be told.",
        number=case.number,
    )
    if reason:
        text += "\n" + ctx.t("Reason: {reason}", reason=reason)
    buttons = grid(
        [
            Button(ctx.t("Yes, withdraw it"), f"st:withdrawok:{case.id}"),
            Button(ctx.t("No, keep it"), f"st:withdrawno:{case.id}"),
        ]
    )
    return [Reply(text, buttons=buttons)]


async def confirm_withdrawal(ctx: Ctx, staff: Staff, case: Case, yes: bool) -> list[Reply]:
    """The button under the question: record the withdrawal with the reason given, or not."""
    if mine := mine_only(ctx, staff, case):
        return [mine]
    stmt = (
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == ASKED)
        .order_by(CaseEvent.id.desc())
    )
    asked = (await ctx.session.execute(stmt.limit(1))).scalar_one_or_none()
    if asked is None or case.state not in _WITHDRAWABLE:
        return [Reply(ctx.t("That button is no longer in use."))]
    if not yes:
        return [Reply(ctx.t("Nothing changed: case {number} goes on.", number=case.number))]
    return await _record(ctx, staff, case, "withdrawn", reason=asked.note or "")


async def _record(
    ctx: Ctx,
    staff: Staff,
    case: Case,
    result: str,
    *,
    reason: str = "",
    amount: Decimal | None = None,
    due: date | None = None,
    terms: str = "",
) -> list[Reply]:
    note = reason or " ".join(str(x) for x in (amount, due, terms) if x)
    if refused := await change_state(ctx, case, result, staff, note=note):
        return [refused]
    case.outcome_amount, case.outcome_due, case.outcome_at = amount, due, ctx.now()
    case.outcome_terms = terms  # a failure's or withdrawal's reason stays in the history
    await followups.schedule_after_outcome(ctx, case)

    def text(t: Translator) -> str:
        if result == "agreement":
            msg = t("Mediation of case {number} ended with an agreement.", number=case.number)
            if case.outcome_amount is not None:
                msg = t.sentences(msg, t("Amount: {amount}.", amount=t.money(case.outcome_amount)))
            if case.outcome_due is not None:
                msg = t.sentences(msg, t("To be paid by {date}.", date=t.date(case.outcome_due)))
            return (
                msg
                + "\n"
                + t(
                    "If it is not carried out, you may apply for arbitration; for pay, work-injury "
                    "medical costs, economic compensation or damages the worker may also ask the "
                    "court for a payment order with the agreement (Labour Dispute Mediation and "
                    "Arbitration Law, art. 16). The center will check with you after the due date."
                )
            )
        if result == "failed":
            advice = arbitration_advice(ctx.settings, t, case, ctx.now())
            return (
                t("Mediation of case {number} did not lead to an agreement.", number=case.number)
                + "\n"
                + advice
            )
        return t(
            "Case {number} has been withdrawn. You can apply again if needed.", number=case.number
        )

    reach = await notify_parties(ctx, case, result, text)
    extra = ""
    reading: list[str] = []  # the sides sent the agreed terms to read
    if result == "agreement":
        reading = await agreed_terms.ask_parties(ctx.core, ctx.session, case)
        extra = "\n" + ctx.t(
            "The agreed terms went to each party linked to the bot to read before signing; "
            "/terms {number} shows who has read them.",
            number=case.number,
        )
    # Offered once per person, never subscribed unasked. A party sent the terms to read hears
    # the offer after reading them (party/terms_reading.py): pushed now, it would come last
    # and take over the numbers ("1") that answer the terms on WeChat and the console.
    parties = (("applicant", case.applicant_person_id), ("respondent", case.respondent_person_id))
    for side, person_id in parties:
        if person_id is not None and side not in reading:
            await offer_after_case(ctx.core, ctx.session, person_id)
    return [
        Reply(
            ctx.t(
                "Outcome of case {number} recorded: {state}.",
                number=case.number,
                state=ctx.t(STATE_LABELS[result]),
            )
            + "\n"
            + await told_reply(ctx, staff, case, reach)
            + extra
        )
    ]
