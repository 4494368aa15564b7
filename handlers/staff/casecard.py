"""What staff need to call the parties, on /case: the other side's details, the job, when to
call, and the evidence — with /evidence to get the files in a private chat (logged)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from handlers.casework.answer_dates import month_only
from handlers.casework.claims import CONTACT_TIMES
from handlers.casework.references import find_case
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import Translator
from handlers.conversation.masking import mask_phone, mask_text
from handlers.conversation.messages import Button, Reply
from handlers.office.documents import case_attachments
from handlers.staff.pushes import sees_full_details
from handlers.staff.registry import command, log_access, usage
from storage.models import Attachment, Case, Staff


def contact_lines(ctx: Ctx, case: Case, *, full: bool) -> list[str]:
    """The respondent's address, credit code and phone, the job, and when to call.

    Masked like the rest of the case unless `full` (a private chat, to those on the case)."""
    t = ctx.t
    free: Callable[[str], str] = str if full else mask_text
    lines = [t("Respondent's address: {address}", address=free(case.respondent_address) or "—")]
    if case.respondent_uscc:
        lines.append(t("Respondent's credit code: {code}", code=case.respondent_uscc))
    phone = case.respondent_phone
    shown = (phone if full else mask_phone(phone)) if phone else t("not given")
    lines.append(t("Respondent's phone: {phone}", phone=shown))
    lines.append(
        t(
            "Employment: {start} to {end}",
            start=_as_given(t, case, "employment_start"),
            end=_as_given(t, case, "employment_end")
            if case.employment_end
            else t("still employed"),
        )
    )
    if case.work_place:
        lines.append(t("Place of work: {place}", place=free(case.work_place)))
    lines.append(t("Workers: {count}", count=t.number(case.workers_count)))
    if case.contact_time:
        code = case.contact_time
        when = t(CONTACT_TIMES[code]) if code in CONTACT_TIMES else free(code)
        lines.append(t("Best time to call: {when}", when=when))
    return lines


def evidence_lines(ctx: Ctx, case: Case, files: Sequence[Attachment]) -> list[str]:
    if not files:
        return [ctx.t("Evidence: none filed")]
    lines = [ctx.t("Evidence ({count}):", count=ctx.t.number(len(files)))]
    for n, item in enumerate(files, 1):
        name = item.file_name or ctx.t("photo {n}", n=n)
        lines.append(f"  {n}. {name} ({item.size // 1024 or 1} KB)")
    lines.append(ctx.t("/evidence {number} in a private chat sends the files.", number=case.number))
    return lines


def evidence_button(ctx: Ctx, case: Case) -> Button:
    return Button(ctx.t("Evidence files"), f"st:evidence:{case.id}")


@command(
    "evidence",
    "/evidence ID",
    "the evidence files of a case, sent in a private chat (admins, its mediator, its "
    "departments' liaisons)",
)
async def evidence(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    if not arg:
        return [usage(ctx, "evidence")]
    ref = arg.split()[0][:40]
    if ctx.inbound.chat_kind != "private":
        return [
            Reply(
                ctx.t(
                    "Evidence holds personal data, so I only send it in a private chat. "
                    "Please write to me privately: /evidence {ref}",
                    ref=ref,
                )
            )
        ]
    case = await find_case(ctx, ref)
    if case is None:
        return [
            Reply(ctx.t("No case {ref}. Check the number, e.g. LJ-2026-000123 or 123.", ref=ref))
        ]
    if not sees_full_details(staff, case):
        return [
            Reply(
                ctx.t(
                    "Only admins, the case's mediator and the liaisons of its departments can "
                    "get the evidence of case {number}.",
                    number=case.number,
                )
            )
        ]
    files = await case_attachments(ctx.session, case)
    if not files:
        return [Reply(ctx.t("No evidence was filed with case {number}.", number=case.number))]
    await log_access(ctx, "evidence", case.id, detail=str(len(files)))
    replies = [
        Reply(
            ctx.t(
                "Evidence of case {number}: {count} files. This access has been logged.",
                number=case.number,
                count=ctx.t.number(len(files)),
            )
        )
    ]
    # The stored file itself: never `temporary`, or sending it would delete the evidence.
    replies += [
        Reply(document=f.path, file_name=f.file_name or f"evidence-{n}")
        for n, f in enumerate(files, 1)
    ]
    return replies


def _as_given(t: Translator, case: Case, field: str) -> str:
    """An employment date as the party gave it: a month stays a month (2025年3月)."""
    value = getattr(case, field)
    return t.month(value) if field in month_only(case.screening) else t.date(value)
