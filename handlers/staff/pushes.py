"""Telling the parties of every change that concerns them, through the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.deadlines import latest_safe_arbitration_date
from handlers.casework.references import case_departments
from handlers.conversation.audience import party_audience
from handlers.conversation.context import Ctx
from handlers.conversation.core import Core
from handlers.conversation.i18n import Translator
from handlers.conversation.masking import mask_phone
from handlers.conversation.messages import Reply
from handlers.staff.registry import log_access
from settings import Settings
from storage.models import Case, Staff

Build = Callable[[Translator], str]


@dataclass
class Reach:
    """Which parties a push reached through the bot, and which staff must phone."""

    told: list[str] = field(default_factory=list)  # "applicant" / "respondent"
    unreached: list[str] = field(default_factory=list)


async def push_parties(
    core: Core, session: AsyncSession, case: Case, key: str, build: Build
) -> Reach:
    """Queue one message to each party that has a chat, in their language.

    The idempotency key includes the person, so a retried change never pushes twice. Returns
    who was told and who was not (never linked, or no chat), so staff are not told "both
    sides" when one of them still has to be phoned.
    """
    reach = Reach()
    seen: set[int] = set()
    for role, person_id in (
        ("applicant", case.applicant_person_id),
        ("respondent", case.respondent_person_id),
    ):
        if person_id is None:
            reach.unreached.append(role)
            continue
        if person_id in seen:
            reach.told.append(role)
            continue
        seen.add(person_id)
        t = await core.person_translator(session, person_id)
        reply = Reply(build(t), audience=party_audience(t, case, person_id))
        if await core.push_to_person(
            session, person_id, f"case:{case.number}:{key}:{person_id}", [reply]
        ):
            reach.told.append(role)
        else:
            reach.unreached.append(role)
    return reach


async def notify_parties(ctx: Ctx, case: Case, key: str, build: Build) -> Reach:
    return await push_parties(ctx.core, ctx.session, case, key, build)


def party_word(t: Translator, role: str) -> str:
    """ "the applicant" / "the respondent" in the reader's language."""
    return t("the applicant") if role == "applicant" else t("the respondent")


def reach_line(t: Translator, case: Case, reach: Reach, *, full: bool) -> str:
    """For staff: exactly who was told through the bot and whom to phone (masked unless full)."""
    lines = []
    if reach.told:
        told = ("、" if t.locale == "zh_CN" else ", ").join(party_word(t, r) for r in reach.told)
        lines.append(t("Told through the bot: {who}.", who=told))
    else:
        lines.append(t("No party could be told through the bot."))
    for role in reach.unreached:
        name = case.applicant_name if role == "applicant" else case.respondent_name
        phone = case.applicant_phone if role == "applicant" else case.respondent_phone
        if phone:
            shown = phone if full else mask_phone(phone)
            lines.append(
                t(
                    "Please phone {party} {name} ({phone}): not linked to the bot.",
                    party=party_word(t, role),
                    name=name,
                    phone=shown,
                )
            )
        else:
            lines.append(
                t(
                    "Please reach {party} {name} another way: not linked to the bot and no "
                    "phone on file.",
                    party=party_word(t, role),
                    name=name,
                )
            )
    return "\n".join(lines)


def sees_full_details(staff: Staff, case: Case) -> bool:
    """Phone and ID numbers in full: admins, the case's mediator, its departments' liaisons."""
    if staff.role == "admin" or (case.mediator_id is not None and case.mediator_id == staff.id):
        return True
    return staff.role == "liaison" and staff.department in case_departments(case)


async def told_reply(ctx: Ctx, staff: Staff, case: Case, reach: Reach) -> str:
    """The staff line after a push: phones in full only privately to those on the case (logged)."""
    full = ctx.inbound.chat_kind == "private" and sees_full_details(staff, case)
    if full and reach.unreached:
        await log_access(ctx, "view_case", case.id, "phones to call")
    return reach_line(ctx.t, case, reach, full=full)


def arbitration_advice(settings: Settings, t: Translator, case: Case, now: datetime) -> str:
    """Where and by when to apply for arbitration."""
    arb = settings.arbitration
    where = arb.commission
    if arb.address:
        where += t(", {address}", address=arb.address)
    if arb.hours:
        where += t(" (open {hours})", hours=arb.hours)
    deadline = latest_safe_arbitration_date(settings, case) or now.astimezone(settings.tz).date()
    return t(
        "You may apply for arbitration to {where}. Arbitration is free of charge (art. 53). "
        "To be safe, apply no later than {deadline}; bring your ID, evidence and this case "
        "number.",
        where=where,
        deadline=t.date(deadline),
    )
