"""The application, part four: evidence (photos and documents), and when to call."""

from __future__ import annotations

from sqlalchemy import select

from handlers.casework.claims import CONTACT_TIMES
from handlers.casework.validators import (
    ValidationError,
    parse_free_text,
)
from handlers.conversation.context import Ctx
from handlers.conversation.flow import StepResult, goto, stay
from handlers.conversation.messages import Button, Reply, grid
from handlers.party.intake_form import error_text, next_step
from storage.models import Attachment


# --- evidence ----------------------------------------------------------------------------
async def ask_evidence(ctx: Ctx) -> list[Reply]:
    count = await evidence_count(ctx)
    text = ctx.t(
        "Evidence helps: photos or files of your contract, pay slips, bank records, chat "
        "records, attendance records. Send them now (up to {mb} MB each), then press Done. "
        "You can also bring them to the center later.",
        mb=ctx.settings.storage.max_attachment_mb,
    )
    if count:
        text += "\n" + ctx.t.n(
            "{count} file received so far.", "{count} files received so far.", count
        )
    buttons = grid([Button(ctx.t("Done"), "s:evidence:done")])
    return [Reply(text, buttons=buttons)]


async def handle_evidence(ctx: Ctx) -> StepResult:
    inbound = ctx.inbound
    replies: list[Reply] = []
    for refused in inbound.refused:
        if refused.reason == "too_large":
            replies.append(
                Reply(
                    ctx.t(
                        "That file is too large (the limit is {mb} MB). Please send a smaller "
                        "photo, or bring the original to the center.",
                        mb=ctx.settings.storage.max_attachment_mb,
                    )
                )
            )
        else:
            replies.append(
                Reply(
                    ctx.t("I could not receive that file. Please send it as a photo or a document.")
                )
            )
    for att in inbound.attachments:
        ctx.session.add(
            Attachment(
                conversation_id=ctx.conv.id,
                person_id=ctx.person.id,
                kind=att.kind,
                file_name=att.file_name[:255],
                mime_type=att.mime_type[:100],
                size=att.size,
                sha256=att.sha256,
                path=att.path,
            )
        )
    if inbound.attachments:
        await ctx.session.flush()
        count = await evidence_count(ctx)
        replies.append(
            Reply(
                ctx.t.n(
                    "Received. {count} file so far; send more or press Done.",
                    "Received. {count} files so far; send more or press Done.",
                    count,
                ),
                buttons=grid([Button(ctx.t("Done"), "s:evidence:done")]),
            )
        )
        return stay(*replies)
    if replies:
        return stay(*replies)
    if ctx.choice == "done" or ctx.text.lower() in ("完成", "done", "没有", "无", "none"):
        return goto(next_step(ctx, "evidence"))
    return stay(Reply(ctx.t("Send photos or files, or press Done to go on.")), reask=True)


async def evidence_count(ctx: Ctx) -> int:
    rows = await ctx.session.execute(
        select(Attachment.id).where(
            Attachment.conversation_id == ctx.conv.id, Attachment.case_id.is_(None)
        )
    )
    return len(rows.all())


# --- preferred contact time --------------------------------------------------------------
async def ask_contact_time(ctx: Ctx) -> list[Reply]:
    items = [
        Button(ctx.t(label), f"s:contact_time:{code}") for code, label in CONTACT_TIMES.items()
    ]
    text = ctx.t("When is it best for staff to call you? Choose, or type a time.")
    return [Reply(text, buttons=grid(items, per_row=2))]


async def handle_contact_time(ctx: Ctx) -> StepResult:
    if ctx.choice in CONTACT_TIMES:
        ctx.set_answer("contact_time", ctx.choice)
    elif ctx.text:
        try:
            ctx.set_answer("contact_time", parse_free_text(ctx.text, max_len=100))
        except ValidationError as err:
            return stay(Reply(error_text(ctx, err)))
    else:
        return stay(reask=True)
    return goto(next_step(ctx, "contact_time"))
