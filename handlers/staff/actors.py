"""Who did it, in words: the history and `/audit` store account ids ("telegram:9100"); staff
read "李调解（调解员）", "the applicant" or "the system" instead.

A staff member is shown by their registered name and role; a party by their role in the case;
an account id only when nothing else is known, and then masked where a group can see it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.i18n import Translator
from handlers.staff.registry import ROLE_LABELS
from storage.models import Case, Identity, Staff
from storage.retention import PARTY_ACTOR

SYSTEM = "system"


def staff_phrase(t: Translator, staff: Staff, *, private: bool) -> str:
    """ "李调解（调解员）"; the account id (masked in a group) when no name was registered."""
    named = staff.name and staff.name != staff.member
    name = staff.name if named else account_id(staff.member, private=private)
    role = t(ROLE_LABELS[staff.role]) if staff.role in ROLE_LABELS else staff.role
    return t("{name} ({role})", name=name, role=role)


def account_id(actor: str, *, private: bool) -> str:
    """The id as stored in a private chat; in a group the account part is masked."""
    if private:
        return actor
    channel, sep, ext = actor.rpartition(":")
    if not sep:
        channel, ext = "", actor
    shown = ext[:2] + "*" * min(max(len(ext) - 2, 2), 6)
    return f"{channel}:{shown}" if channel else shown


async def actor_names(
    session: AsyncSession,
    t: Translator,
    actors: Iterable[str],
    *,
    private: bool,
    case: Case | None = None,
) -> dict[str, str]:
    """Each actor id in words (two queries for the lot, however long the history)."""
    names = {SYSTEM: t("the system"), PARTY_ACTOR: t("a party")}  # anonymized: storage/retention
    wanted = {a for a in actors if a and a not in names}
    if wanted:
        for staff in (
            await session.execute(select(Staff).where(Staff.member.in_(wanted)))
        ).scalars():
            names[staff.member] = staff_phrase(t, staff, private=private)
    others = [a for a in wanted if a not in names and ":" in a]
    if others and case is not None:
        pairs = [a.split(":", 1) for a in others]
        stmt = select(Identity.channel, Identity.external_id, Identity.person_id).where(
            or_(*(and_(Identity.channel == c, Identity.external_id == e) for c, e in pairs))
        )
        for channel, external_id, person_id in await session.execute(stmt):
            if person_id == case.applicant_person_id:
                names[f"{channel}:{external_id}"] = t("the applicant")
            elif person_id == case.respondent_person_id:
                names[f"{channel}:{external_id}"] = t("the respondent")
    for actor in wanted - names.keys():
        names[actor] = account_id(actor, private=private)
    return names
