"""The agreed terms, read by both sides before the agreement is printed for signature.

Each bound party gets the terms in the chat with an "I have read these terms" button. A press
is recorded with its time and the SHA-256 of the exact text shown; it is not a signature (the
agreement takes effect only when signed or sealed, 调解仲裁法第十四条). When staff change the
terms (/terms), the hash changes and earlier readings no longer count.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.numerals import amount_in_capitals, amount_in_figures, chinese_date
from handlers.conversation.core import Core
from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Button, Reply, grid
from storage.db import insert_for
from storage.models import Case, TermsReading

SIDES = ("applicant", "respondent")
BUTTON = "rt"  # payload rt:<case id>:<first 16 hex digits of the hash>
PREFIX = 16


def terms_text(case: Case) -> str:
    """The terms as they go into the agreement draft, in Chinese; this exact text is hashed."""
    lines = [
        f"案号：{case.number}",
        f"申请人：{case.applicant_name}",
        f"被申请人：{case.respondent_name}",
    ]
    if case.outcome_amount is not None:
        figures, capitals = (
            amount_in_figures(case.outcome_amount),
            amount_in_capitals(case.outcome_amount),
        )
        lines.append(f"金额：{figures}（大写：人民币{capitals}）")
    if case.outcome_due is not None:
        lines.append(f"履行期限：{chinese_date(case.outcome_due)}前")
    terms = (case.outcome_terms or "").strip()
    lines.append(f"协议内容：{terms}" if terms else "协议内容：（见上）")
    return "\n".join(lines)


def terms_hash(case: Case) -> str:
    return hashlib.sha256(terms_text(case).encode("utf-8")).hexdigest()


def sides_of(case: Case, person_id: int) -> list[str]:
    """The sides a person is bound to (on the console one person may be both)."""
    return [s for s in SIDES if getattr(case, f"{s}_person_id") == person_id]


def bound(case: Case) -> list[tuple[str, int]]:
    return [(s, pid) for s in SIDES if (pid := getattr(case, f"{s}_person_id")) is not None]


@dataclass(frozen=True)
class Status:
    """Who has read the current terms: side -> time read (None: not yet, or not bound)."""

    digest: str
    read: dict[str, datetime | None]
    bound_sides: tuple[str, ...]


async def status(session: AsyncSession, case: Case) -> Status:
    digest = terms_hash(case)
    stmt = select(TermsReading).where(
        TermsReading.case_id == case.id, TermsReading.terms_hash == digest
    )
    read: dict[str, datetime | None] = dict.fromkeys(SIDES)
    for row in (await session.execute(stmt)).scalars():
        read[row.side] = row.read_at
    return Status(digest, read, tuple(s for s, _ in bound(case)))


async def record(
    session: AsyncSession, case: Case, person_id: int, digest: str, now: datetime
) -> list[str]:
    """Record the reading for each side the person is bound to; the sides newly recorded."""
    new = []
    for side in sides_of(case, person_id):
        insert = insert_for(session)
        stmt = (
            insert(TermsReading)
            .values(case_id=case.id, person_id=person_id, side=side, terms_hash=digest, read_at=now)
            .on_conflict_do_nothing(index_elements=["case_id", "person_id", "terms_hash"])
        )
        if cast(CursorResult[Any], await session.execute(stmt)).rowcount:
            new.append(side)
    return new


def request(t: Translator, case: Case, *, changed: bool = False) -> Reply:
    """The terms with the button; it says plainly that pressing it is not a signature."""
    intro = (
        t(
            "The agreed terms of case {number} have changed. Please read them again:",
            number=case.number,
        )
        if changed
        else t(
            "Before the agreement of case {number} is printed for signature, please read the "
            "agreed terms:",
            number=case.number,
        )
    )
    note = t(
        "Pressing the button only records that you have read these terms (with the time and a "
        "fingerprint of this text). It is NOT a signature: the agreement takes effect only when "
        "both sides sign or seal the printed agreement at the center. If anything is wrong, "
        "tell the mediator before signing."
    )
    payload = f"{BUTTON}:{case.id}:{terms_hash(case)[:PREFIX]}"
    text = f"{intro}\n\n{terms_text(case)}\n\n{note}"
    return Reply(text, buttons=grid([Button(t("I have read these terms"), payload)]))


async def ask_parties(
    core: Core, session: AsyncSession, case: Case, *, changed: bool = False
) -> list[str]:
    """Send the terms to every bound party (once per version of the terms); the sides sent to."""
    sent, digest = [], terms_hash(case)[:PREFIX]
    for side, person_id in bound(case):
        t = await core.person_translator(session, person_id)
        label = ("申请人 " if side == "applicant" else "被申请人 ") + str(
            getattr(case, f"{side}_name") or ""
        )
        reply = replace(request(t, case, changed=changed), audience=label.strip())
        key = f"case:{case.number}:terms:{digest}:{person_id}"
        if await core.push_to_person(session, person_id, key, [reply]):
            sent.append(side)
    return sent


def status_line(t: Translator, st: Status) -> str:
    """For staff: '已阅读协议条款（非签字）：申请人 12月3日 10:00；被申请人 尚未'."""
    parts = []
    for side in SIDES:
        who = t("applicant") if side == "applicant" else t("respondent")
        when = st.read.get(side)
        if when is not None:
            parts.append(t("{who} read at {time}", who=who, time=t.datetime(when)))
        elif side in st.bound_sides:
            parts.append(t("{who} not yet", who=who))
        else:
            parts.append(t("{who} not linked to the bot", who=who))
    return t(
        "Agreed terms read (not a signature; fingerprint {digest}): {parts}",
        digest=st.digest[:8],
        parts=t.join(parts, strong=True),
    )
