"""The published mediator roster (调解员名册, seed 000 §六(一): "设立调解员名册并公布"): name,
full- or part-time and specialties — never a phone number or an account."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.claims import CATEGORIES
from handlers.conversation.i18n import Translator
from storage.models import Case, MediatorSpecialty, Staff

TOP_SPECIALTIES = 3


async def published_roster(session: AsyncSession, t: Translator) -> str:
    """Active mediators by name. Specialties: those declared on the roster (`/mediators
    specialty`, also what `/assign` suggests by), else the dispute categories they have
    mediated most."""
    stmt = select(Staff).where(Staff.role == "mediator", Staff.active.is_(True))
    mediators = sorted((await session.execute(stmt)).scalars(), key=lambda s: s.name)
    if not mediators:
        return t("The center has not published its mediator roster yet.")
    cases = await session.execute(
        select(Case.mediator_id, Case.categories).where(
            Case.mediator_id.in_([m.id for m in mediators])
        )
    )
    seen: dict[int, Counter[str]] = {m.id: Counter() for m in mediators}
    for mediator_id, categories in cases.all():
        seen[mediator_id].update(c for c in categories or [] if c in CATEGORIES)
    declared: dict[int, list[str]] = {m.id: [] for m in mediators}
    rows = await session.execute(
        select(MediatorSpecialty.staff_id, MediatorSpecialty.category)
        .where(MediatorSpecialty.staff_id.in_(list(declared)))
        .order_by(MediatorSpecialty.id)
    )
    for staff_id, category in rows.all():
        if category in CATEGORIES:
            declared[staff_id].append(category)
    lines = [t("Mediators of the center:")]
    for m in mediators:
        kind = t("full-time") if m.full_time else t("part-time")
        line = f"{m.name} · {kind}"
        if declared[m.id]:
            line += " · " + t(
                "specialises in {list}", list=t.join([t(CATEGORIES[c]) for c in declared[m.id]])
            )
            lines.append(line)
            continue
        top = [t(CATEGORIES[c]) for c, _n in seen[m.id].most_common(TOP_SPECIALTIES)]
        if top:
            line += " · " + t("experienced in {list}", list=t.join(top))
        lines.append(line)
    return "\n".join(lines)
