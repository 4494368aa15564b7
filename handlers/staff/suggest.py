"""Which mediator should take a case: the suggestion behind `/assign ID` and the Assign button.

Mediators linked to the employer in the case (`/mediators link MEMBER EMPLOYER`) are never
suggested and cannot be assigned. The others are ranked: those whose specialties (`/mediators
specialty MEMBER CATEGORY...`, the claim categories of handlers/casework/claims.py) share a
category with the case first, then fewest open cases (assigned or in mediation), then by name.

An employer matches a link when, normalised as the risk ledger does
(handlers/casework/employers.py: widths, traditional characters, brackets, punctuation, the
company form and a branch suffix), one contains the other (at least 4 characters) or the
credit codes are equal:
"示例制造有限公司" is linked to "示例制造有限公司（广州分公司）" too. A conflict check should
rather exclude one mediator too many than assign one too many.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from handlers.casework.claims import CATEGORIES
from handlers.casework.employers import normalise_credit_code, normalise_name
from handlers.casework.references import DEPARTMENTS
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Button, Reply, grid
from handlers.staff.refs import find_staff
from storage.db import insert_for
from storage.models import Case, MediatorLink, MediatorSpecialty, Staff

OPEN_STATES = ("assigned", "in_mediation")
MIN_OVERLAP = 4


def employer_key(text: str) -> str:
    """A credit code, else the name as the risk ledger recognises one employer across cases."""
    return normalise_credit_code(text) or normalise_name(text)[:200]


def _same_employer(link: str, names: list[str]) -> bool:
    for name in names:
        if not name:
            continue
        short, long = sorted((link, name), key=len)
        if short == long or (len(short) >= MIN_OVERLAP and short in long):
            return True
    return False


def case_employers(case: Case) -> list[str]:
    """The keys a link is compared with: both parties' names and credit codes (an employer
    may be either side)."""
    raw = [case.respondent_name, case.respondent_uscc, case.applicant_name, case.applicant_uscc]
    return [employer_key(x) for x in raw if x]


@dataclass(frozen=True)
class Candidate:
    staff: Staff
    open_cases: int
    matches: tuple[str, ...]  # the case's categories this mediator specialises in


async def conflict(ctx: Ctx, staff_id: int, case: Case) -> str | None:
    """The employer a mediator is linked to in this case, if any."""
    links = (
        await ctx.session.execute(select(MediatorLink).where(MediatorLink.staff_id == staff_id))
    ).scalars()
    names = case_employers(case)
    return next((link.employer for link in links if _same_employer(link.employer_key, names)), None)


async def ranked(ctx: Ctx, case: Case) -> tuple[list[Candidate], list[tuple[Staff, str]]]:
    """Active mediators in suggestion order, and those left out with the employer they are
    linked to."""
    session = ctx.session
    stmt = select(Staff).where(Staff.role == "mediator", Staff.active.is_(True))
    if ctx.site_scope is not None:  # a station assigns its own mediators
        stmt = stmt.where(Staff.site == ctx.site_scope)
    mediators = (await session.execute(stmt.order_by(Staff.name))).scalars().all()
    counts: dict[int | None, int] = {
        staff_id: n
        for staff_id, n in await session.execute(
            select(Case.mediator_id, func.count())
            .where(Case.state.in_(OPEN_STATES), Case.mediator_id.is_not(None))
            .group_by(Case.mediator_id)
        )
    }
    specialties: dict[int, set[str]] = {}
    for staff_id, category in await session.execute(
        select(MediatorSpecialty.staff_id, MediatorSpecialty.category)
    ):
        specialties.setdefault(staff_id, set()).add(category)
    wanted = [c for c in case.categories or [] if isinstance(c, str)]
    candidates, excluded = [], []
    for m in mediators:
        if (employer := await conflict(ctx, m.id, case)) is not None:
            excluded.append((m, employer))
            continue
        mine = specialties.get(m.id, set())
        matches = tuple(c for c in wanted if c in mine)
        candidates.append(Candidate(m, int(counts.get(m.id, 0)), matches))
    candidates.sort(key=lambda c: (not c.matches, c.open_cases, c.staff.name))
    return candidates, excluded


async def suggestion(ctx: Ctx, case: Case) -> list[Reply]:
    """The ranked mediators as buttons (pressing one assigns), then the departments."""
    t = ctx.t
    candidates, excluded = await ranked(ctx, case)
    lines = [t("Suggested mediators for case {number}, best first:", number=case.number)]
    for n, c in enumerate(candidates, 1):
        line = f"{n}. {c.staff.name} · " + t.n(
            "{count} open case", "{count} open cases", c.open_cases
        )
        if c.matches:
            line += " · " + t(
                "specialty: {names}", names=t.join(t(CATEGORIES[m]) for m in c.matches)
            )
        lines.append(line)
    if not candidates:
        lines.append(t("No mediator can take it. An admin adds one with /mediators add."))
    if excluded:
        lines.append(
            t(
                "Not suggested (linked to a party): {names}",
                names=t.join(f"{s.name} ({employer})" for s, employer in excluded),
            )
        )
    items = [
        Button(
            ("★ " if c.matches else "") + f"{c.staff.name} ({c.open_cases})",
            f"st:assignto:{case.id}:{c.staff.member}",
        )
        for c in candidates
    ]
    items += [
        Button(t(label), f"st:assignto:{case.id}:{code}") for code, label in DEPARTMENTS.items()
    ]
    return [Reply("\n".join(lines), buttons=grid(items, 2))]


# --- the roster's side: /mediators specialty | link | unlink --------------------------------
ROSTER_ACTIONS = ("specialty", "link", "unlink")


async def roster_action(ctx: Ctx, action: str, args: list[str]) -> Reply | None:
    """`/mediators specialty MEMBER CATEGORY...`, `link MEMBER EMPLOYER`, `unlink MEMBER
    EMPLOYER` (admins); None when the arguments do not fit (the caller shows the usage)."""
    if len(args) < 1 or (action != "specialty" and len(args) < 2):
        return None
    mediator = await find_staff(ctx, args[0], role="mediator")
    if mediator is None:
        return Reply(ctx.t("{member} is not on the roster.", member=args[0][:40]))
    session = ctx.session
    if action == "specialty":
        unknown = [c for c in args[1:] if c not in CATEGORIES]
        if unknown:
            return Reply(
                ctx.t(
                    "Unknown category {names}. Categories: {codes}",
                    names=", ".join(x[:40] for x in unknown),
                    codes=", ".join(CATEGORIES),
                )
            )
        await session.execute(
            delete(MediatorSpecialty).where(MediatorSpecialty.staff_id == mediator.id)
        )
        for category in dict.fromkeys(args[1:]):
            session.add(MediatorSpecialty(staff_id=mediator.id, category=category))
        names = ctx.t.join(ctx.t(CATEGORIES[c]) for c in dict.fromkeys(args[1:])) or "—"
        return Reply(ctx.t("Specialties of {name}: {names}", name=mediator.name, names=names))
    employer = " ".join(args[1:])[:200]
    key = employer_key(employer)
    if not key:
        return None
    if action == "link":
        insert = insert_for(session)
        await session.execute(
            insert(MediatorLink)
            .values(staff_id=mediator.id, employer=employer, employer_key=key, created_by=ctx.actor)
            .on_conflict_do_nothing(index_elements=["staff_id", "employer_key"])
        )
        return Reply(
            ctx.t(
                "Recorded: {name} is linked to {employer} and will not get its cases.",
                name=mediator.name,
                employer=employer,
            )
        )
    await session.execute(
        delete(MediatorLink).where(
            MediatorLink.staff_id == mediator.id, MediatorLink.employer_key == key
        )
    )
    return Reply(
        ctx.t(
            "Removed: {name} is no longer linked to {employer}.",
            name=mediator.name,
            employer=employer,
        )
    )
