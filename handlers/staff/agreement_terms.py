"""/terms: the agreed terms the parties read before signing, who has read them, and changing
them (which asks both sides again: earlier readings were of other terms)."""

from __future__ import annotations

from handlers.casework import terms
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.office.documents import reached_agreement
from handlers.staff.cases import case_or_reply, mine_only
from handlers.staff.refs import agreed_amount_and_due
from handlers.staff.registry import command, usage
from storage.cases import add_event
from storage.models import Staff


@command(
    "terms",
    "/terms ID [send | AMOUNT DUE-DATE [TERMS]]",
    "the agreed terms and which party has read them; send: to a party linked since; with new "
    "terms: change them and ask both sides to read them again",
)
async def terms_cmd(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split(maxsplit=3)
    if not parts:
        return [usage(ctx, "terms")]
    case = await case_or_reply(ctx, parts[0], "terms")
    if isinstance(case, Reply):
        return [case]
    if not await reached_agreement(ctx.session, case):
        return [
            Reply(
                ctx.t(
                    "Case {number} has no agreement yet. Record it first: /outcome {number} "
                    "agreement AMOUNT DUE-DATE [TERMS]",
                    number=case.number,
                )
            )
        ]
    if len(parts) == 1:
        st = await terms.status(ctx.session, case)
        return [Reply(f"{terms.terms_text(case)}\n{terms.status_line(ctx.t, st)}")]
    if parts[1].lower() == "send":  # e.g. a party linked the case after the agreement
        sent = await terms.ask_parties(ctx.core, ctx.session, case)
        who = ctx.t.join(
            ctx.t("applicant") if s == "applicant" else ctx.t("respondent") for s in sent
        )
        return [
            Reply(
                ctx.t(
                    "The agreed terms of case {number} went to every party linked to the bot "
                    "({who}); nobody gets the same terms twice.",
                    number=case.number,
                    who=who or "—",
                )
            )
        ]
    if mine := mine_only(ctx, staff, case):
        return [mine]
    if case.state != "agreement":
        return [
            Reply(
                ctx.t(
                    "Case {number} is closed; its terms can no longer be changed.",
                    number=case.number,
                )
            )
        ]
    agreed = agreed_amount_and_due(ctx, parts[1:3], "/terms 123 12000 2026-12-31 银行转账一次付清")
    if isinstance(agreed, Reply):
        return [agreed]
    amount, due = agreed
    before = terms.terms_hash(case)
    case.outcome_amount, case.outcome_due = amount, due
    if len(parts) > 3:
        case.outcome_terms = parts[3][:2000]
    after = terms.terms_hash(case)
    if after == before:
        return [Reply(ctx.t("These are the terms already recorded; nothing changed."))]
    await add_event(
        ctx.session, case, actor=ctx.actor, action="terms_changed", note=terms.terms_text(case)
    )
    sent = await terms.ask_parties(ctx.core, ctx.session, case, changed=True)
    st = await terms.status(ctx.session, case)
    text = ctx.t(
        "The agreed terms of case {number} were changed; earlier readings no longer count.",
        number=case.number,
    )
    if sent:
        who = ctx.t.join(
            ctx.t("applicant") if s == "applicant" else ctx.t("respondent") for s in sent
        )
        text += "\n" + ctx.t("Sent to read again: {who}.", who=who)
    return [Reply(f"{text}\n{terms.terms_text(case)}\n{terms.status_line(ctx.t, st)}")]
