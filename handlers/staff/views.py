"""Staff commands that look at cases: queue, one case with its history, overdue, mine, find."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select

from handlers.casework import terms
from handlers.casework.claims import CATEGORIES
from handlers.casework.deadlines import arbitration_open_from, statutory_applies
from handlers.casework.lifecycle import ENDED, STATE_LABELS
from handlers.casework.references import DEPARTMENTS, find_case
from handlers.casework.sites import scope_conditions
from handlers.casework.summary import case_summary, period_lines
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Button, Reply, grid
from handlers.office.documents import case_attachments, reached_agreement
from handlers.staff.actors import actor_names
from handlers.staff.casecard import contact_lines, evidence_button, evidence_lines
from handlers.staff.digest import is_overdue, open_cases_query, overdue_condition
from handlers.staff.phrases import access_line, event_line, place_phrase
from handlers.staff.pushes import sees_full_details
from handlers.staff.registry import ADMIN, command, help_lines, log_access, usage
from storage.cases import case_events
from storage.models import AccessLog, Case, Staff

MAX_LIST = 15


def case_line(ctx: Ctx, case: Case) -> str:
    t = ctx.t
    parts = [
        f"{case.number}",
        t(STATE_LABELS.get(case.state, case.state)),
        f"{case.applicant_name} → {case.respondent_name}",
        "、".join(t(CATEGORIES[c]) for c in case.categories if c in CATEGORIES),
    ]
    if case.collective:
        parts.insert(0, "🔴")
    if case.state == "submitted" and case.accept_by:
        late = case.accept_by < ctx.today()
        parts.append(("⏰ " if late else "") + t("accept by {date}", date=t.date(case.accept_by)))
    elif case.state not in ENDED:
        if statutory_applies(case) and (opens := arbitration_open_from(ctx.settings, case)):
            late = is_overdue(ctx.settings, case, ctx.now())
            parts.append(("⏰ " if late else "") + t("arbitration open {date}", date=t.date(opens)))
        if case.due_at:
            late = case.due_at < ctx.now()
            parts.append(("⏰ " if late else "") + t("due {date}", date=t.date(case.due_at)))
    return " · ".join(p for p in parts if p)


def case_list(
    ctx: Ctx, title: str, cases: Sequence[Case], empty: str, total: int | None = None
) -> list[Reply]:
    """The first MAX_LIST cases; `total`: how many there are in all when only those were
    loaded (see `first_cases`)."""
    total = len(cases) if total is None else total
    if not cases:
        return [Reply(empty)]
    lines = [title] + [case_line(ctx, c) for c in cases[:MAX_LIST]]
    if total > MAX_LIST:
        lines.append(ctx.t("… and {count} more", count=total - MAX_LIST))
    return [Reply("\n".join(lines))]


async def first_cases(ctx: Ctx, stmt: Select[Any]) -> tuple[Sequence[Case], int]:
    """The first MAX_LIST cases `stmt` selects, and how many it selects in all: a city's
    /find or /overdue can match thousands, and each loaded case decrypts its personal data."""
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = (await ctx.session.execute(counted)).scalar_one()
    if not total:
        return [], 0
    return (await ctx.session.execute(stmt.limit(MAX_LIST))).scalars().all(), total


@command("help", "/help", "this list of staff commands")
async def staff_help(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    head = ctx.t("Staff commands (ID is a case number like LJ-2026-000123, or just 123):")
    return [Reply("\n".join([head, *help_lines(ctx, staff)]))]


@command("queue", "/queue", "new cases waiting for acceptance, and accepted ones not assigned")
async def queue(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    stmt = (
        select(Case)
        .where(or_(Case.state == "submitted", Case.state == "accepted"), Case.number.is_not(None))
        .where(*scope_conditions(ctx))
        .order_by(Case.collective.desc(), Case.id)
    )
    cases, total = await first_cases(ctx, stmt)
    if not cases:
        return [Reply(ctx.t("The queue is empty."))]
    replies = [Reply(ctx.t("Waiting: {count}", count=total))]
    for case in cases[:MAX_LIST]:
        actions = [Button(ctx.t("View"), f"st:view:{case.id}")]
        if case.state == "submitted":
            actions += [
                Button(ctx.t("Accept"), f"st:accept:{case.id}"),
                Button(ctx.t("Refer"), f"st:refer:{case.id}"),
            ]
        actions.append(Button(ctx.t("Assign"), f"st:assign:{case.id}"))
        replies.append(Reply(case_line(ctx, case), buttons=grid(actions, per_row=4)))
    return replies


async def show_case(ctx: Ctx, case: Case, staff: Staff) -> list[Reply]:
    """Full details in a private chat to those who work on the case, masked otherwise (and
    always in a group); with the history. Every private view is logged."""
    private = ctx.inbound.chat_kind == "private"
    full = private and sees_full_details(staff, case)
    if private:
        await log_access(ctx, "view_case", case.id, "" if full else "masked")
    t = ctx.t
    lines = [case_summary(ctx, case, masked=not full)]
    lines += contact_lines(ctx, case, full=full)
    if case.department:
        lines.append(t("Department: {name}", name=t(DEPARTMENTS.get(case.department, ""))))
    if case.mediator_id:
        mediator = await ctx.session.get(Staff, case.mediator_id)
        lines.append(t("Mediator: {name}", name=mediator.name if mediator else "—"))
    if case.session_at:
        lines.append(
            t(
                "Session: {when}, {place}",
                when=t.datetime(case.session_at),
                place=place_phrase(t, case.session_place),
            )
        )
    lines += period_lines(ctx, case)
    if await reached_agreement(ctx.session, case):
        lines.append(terms.status_line(t, await terms.status(ctx.session, case)))
    lines.append(t("History:"))
    events = await case_events(ctx.session, case.id)
    who = await actor_names(ctx.session, t, (e.actor for e in events), private=private, case=case)
    for event in events:
        lines.append(
            event_line(t, event, private=private, rules=ctx.core.rules, who=who[event.actor])
        )
    files = await case_attachments(ctx.session, case)
    lines += evidence_lines(ctx, case, files)
    buttons = grid([evidence_button(ctx, case)]) if files else ()
    return [Reply("\n".join(lines), buttons=buttons)]


@command(
    "case",
    "/case ID",
    "a case with its history (full details only in a private chat, to admins, the case's "
    "mediator and its departments' liaisons)",
)
async def case_cmd(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    if not arg:
        return [usage(ctx, "case")]
    case = await find_case(ctx, arg.split()[0])
    if case is None:
        return [
            Reply(
                ctx.t("No case {ref}. Check the number, e.g. LJ-2026-000123 or 123.", ref=arg[:40])
            )
        ]
    return await show_case(ctx, case, staff)


@command("overdue", "/overdue", "cases past their mediation period or acceptance target")
async def overdue(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    cases, total = await first_cases(ctx, overdue_cases(ctx))
    return case_list(ctx, ctx.t("Overdue:"), cases, ctx.t("Nothing is overdue."), total)


def overdue_cases(ctx: Ctx) -> Select[Any]:
    """Past the 15 days after receipt (or an in-suit court period), past the center's own
    working period, or not accepted by the target date."""
    late = or_(
        overdue_condition(ctx.settings, ctx.now()),
        Case.due_at < ctx.now(),
        (Case.state == "submitted") & (Case.accept_by < ctx.today()),
    )
    return open_cases_query(late, *scope_conditions(ctx))


@command("mine", "/mine", "your own open cases (mediators)")
async def mine(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    stmt = select(Case).where(Case.mediator_id == staff.id, Case.state.not_in(ENDED))
    cases = (await ctx.session.execute(stmt.order_by(Case.due_at))).scalars().all()
    return case_list(ctx, ctx.t("Your cases:"), cases, ctx.t("You have no open cases."))


@command("find", "/find TEXT", "find cases by name, employer or the last digits of a phone")
async def find(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    text = arg.strip()
    if len(text) < 2:
        return [usage(ctx, "find")]
    like = f"%{text.replace('%', '').replace('_', '')}%"
    conditions: list[ColumnElement[bool]] = [
        Case.applicant_name.ilike(like),
        Case.respondent_name.ilike(like),
    ]
    if text.isdecimal() and len(text) >= 4:
        conditions.append(Case.applicant_phone_last4 == text[-4:])  # phones are encrypted
    stmt = (
        select(Case)
        .where(or_(*conditions), Case.number.is_not(None), *scope_conditions(ctx))
        .order_by(Case.id.desc())
    )
    cases, total = await first_cases(ctx, stmt)
    empty = ctx.t("No case matches {text}.", text=text[:40])
    return case_list(ctx, ctx.t("Found:"), cases, empty, total)


@command("audit", "/audit ID", "who viewed a case's personal data, and refused attempts", ADMIN)
async def audit(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    case = await find_case(ctx, arg.split()[0]) if arg else None
    if case is None:
        stmt = select(AccessLog).where(AccessLog.case_id.is_(None))
        title = ctx.t("Refused attempts:")
    else:
        stmt = select(AccessLog).where(AccessLog.case_id == case.id)
        title = ctx.t("Access to case {number}:", number=case.number)
    stmt = stmt.order_by(AccessLog.id.desc()).limit(30)
    rows = (await ctx.session.execute(stmt)).scalars().all()
    private = ctx.inbound.chat_kind == "private"
    who = await actor_names(ctx.session, ctx.t, (r.actor for r in rows), private=private, case=case)
    lines = [access_line(ctx.t, r, who[r.actor]) for r in rows]
    return [Reply("\n".join([title, *lines]) if lines else ctx.t("Nothing recorded."))]
