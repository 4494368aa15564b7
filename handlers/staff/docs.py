"""/doc: a case document for staff to print (application, agreement draft, fulfilment notice).

Documents carry full personal data, so they are sent only in a private chat with the bot,
and every one is written to the access log.
"""

from __future__ import annotations

import logging

from handlers.casework import terms
from handlers.casework.references import find_case
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Reply
from handlers.office import documents
from handlers.staff.registry import command, log_access, usage
from storage.models import Staff

log = logging.getLogger(__name__)

KIND_LABELS = {
    "application": _("application form"),
    "agreement": _("mediation agreement (draft)"),
    "notice": _("fulfilment notice"),
    "report": _("report to the delegating court"),
    "review": _("joint application for arbitration review of the agreement"),
    "confirmation": _("joint application for judicial confirmation of the agreement"),
}


def not_delegated(ctx: Ctx, number: str) -> Reply:
    """The court report exists only for a case a court delegated (特邀调解规定)."""
    return Reply(
        ctx.t(
            "Case {number} was not delegated by a court, so there is no court to report to. "
            "A court-delegated case is registered with /register (court name and reference). "
            "/case {number} shows this case's history; /doc {number} application|agreement|notice "
            "makes its documents.",
            number=number,
        )
    )


@command(
    "doc",
    "/doc ID application|agreement|notice|report|review|confirmation",
    "a case document to print: application form, agreement draft, fulfilment notice, court "
    "report, or the joint application for arbitration review or judicial confirmation "
    "(private chat only)",
)
async def doc(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split()
    if len(parts) != 2 or parts[1].lower() not in documents.KINDS:
        return [usage(ctx, "doc")]
    if ctx.inbound.chat_kind != "private":
        return [
            Reply(
                ctx.t(
                    "Documents hold personal data, so I only send them in a private chat. "
                    "Please write to me privately: /doc {ref} {kind}",
                    ref=parts[0][:40],
                    kind=parts[1].lower(),
                )
            )
        ]
    kind = parts[1].lower()
    case = await find_case(ctx, parts[0])
    if case is None:
        return [
            Reply(
                ctx.t(
                    "No case {ref}. Check the number, e.g. LJ-2026-000123 or 123.",
                    ref=parts[0][:40],
                )
            )
        ]
    if kind == "report" and not case.court_delegated:
        return [not_delegated(ctx, case.number or "")]
    if kind in documents.AGREEMENT_KINDS and not await documents.reached_agreement(
        ctx.session, case
    ):
        return [
            Reply(
                ctx.t(
                    "Case {number} has no agreement, so there is no {document} yet. Record the "
                    "agreement first: /outcome {number} agreement AMOUNT DUE-DATE",
                    number=case.number,
                    document=ctx.t(KIND_LABELS[kind]),
                )
            )
        ]
    try:
        made = await documents.produce(ctx.session, case, kind, ctx.settings, today=ctx.today())
    except documents.DocumentError as exc:
        log.error("document %s for %s failed: %s", kind, case.number, exc)
        return [
            Reply(
                ctx.t(
                    "The {document} could not be made: the template has a problem ({error}). "
                    "Run: mediation-bot doc check",
                    document=ctx.t(KIND_LABELS[kind]),
                    error=str(exc)[:200],
                )
            )
        ]
    await log_access(ctx, "document", case.id, detail=kind)
    caption = ctx.t(
        "Case {number}: {document}. Please check it before printing.",
        document=ctx.t(KIND_LABELS[kind]),
        number=case.number,
    )
    if kind == "agreement":  # printed for signature: who has read the terms in the chat
        caption += "\n" + terms.status_line(ctx.t, await terms.status(ctx.session, case))
    if made.pdf is None:
        caption += "\n" + ctx.t("(No PDF: LibreOffice is not installed on the server.)")
    replies = [Reply(caption, document=str(made.docx), file_name=made.docx_name, temporary=True)]
    if made.pdf is not None:
        replies.append(Reply(document=str(made.pdf), file_name=made.pdf_name, temporary=True))
    return replies
