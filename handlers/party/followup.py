"""Follow-up answers: the worker's answer to the fulfilment check, survey scores, a comment.

The schedule that asks these questions is handlers/casework/followups.py.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import update

from handlers.casework import deadlines
from handlers.casework.deadlines import latest_safe_arbitration_date
from handlers.conversation.context import Ctx
from handlers.conversation.flow import Flow, Step, StepResult, finish, stay
from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Button, Reply, grid
from settings import Settings
from storage.cases import add_event
from storage.models import Case, FollowUp

if TYPE_CHECKING:
    pass

from handlers.casework.followups import (
    ANSWERS,
    OPEN,
    PAYMENT_ORDER_CATEGORIES,
    PAYMENT_ORDER_INJURY,
    close_case_when_done,
)


# --- answers ---------------------------------------------------------------------------------
async def _own_row(ctx: Ctx, raw_id: str) -> FollowUp | None:
    row = await ctx.session.get(FollowUp, int(raw_id)) if raw_id.isdecimal() else None
    return row if row is not None and row.person_id == ctx.person.id else None


async def on_fulfilment(ctx: Ctx, payload: str) -> list[Reply]:
    raw_id, _, answer = payload.partition(":")
    row = await _own_row(ctx, raw_id)
    if row is None or answer not in ANSWERS:
        return [Reply(ctx.t("That question is not for you, or it has expired."))]
    if row.answer is not None:
        return [Reply(ctx.t("Thank you, we already have your answer."))]
    case = await ctx.session.get(Case, row.case_id)
    assert case is not None
    row.answer, row.answered_at, row.status = answer, ctx.now(), "answered"
    await add_event(ctx.session, case, actor=ctx.actor, action="fulfilment", note=answer)
    await close_case_when_done(ctx.core, ctx.session, case)
    if answer == "yes":
        return [Reply(ctx.t("Thank you. We are glad the agreement was carried out."))]
    alert = _ALERT_PARTLY if answer == "partly" else _ALERT_NO
    await ctx.notify_staff(f"followup:{row.id}:alert", alert, number=case.number, site=case.site)
    return [Reply(routes_if_not_honoured(ctx.t, ctx.settings, case, ctx.today()))]


_ALERT_PARTLY = _("⚠️ Case {number}: the worker says the agreement was only partly carried out.")
_ALERT_NO = _("⚠️ Case {number}: the worker says the agreement was not carried out.")


def routes_if_not_honoured(t: Translator, settings: Settings, case: Case, today: date) -> str:
    """What the worker can do, with the dates computed; windows already closed are left out."""
    lines = [
        t("We are sorry. Staff of the center have been told and will contact you. What you can do:")
    ]
    safe = latest_safe_arbitration_date(settings, case, after_agreement=True) or today
    lines.append(
        t(
            "• Apply for labour dispute arbitration; to be safe, no later than {date} "
            "(one year, art. 27). Arbitration is free of charge.",
            date=t.date(safe),
        )
    )
    if PAYMENT_ORDER_CATEGORIES & set(case.categories):
        lines.append(
            t(
                "• Because the agreement is about pay, economic compensation or damages, "
                "you may apply to the people's court for a payment order with the agreement "
                "(art. 16)."
            )
        )
    if PAYMENT_ORDER_INJURY in case.categories:
        lines.append(
            t(
                "• For the work-injury medical costs in the agreement (not other injury "
                "benefits), you may apply to the people's court for a payment order with the "
                "agreement (art. 16)."
            )
        )
    if case.outcome_at is not None:
        review_by = deadlines.review_by(settings, case) or today
        confirm_by = deadlines.confirm_by(settings, case) or today
        if today <= review_by:
            lines.append(
                t(
                    "• Until {date}, both sides together may ask the arbitration "
                    "commission to review the agreement, so that it can be enforced.",
                    date=t.date(review_by),
                )
            )
        if today <= confirm_by:
            lines.append(
                t(
                    "• Until {date}, both sides together may ask the court for "
                    "judicial confirmation of the agreement.",
                    date=t.date(confirm_by),
                )
            )
        if today <= max(review_by, confirm_by):
            lines.append(t("• /mycopy sends the two joint applications, filled in from your case."))
    return "\n".join(lines)


async def on_survey(ctx: Ctx, payload: str) -> list[Reply]:
    raw_id, _, answer = payload.partition(":")
    row = await _own_row(ctx, raw_id)
    if row is None or row.kind != "satisfaction":
        return [Reply(ctx.t("That question is not for you, or it has expired."))]
    if answer == "optout":
        ctx.person.survey_opt_out = True
        await ctx.session.execute(
            update(FollowUp)
            .where(
                FollowUp.person_id == ctx.person.id,
                FollowUp.kind == "satisfaction",
                FollowUp.status.in_(OPEN),
            )
            .values(status="skipped")
        )
        return [Reply(ctx.t("Understood: you will get no more surveys."))]
    if answer not in {"1", "2", "3", "4", "5"}:
        return [Reply(ctx.t("That button is no longer in use."))]
    if row.answer is not None:
        return [Reply(ctx.t("Thank you, we already have your answer."))]
    row.answer, row.answered_at, row.status = answer, ctx.now(), "answered"
    case = await ctx.session.get(Case, row.case_id)
    if case is not None:
        await close_case_when_done(ctx.core, ctx.session, case)
    return await ctx.core.flows.begin(ctx, "survey_comment", {"followup": row.id})


async def ask_comment(ctx: Ctx) -> list[Reply]:
    text = ctx.t("Thank you! Is there anything you would like to tell us? (optional)")
    return [Reply(text, buttons=grid([Button(ctx.t("Skip"), "s:comment:skip")]))]


async def handle_comment(ctx: Ctx) -> StepResult:
    if ctx.choice == "skip":
        return finish(Reply(ctx.t("Thank you for your answer.")))
    if not ctx.text:
        return stay(reask=True)
    row = await ctx.session.get(FollowUp, int(ctx.answers.get("followup", 0)))
    if row is not None and row.person_id == ctx.person.id:
        row.comment = ctx.text[:2000]
    return finish(Reply(ctx.t("Thank you, your comment has been passed on to the center.")))


COMMENT_FLOW = Flow("survey_comment", "comment", {"comment": Step(ask_comment, handle_comment)})
