"""A person's rights over their data (个人信息保护法 art. 44-47), on every channel.

- `/mydata`: a copy of what the center holds about them, as a text file (art. 45);
- `/correct what is wrong`: a correction request (art. 46);
- `/erase [why]`: a deletion request (art. 47).

A correction or deletion goes to staff as a task: a masked notice in the work group, closed
with `/dataclose` (handlers/staff/datareq.py). What must be kept, and why, is said at once:
case files stay until their retention period ends. Every request and its outcome is a
`data_requests` row and an access-log entry.
"""

from __future__ import annotations

from handlers.casework.validators import ValidationError, parse_free_text
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Reply
from handlers.office.mydata_doc import build_copy, kept_reason, write_copy
from storage.data_requests import DataRequest, person_cases
from storage.models import AccessLog, utcnow

PRIVATE_ONLY = _("To protect your privacy, please talk to me in a private chat, not in a group.")


def _log(ctx: Ctx, action: str, detail: str) -> None:
    ctx.session.add(AccessLog(actor=ctx.actor, action=action, detail=detail))


async def my_data(ctx: Ctx, arg: str) -> list[Reply]:
    if ctx.inbound.chat_kind != "private":
        return [Reply(ctx.t(PRIVATE_ONLY))]
    copy = await build_copy(ctx)
    request = DataRequest(
        person_id=ctx.person.id,
        actor=ctx.actor,
        kind="copy",
        status="done",
        closed_at=utcnow(),
        closed_by="bot",
        outcome="sent",
    )
    ctx.session.add(request)
    _log(ctx, "data_copy", f"#P{ctx.person.id}")
    text = ctx.t(
        "Here is a copy of the personal data the center holds about you. To have something "
        "corrected, send /correct followed by what is wrong; to have your data deleted, "
        "send /erase."
    )
    if ctx.inbound.text_only:  # WeChat cannot carry a file here: the copy comes as text
        return [Reply(text), Reply(copy)]
    return [Reply(text, document=str(write_copy(ctx, copy)))]


async def _request(ctx: Ctx, kind: str, arg: str) -> list[Reply]:
    if ctx.inbound.chat_kind != "private":
        return [Reply(ctx.t(PRIVATE_ONLY))]
    try:
        text = parse_free_text(arg, max_len=1000)
    except ValidationError as exc:
        if exc.code == "text.too_long":
            return [Reply(ctx.t("That is too long; please keep it under 1000 characters."))]
        text = ""  # nothing readable: a deletion needs no reason, a correction asks below
    if kind == "correction" and not text:
        return [
            Reply(
                ctx.t(
                    "Please say what is wrong and what it should be, e.g. "
                    "/correct my mobile is 139 0000 0000, not 139 1111 1111"
                )
            )
        ]
    if ctx.core.staff_target() is None:  # nobody would see the task: store nothing
        return [
            Reply(
                ctx.t(
                    "Sorry, no staff channel is set up. Please call or visit the "
                    "center; /help shows how."
                )
            )
        ]
    cases = await person_cases(ctx.session, ctx.person.id)
    days = ctx.settings.retention.closed_case_days
    staff_t = ctx.core.translator()
    request = DataRequest(
        person_id=ctx.person.id,
        actor=ctx.actor,
        kind=kind,
        text=text,
        kept="、".join(c.number for c in cases if c.number and c.anonymized_at is None),
    )
    ctx.session.add(request)
    await ctx.session.flush()
    _log(ctx, "data_request", f"R{request.id} {kind}")
    what = staff_t(_("a correction")) if kind == "correction" else staff_t(_("deletion"))
    notice = staff_t(
        _(
            "🗂 Data request R{id} from #P{ref}: {what}.\n{text}\nCases: {cases}\n"
            "Close it with /dataclose R{id} done|refused and a note for the person."
        ),
        id=request.id,
        ref=ctx.person.id,
        what=what,
        text=text or "—",
        cases=request.kept or "—",
    )
    reason = kept_reason(staff_t, cases, days) if kind == "deletion" else ""
    await ctx.push_to_staff(
        f"datareq:{request.id}", [Reply(notice + (f"\n{reason}" if reason else ""))]
    )
    if kind == "correction":
        answer = ctx.t(
            "Your correction request R{id} went to the center's staff. They check it and "
            "correct your data, and you hear from them here.",
            id=request.id,
        )
    else:
        answer = ctx.t(
            "Your deletion request R{id} went to the center's staff. Your chat accounts and "
            "anything no case needs will be deleted, and you hear from them here.",
            id=request.id,
        )
        kept = kept_reason(ctx.t, cases, days)
        if kept:
            answer += "\n" + kept
    return [Reply(answer)]


async def correct(ctx: Ctx, arg: str) -> list[Reply]:
    return await _request(ctx, "correction", arg)


async def erase(ctx: Ctx, arg: str) -> list[Reply]:
    return await _request(ctx, "deletion", arg)
