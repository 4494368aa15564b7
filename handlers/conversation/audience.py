"""Whom a push is for: "申请人 张测试", "被申请人 示例公司", "工作人员 李调解".

Every push to a person is written to the outbox by `Core.push_to_person` or
`Core.push_to_member`; when it goes to the console, both label it here (`Reply.audience`), in
the reader's language, unless the caller already knew better (a case notice names the role in
that case). Only the console shows the label, because there one person may play every part; a
push to any other channel is written without one, and its label is never looked up (a query
per push that no reader would see). The work group's label is the console's own
(bot/channels/console.py): a group push has no single reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Reply
from storage.models import Case, Staff

#: The one channel that shows labels (bot/channels/console.py is named so).
CONSOLE = "console"

#: The console's label of the work group's notices (bot/app.py gives it to the console).
WORK_GROUP = _("Work group")


def party_audience(t: Translator, case: Case, person_id: int) -> str:
    """The party's role in `case` and the name given in it."""
    if person_id == case.applicant_person_id:
        return t("Applicant {name}", name=case.applicant_name or "").strip()
    return t("Respondent {name}", name=case.respondent_name or "").strip()


async def person_audience(session: AsyncSession, t: Translator, person_id: int) -> str:
    """A person's role in their latest case, else their reference (#P…) as staff see it."""
    stmt = (
        # only what the label needs: a whole case would decrypt its personal data on every push
        select(Case)
        .options(load_only(Case.applicant_person_id, Case.applicant_name, Case.respondent_name))
        .where(
            Case.number.is_not(None),
            or_(Case.applicant_person_id == person_id, Case.respondent_person_id == person_id),
        )
        .order_by(Case.id.desc())
        .limit(1)
    )
    case = (await session.execute(stmt)).scalar_one_or_none()
    if case is not None:
        return party_audience(t, case, person_id)
    return t("Person #P{ref}", ref=person_id)


async def member_audience(session: AsyncSession, t: Translator, member: str) -> str:
    """A staff member by their registered name; the account id when no name is known."""
    staff = (
        await session.execute(select(Staff).where(Staff.member == member))
    ).scalar_one_or_none()
    name = staff.name if staff is not None and staff.name and staff.name != member else member
    return t("Staff {name}", name=name)


def shows_labels(channel: str) -> bool:
    """Whether a push to `channel` shows whom it is for: on the console only."""
    return channel == CONSOLE


def unlabelled(replies: Sequence[Reply]) -> list[Reply]:
    """`replies` without labels, for a channel that does not show them."""
    return [replace(r, audience="") if r.audience else r for r in replies]


async def for_person(
    session: AsyncSession, t: Translator, person_id: int, replies: Sequence[Reply]
) -> list[Reply]:
    """`replies` with the person's label on each that has none."""
    if all(r.audience for r in replies):
        return list(replies)
    label = await person_audience(session, t, person_id)
    return [r if r.audience else replace(r, audience=label) for r in replies]


async def for_member(
    session: AsyncSession, t: Translator, member: str, replies: Sequence[Reply]
) -> list[Reply]:
    """`replies` with the staff member's label on each that has none."""
    if all(r.audience for r in replies):
        return list(replies)
    label = await member_audience(session, t, member)
    return [r if r.audience else replace(r, audience=label) for r in replies]
