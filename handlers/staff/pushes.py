"""Telling the parties of every change that concerns them, through the outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.deadlines import latest_safe_arbitration_date
from handlers.conversation.context import Ctx
from handlers.conversation.core import Core
from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Reply
from settings import Settings
from storage.models import Case

Build = Callable[[Translator], str]


async def push_parties(
    core: Core, session: AsyncSession, case: Case, key: str, build: Build
) -> int:
    """Queue one message to each party that has a chat, in their language; returns how many.

    The idempotency key includes the person, so a retried change never pushes twice.
    """
    sent = 0
    parties = (case.applicant_person_id, case.respondent_person_id)
    for person_id in sorted({p for p in parties if p is not None}):
        t = await core.person_translator(session, person_id)
        reply = Reply(build(t), audience=party_label(case, person_id))
        if await core.push_to_person(
            session, person_id, f"case:{case.number}:{key}:{person_id}", [reply]
        ):
            sent += 1
    return sent


def party_label(case: Case, person_id: int) -> str:
    """"申请人 张测试" / "被申请人 示例公司": for the console's label of a push."""
    if person_id == case.applicant_person_id:
        return f"申请人 {case.applicant_name or ''}".strip()
    return f"被申请人 {case.respondent_name or ''}".strip()


async def notify_parties(ctx: Ctx, case: Case, key: str, build: Build) -> int:
    return await push_parties(ctx.core, ctx.session, case, key, build)


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
