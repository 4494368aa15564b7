"""Early warnings (风险预警): an employer rising to red or orange is reported once.

Who is told: the HR and social security liaison(s) in a private chat with the bot
(`[risk] liaisons`, else every active liaison of the department `hrss`) and, with
`[risk] notify_group`, the work group (masked). A level is warned once per employer: the
`risk_warnings` row (unique employer and level) is inserted in the same transaction as the
pushes, whose outbox keys are unique too, so two processes evaluating at the same moment
send one warning. An employer already warned at a level is not warned again at that level
or a lower one; rising from orange to red warns again.

Evaluated after each filing (handlers/party/submit.py) and on the timer (bot/app.py); the
timer's full evaluation also keeps every employer's level for the monthly report.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.core import Core
from handlers.conversation.messages import Reply
from handlers.conversation.redact import group_payload
from handlers.office import risk_levels
from handlers.office.risk import EmployerRisk, build_ledger, stored_key
from handlers.office.risk_text import warning_text
from knowledge.risk import RANK, WARN_LEVELS
from storage import outbox
from storage.db import insert_for
from storage.models import Case, RiskWarning, Staff

log = logging.getLogger(__name__)


def _key(employer: EmployerRisk, level: str) -> str:
    """The outbox key's stem; the employer key hashed, as a name may be long."""
    digest = hashlib.sha256(employer.key.encode()).hexdigest()[:24]
    return f"risk:{digest}:{level}"


async def recipients(core: Core, session: AsyncSession) -> list[str]:
    """The liaisons to tell: configured members, else the HR and social security liaisons."""
    configured = core.settings.risk.liaisons
    if configured:
        return list(configured)
    stmt = select(Staff.member).where(
        Staff.role == "liaison", Staff.department == "hrss", Staff.active.is_(True)
    )
    return list((await session.execute(stmt.order_by(Staff.id))).scalars())


async def _warned(session: AsyncSession, keys: Sequence[str]) -> dict[str, int]:
    """The highest level already warned per stored key (as a rank)."""
    highest: dict[str, int] = {}
    if not keys:
        return highest
    stmt = select(RiskWarning.employer_key, RiskWarning.level).where(
        RiskWarning.employer_key.in_(keys)
    )
    for key, level in await session.execute(stmt):
        highest[key] = max(highest.get(key, 0), RANK.get(level, 0))
    return highest


async def _claim(session: AsyncSession, employer: EmployerRisk, level: str) -> bool:
    """Record the warning; False when another process did so first."""
    key = stored_key(employer)
    stmt = (
        insert_for(session)(RiskWarning)
        .values(
            employer_key=key,
            employer_name=employer.name[:200] if employer.credit_code else "",
            level=level,
            rules=[f.rule.id for f in employer.fired],
            cases=employer.numbers,
        )
        .on_conflict_do_nothing(index_elements=["employer_key", "level"])
        .returning(RiskWarning.id)
    )
    return (await session.execute(stmt)).first() is not None


async def warn(core: Core, session: AsyncSession, ledger: Sequence[EmployerRisk]) -> int:
    """Send the warnings the ledger calls for that were not sent yet; how many employers."""
    sent = 0
    members: list[str] | None = None
    due = [e for e in ledger if e.level in WARN_LEVELS]
    warned = await _warned(session, [stored_key(e) for e in due])
    for employer in due:
        level = employer.level
        assert level is not None  # in WARN_LEVELS
        if warned.get(stored_key(employer), 0) >= RANK[level]:
            continue  # this level or a higher one was warned already
        if not await _claim(session, employer, level):
            continue
        t = core.translator()
        reply = Reply(warning_text(t, employer))
        stem = _key(employer, level)
        members = await recipients(core, session) if members is None else members
        told = 0
        for member in members:
            told += await core.push_to_member(session, member, f"{stem}:{member}", [reply])
        target = core.staff_target()
        if core.settings.risk.notify_group and target is not None:
            channel, chat_id = target
            await outbox.enqueue(
                session,
                key=f"{stem}:group",
                channel=channel,
                chat_id=chat_id,
                payload=group_payload([reply]),
            )
            told += 1
        if not told:
            log.warning("risk warning %s: no liaison or group to tell", stored_key(employer))
        sent += 1
    return sent


async def evaluate_and_warn(
    core: Core, session: AsyncSession, now: datetime, near: Case | None = None
) -> int:
    """Grade every employer (or only `near`'s) and send what is due, in the caller's
    transaction; a full evaluation also keeps each employer's level (risk_levels.py)."""
    ledger = await build_ledger(session, core.settings.tz, now, near=near)
    sent = await warn(core, session, ledger)
    if near is None:  # last: the upsert's row lock is held until the commit
        await risk_levels.store(session, ledger, now)
    return sent


async def after_filing(core: Core, session: AsyncSession, case: Case, now: datetime) -> None:
    """After a filing, inside its transaction: the filed case's employer only (the timer
    grades everyone), in a savepoint, so that a failure here is logged and never loses the
    application."""
    try:
        async with session.begin_nested():
            await evaluate_and_warn(core, session, now, near=case)
    except Exception:
        log.exception("risk evaluation after a filing failed; the timer will retry")


async def tick(core: Core, now: datetime) -> int:
    """On the timer: evaluate in a transaction of its own."""
    async with core.db.session() as session:
        return await evaluate_and_warn(core, session, now)
