"""`/code ID`: a new one-time linking code for a case's party, the old one void.

Wrong codes are counted per account (handlers.party.respondent), so a stranger guessing never locks
the case; but a party who lost the code, or whose code leaked, needs a new one. The code is
shown only to the staff member, in a private chat; the accounts that tried to link the case
are told through the outbox how to get it (from the center, after staff check who they are).
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select

from handlers.casework.binding import code_hash
from handlers.casework.references import find_case
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.staff.joint import department_guard
from handlers.staff.registry import command, usage
from storage.cases import add_event
from storage.models import Case, CaseEvent, Staff

TRIED = re.compile(r"#P(\d+)")


@command(
    "code",
    "/code ID [applicant]",
    "issue a new linking code for the respondent (or a desk-registered applicant); "
    "the old code stops working; in a private chat",
)
async def new_code(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split()
    if not parts:
        return [usage(ctx, "code")]
    if ctx.inbound.chat_kind != "private":
        text = ctx.t("Please ask for a new code in a private chat with me: a code is a key.")
        return [Reply(text)]
    case = await find_case(ctx, parts[0])
    if case is None:
        text = ctx.t("No case {ref}. Check the number, e.g. LJ-2026-000123 or 123.", ref=arg[:40])
        return [Reply(text)]
    if refused := department_guard(ctx, staff, case):
        return [refused]
    if staff.role == "mediator" and case.mediator_id != staff.id:
        return [Reply(ctx.t("Case {number} is not assigned to you.", number=case.number))]
    applicant = len(parts) > 1 and parts[1].lower() in ("applicant", "申请人")
    linked = case.applicant_person_id if applicant else case.respondent_person_id
    if linked is not None:
        return [
            Reply(
                ctx.t(
                    "That party of case {number} is already linked (#P{ref}); no code is needed.",
                    number=case.number,
                    ref=linked,
                )
            )
        ]
    code = f"{secrets.randbelow(10**6):06d}"
    if applicant:
        case.applicant_code_hash = code_hash(case.number or "", code)
    else:
        case.respondent_code_hash = code_hash(case.number or "", code)
        case.respondent_code_failures = 0
    tried = await _accounts_that_tried(ctx, case)
    event = await add_event(
        ctx.session,
        case,
        actor=ctx.actor,
        action="code_reissued",
        note="applicant" if applicant else "respondent",
    )
    await ctx.session.flush()  # the event's id keys the pushes (one each, even if retried)
    told = [pid for pid in tried if await _tell(ctx, case, pid, event.id)]
    party = ctx.t("the applicant") if applicant else ctx.t("the respondent")
    lines = [
        ctx.t(
            "New linking code for {party} of case {number}: {code}. The old code no longer "
            "works. Give it to the party yourself (in person, by phone or SMS) after checking "
            "who they are.",
            party=party,
            number=case.number,
            code=code,
        )
    ]
    if told:
        lines.append(
            ctx.t(
                "Told through the bot that a new code exists and how to get it: {refs} "
                "(the accounts that tried to link this case).",
                refs=ctx.t.join(f"#P{pid}" for pid in told),
            )
        )
    else:
        lines.append(ctx.t("Nobody was told through the bot: no account has tried to link it."))
    return [Reply("\n".join(lines))]


async def _accounts_that_tried(ctx: Ctx, case: Case) -> list[int]:
    """People whose wrong codes for this case came after its last code was issued."""
    stmt = (
        select(CaseEvent.action, CaseEvent.note)
        .where(CaseEvent.case_id == case.id)
        .where(CaseEvent.action.in_(("bind_failed", "code_reissued")))
        .order_by(CaseEvent.id)
    )
    people: list[int] = []
    for action, note in (await ctx.session.execute(stmt)).all():
        if action == "code_reissued":
            people = []
        elif (match := TRIED.search(note or "")) and int(match.group(1)) not in people:
            people.append(int(match.group(1)))
    return people


async def _tell(ctx: Ctx, case: Case, person_id: int, event_id: int) -> bool:
    t = await ctx.core.person_translator(ctx.session, person_id)
    phone = ctx.settings.center.phone
    how = (
        t("call the center ({phone}) or visit it in office hours", phone=phone)
        if phone
        else t("visit the center in office hours")
    )
    text = t(
        "The center has issued a new linking code for case {number}; the old code no longer "
        "works. If you are a party to this case, {how}: staff give you the new code after "
        "checking who you are. Then use /bind again.",
        number=case.number,
        how=how,
    )
    key = f"code:{case.number}:{event_id}:{person_id}"
    return await ctx.push_to_person(person_id, key, [Reply(text)])
