"""Joint mediation across departments: a lead department and participating ones.

Each department's liaison sees its cases with /dept, is told when a case is assigned to or
shared with the department, and may work only on cases its department is part of.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from handlers.casework.references import DEPARTMENTS, case_departments, department_code, find_case
from handlers.casework.sites import scope_conditions
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.staff.registry import ALL, DESK, command, usage
from handlers.staff.views import case_list
from storage.cases import add_event
from storage.models import Case, Staff


def department_guard(ctx: Ctx, staff: Staff, case: Case) -> Reply | None:
    """A liaison may change a case only if the case has no department yet or includes theirs."""
    involved = case_departments(case)
    if staff.role != "liaison" or not involved or staff.department in involved:
        return None
    return Reply(
        ctx.t(
            "Case {number} is handled by {names}; your department is not part of it.",
            number=case.number,
            names="、".join(ctx.t(DEPARTMENTS.get(d, d)) for d in involved),
        )
    )


async def notify_department(ctx: Ctx, case: Case, dept: str, why: str) -> None:
    """Tell the department's liaisons privately (they may not be in the work group)."""
    stmt = select(Staff).where(
        Staff.role == "liaison", Staff.department == dept, Staff.active.is_(True)
    )
    for liaison in (await ctx.session.execute(stmt)).scalars():
        await ctx.core.push_to_member(
            ctx.session,
            liaison.member,
            f"case:{case.number}:dept:{dept}:{why}:{liaison.id}",
            [
                Reply(
                    ctx.t(
                        "Case {number} now involves your department ({name}). /case {number}",
                        number=case.number,
                        name=ctx.t(DEPARTMENTS[dept]),
                    )
                )
            ],
        )


@command("joint", "/joint ID DEPT...", "share a case with departments for joint mediation", DESK)
async def joint(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split()
    codes = [department_code(p) for p in parts[1:]]
    if len(parts) < 2 or None in codes:
        return [
            usage(ctx, "joint"),
            Reply(ctx.t("Departments: {names}", names=ctx.t.join(DEPARTMENTS))),
        ]
    case = await find_case(ctx, parts[0])
    if case is None:
        return [usage(ctx, "joint")]
    if refused := department_guard(ctx, staff, case):
        return [refused]
    added = [c for c in codes if c and c not in case_departments(case)]
    case.departments = [*case.departments, *added]
    if case.lead_department is None and added:
        case.lead_department = added[0]
    await add_event(ctx.session, case, actor=ctx.actor, action="joint", note=" ".join(added))
    for code in added:
        await notify_department(ctx, case, code, "joint")
    names = "、".join(ctx.t(DEPARTMENTS[d]) for d in case_departments(case))
    return [
        Reply(
            ctx.t(
                "Case {number} is now mediated jointly by {names}.", number=case.number, names=names
            )
        )
    ]


@command("lead", "/lead ID DEPT", "hand the lead of a joint case to another department", DESK)
async def lead(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split()
    code = department_code(parts[1]) if len(parts) == 2 else None
    case = await find_case(ctx, parts[0]) if parts else None
    if case is None or code is None:
        return [usage(ctx, "lead")]
    if refused := department_guard(ctx, staff, case):
        return [refused]
    if code not in case.departments:
        case.departments = [*case.departments, code]
    case.lead_department = code
    await add_event(ctx.session, case, actor=ctx.actor, action="lead", note=code)
    await notify_department(ctx, case, code, "lead")
    return [
        Reply(
            ctx.t(
                "{name} now leads case {number}.", name=ctx.t(DEPARTMENTS[code]), number=case.number
            )
        )
    ]


@command("dept", "/dept [DEPT]", "the cases of a department (yours by default)", ALL)
async def dept(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    code = department_code(arg) if arg.strip() else staff.department
    if code is None:
        return [
            usage(ctx, "dept"),
            Reply(ctx.t("Departments: {names}", names=ctx.t.join(DEPARTMENTS))),
        ]
    scope = scope_conditions(ctx)
    stmt = select(Case).where(
        Case.number.is_not(None),
        or_(Case.lead_department == code, Case.department == code),
        *scope,
    )
    direct = list((await ctx.session.execute(stmt)).scalars())
    every = select(Case).where(Case.number.is_not(None), *scope)
    shared = [
        c
        for c in (await ctx.session.execute(every)).scalars()
        if code in (c.departments or []) and c not in direct
    ]
    cases = sorted(direct + shared, key=lambda c: c.id)
    return case_list(
        ctx,
        ctx.t("Cases of {name}:", name=ctx.t(DEPARTMENTS[code])),
        cases,
        ctx.t("No cases for {name}.", name=ctx.t(DEPARTMENTS[code])),
    )
