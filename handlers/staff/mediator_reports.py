"""/subsidy (以案定补), /assessment (年度考核) and /flag_complaint: the figures the center runs
its mediators on (handlers/office/subsidy.py, assessment.py)."""

from __future__ import annotations

import asyncio
import secrets

from sqlalchemy import select

from handlers.casework.references import find_case
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.office.assessment import assess, assessment_table, assessment_text
from handlers.office.assessment_chart import chart_file
from handlers.office.ledger import write_xlsx
from handlers.office.stats import month_label, previous_month
from handlers.office.subsidy import month_subsidies, subsidy_table, subsidy_text
from handlers.staff.registry import DESK, command, usage
from handlers.staff.reports import _month_arg, reports_dir
from storage.cases import add_event
from storage.models import FollowUp, Staff


@command(
    "subsidy",
    "/subsidy [YYYY-MM]",
    "per-case subsidies of a month per mediator, with the rule applied to each case "
    "(default: last month)",
    DESK,
)
async def subsidy(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    month = _month_arg(ctx, arg, default=previous_month(ctx.now(), ctx.settings.tz))
    if isinstance(month, Reply):
        return [month]
    assert month is not None
    rows = await month_subsidies(ctx.session, month, ctx.settings)
    label = month_label(ctx.t.locale, month)
    replies = [Reply(subsidy_text(ctx.t, label, rows))]
    if rows:
        path = reports_dir(ctx.settings) / f"{secrets.token_urlsafe(24)}.xlsx"
        await asyncio.to_thread(write_xlsx, subsidy_table(ctx.t, rows), path, label)
        replies.append(
            Reply(document=str(path), file_name=f"subsidy-{month:%Y-%m}.xlsx", temporary=True)
        )
    return replies


@command(
    "assessment",
    "/assessment [YEAR]",
    "the annual assessment of mediators with the center's average and a chart (default: "
    "this year so far)",
    DESK,
)
async def assessment(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    word = arg.split()[0] if arg.split() else ""
    this_year = ctx.now().astimezone(ctx.settings.tz).year
    if word and not (word.isdecimal() and 2000 <= int(word) <= this_year):
        return [
            Reply(
                ctx.t(
                    "I could not read “{text}” as a year. Write it like {example}.",
                    text=word[:20],
                    example=this_year,
                )
            )
        ]
    year = int(word) if word else this_year
    result = await assess(ctx.session, year, ctx.settings)
    replies = [Reply(assessment_text(ctx.t, result))]
    if result.mediators:
        name = f"assessment-{year}-{ctx.t.locale}-{secrets.token_hex(4)}.png"
        path = await chart_file(result, ctx.t, reports_dir(ctx.settings) / name)
        replies.append(Reply(str(year), image=str(path)))
        book = reports_dir(ctx.settings) / f"{secrets.token_urlsafe(24)}.xlsx"
        await asyncio.to_thread(write_xlsx, assessment_table(ctx.t, result), book, str(year))
        replies.append(
            Reply(document=str(book), file_name=f"assessment-{year}.xlsx", temporary=True)
        )
    return replies


@command(
    "flag_complaint",
    "/flag_complaint ID [applicant|respondent]",
    "flag a party's follow-up comment on a case as a complaint (counted in the annual assessment)",
    DESK,
)
async def flag_complaint(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split()
    if not parts or (len(parts) > 1 and parts[1] not in ("applicant", "respondent")):
        return [usage(ctx, "flag_complaint")]
    case = await find_case(ctx, parts[0])
    if case is None:
        ref = parts[0][:40]
        return [
            Reply(ctx.t("No case {ref}. Check the number, e.g. LJ-2026-000123 or 123.", ref=ref))
        ]
    stmt = select(FollowUp).where(FollowUp.case_id == case.id, FollowUp.comment != "")
    rows = [r for r in (await ctx.session.execute(stmt)).scalars() if r.comment]
    if len(parts) > 1:
        person = case.applicant_person_id if parts[1] == "applicant" else case.respondent_person_id
        rows = [r for r in rows if r.person_id == person]
    if not rows:
        return [Reply(ctx.t("No follow-up comment to flag on case {number}.", number=case.number))]
    if len(rows) > 1:
        return [
            Reply(
                ctx.t(
                    "Both parties left a comment on case {number}: add applicant or "
                    "respondent, e.g. /flag_complaint {number} applicant",
                    number=case.number,
                )
            )
        ]
    row = rows[0]
    if row.complaint_at is not None:
        return [Reply(ctx.t("That comment is already flagged as a complaint."))]
    row.complaint_at, row.complaint_by = ctx.now(), ctx.actor
    await add_event(ctx.session, case, actor=ctx.actor, action="complaint_flagged")
    return [
        Reply(
            ctx.t(
                "Flagged as a complaint about case {number}; it counts in its mediator's "
                "annual assessment.",
                number=case.number,
            )
        )
    ]
