"""/survey: follow-up answers per case, and per mediator."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from handlers.casework.references import find_case
from handlers.casework.sites import scope_conditions
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Reply
from handlers.staff.registry import command
from storage.models import Case, FollowUp, Staff

STATUS_LABELS = {
    "scheduled": _("scheduled"),
    "sent": _("asked"),
    "reminded": _("reminded"),
    "answered": _("answered"),
    "closed": _("no answer"),
    "skipped": _("opted out"),
}


@command(
    "survey",
    "/survey [ID]",
    "follow-up answers of a case; without ID: satisfaction and fulfilment per mediator",
)
async def survey(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    t = ctx.t
    if arg.strip():
        case = await find_case(ctx, arg.split()[0])
        if case is None:
            return [
                Reply(
                    t("No case {ref}. Check the number, e.g. LJ-2026-000123 or 123.", ref=arg[:40])
                )
            ]
        rows = (
            (
                await ctx.session.execute(
                    select(FollowUp).where(FollowUp.case_id == case.id).order_by(FollowUp.id)
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            return [Reply(t("No follow-up for case {number} yet.", number=case.number))]
        lines = [t("Follow-up of case {number}:", number=case.number)]
        for row in rows:
            who = t("applicant") if row.person_id == case.applicant_person_id else t("respondent")
            kind = t("fulfilment") if row.kind == "fulfilment" else t("satisfaction")
            answer = row.answer or t(STATUS_LABELS[row.status])
            comment = f" · {row.comment}" if row.comment else ""
            if row.complaint_at is not None:
                comment += " · " + t("flagged as a complaint")
            lines.append(f"{kind} · {who} · {answer}{comment}")
        return [Reply("\n".join(lines))]
    stmt = (
        select(FollowUp, Case.mediator_id)
        .join(Case, Case.id == FollowUp.case_id)
        .where(FollowUp.answer.is_not(None), *scope_conditions(ctx))  # a station: its own
    )
    scores: dict[int | None, list[int]] = defaultdict(list)
    kept: dict[int | None, list[bool]] = defaultdict(list)
    for row, mediator_id in (await ctx.session.execute(stmt)).all():
        if row.kind == "satisfaction":
            scores[mediator_id].append(int(row.answer))  # type: ignore[arg-type]  # answered rows only
        else:
            kept[mediator_id].append(row.answer == "yes")
    if not scores and not kept:
        return [Reply(t("No follow-up answers yet."))]
    names = {s.id: s.name for s in (await ctx.session.execute(select(Staff))).scalars()}
    lines = [t("Follow-up results per mediator:")]
    for mediator_id in sorted(set(scores) | set(kept), key=lambda m: names.get(m or 0, "")):
        name = names.get(mediator_id or 0) or t("not assigned")
        s, k = scores[mediator_id], kept[mediator_id]
        mean = f"{sum(s) / len(s):.1f}" if s else "—"
        rate = f"{100 * sum(k) / len(k):.0f}%" if k else "—"
        lines.append(
            t(
                "{name}: satisfaction {mean} ({count} answers), agreements carried out {rate}",
                name=name,
                mean=mean,
                count=len(s),
                rate=rate,
            )
        )
    return [Reply("\n".join(lines))]
