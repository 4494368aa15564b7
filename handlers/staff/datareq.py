"""Staff close people's data requests (handlers/mydata.py): /datareqs and /dataclose.

Closing a deletion request as done deletes what no case needs at once: the person's
unfinished application with its evidence, and — when no case, follow-up or evidence names
them — the person and their chat accounts. Case files stay until retention anonymizes them.
The person hears the outcome in their own chat; the closing is in the access log.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.office.mydata_doc import KINDS as KINDS_LABELS
from handlers.office.mydata_doc import kept_reason
from handlers.staff.registry import DESK, command, log_access, usage
from storage.data_requests import OPEN, DataRequest, person_cases, remove_person
from storage.drafts import delete_unfiled_attachments
from storage.models import Conversation, Staff, utcnow

OUTCOMES = ("done", "refused")
REF = re.compile(r"R(\d{1,9})", re.ASCII)


@command("datareqs", "/datareqs", "people's open requests about their data", DESK)
async def list_requests(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    rows = (
        await ctx.session.execute(
            select(DataRequest).where(DataRequest.status == OPEN).order_by(DataRequest.id)
        )
    ).scalars()
    lines = [
        f"R{r.id} · {ctx.t.datetime(r.created_at)} · #P{r.person_id or '—'} · "
        + ctx.t.label(ctx.t(KINDS_LABELS.get(r.kind, r.kind)), r.text or "—")
        for r in rows
    ]
    if not lines:
        return [Reply(ctx.t("No open data requests."))]
    return [Reply("\n".join([ctx.t("Open data requests:"), *lines]))]


async def _erase_what_can_go(ctx: Ctx, person_id: int) -> bool:
    """Drop the person's drafts, then the person if nothing needs them; True if removed."""
    convs = await ctx.session.execute(
        select(Conversation).where(Conversation.person_id == person_id)
    )
    for conv in convs.scalars():
        await delete_unfiled_attachments(ctx.session, conv.id)
        conv.flow, conv.step, conv.answers, conv.history = None, None, {}, []
    await ctx.session.flush()
    return await remove_person(ctx.session, person_id)


@command(
    "dataclose",
    "/dataclose R<id> done|refused note",
    "close a data request; the note goes to the person",
    DESK,
)
async def close_request(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    ref, _, rest = arg.strip().partition(" ")
    status, _, note = rest.strip().partition(" ")
    ref = ref.lstrip("#").upper()
    match = REF.fullmatch(ref)
    if match is None or status not in OUTCOMES:
        return [usage(ctx, "dataclose")]
    request = await ctx.session.get(DataRequest, int(match.group(1)), with_for_update=True)
    if request is None or request.kind == "copy":
        return [Reply(ctx.t("No data request {ref}.", ref=ref))]
    if request.status != OPEN:
        return [Reply(ctx.t("Data request {ref} is closed already.", ref=ref))]
    request.status, request.closed_at, request.closed_by = status, utcnow(), ctx.actor
    request.outcome = note.strip()[:1000]
    await log_access(ctx, "data_request_closed", detail=f"{ref} {request.kind} {status}")
    person_id = request.person_id
    if person_id is None:
        return [Reply(ctx.t("Data request {ref} closed.", ref=ref))]
    t = await ctx.core.person_translator(ctx.session, person_id)
    what = t(KINDS_LABELS[request.kind])
    message = t(
        "The center has answered your {what} request R{id}: {outcome}.",
        what=what,
        id=request.id,
        outcome=t("done") if status == "done" else t("refused"),
    )
    if request.outcome:
        message += "\n" + request.outcome
    if request.kind == "deletion" and status == "done":
        reason = kept_reason(
            t, await person_cases(ctx.session, person_id), ctx.settings.retention.closed_case_days
        )
        if reason:
            message += "\n" + reason
    await ctx.push_to_person(person_id, f"dataclose:{request.id}", [Reply(message)])
    if request.kind == "deletion" and status == "done":
        await ctx.session.flush()  # the push is queued before the chat account goes
        if await _erase_what_can_go(ctx, person_id):
            return [
                Reply(
                    ctx.t(
                        "Data request {ref} closed: #P{person} and their chat accounts were "
                        "deleted.",
                        ref=ref,
                        person=person_id,
                    )
                )
            ]
        return [
            Reply(
                ctx.t(
                    "Data request {ref} closed. #P{person} is kept while their cases are: "
                    "retention anonymizes them when the period ends.",
                    ref=ref,
                    person=person_id,
                )
            )
        ]
    return [Reply(ctx.t("Data request {ref} closed.", ref=ref))]
