"""/mycopy [ID]: a party's own copies of the case documents.

The applicant gets the application form; both parties get the agreement draft and the
fulfilment notice once the case has reached an agreement. Only for cases the person filed
or is bound to as respondent; the other side's phone and ID number are masked.
"""

from __future__ import annotations

import logging
from typing import Literal

from handlers.casework.deadlines import confirm_by, review_by
from handlers.casework.references import find_case
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.office import documents
from storage.cases import cases_of_person
from storage.models import AccessLog, Case

log = logging.getLogger(__name__)
# After an agreement: the draft, the fulfilment notice and the two joint applications that
# make it enforceable (arbitration review, judicial confirmation).
ENFORCE = ["agreement", "notice", "review", "confirmation"]


async def _which_case(ctx: Ctx, arg: str) -> Case | Reply:
    """The person's own case named by `arg`, the only one they have, or a reply."""
    own = await cases_of_person(ctx.session, ctx.person.id)
    ref = arg.split()[0] if arg.strip() else ""
    if ref:
        case = await find_case(ctx, ref)
        if case is None or case.id not in {c.id for c in own}:
            return Reply(
                ctx.t(
                    "You have no case {ref}. /status shows your cases.",
                    ref=ref[:40],
                )
            )
        return case
    if not own:
        return Reply(ctx.t("You have no cases with the center yet."))
    if len(own) > 1:
        numbers = ctx.t.join(c.number or "" for c in own[:10])
        return Reply(
            ctx.t(
                "You have several cases: {numbers}. Send /mycopy with the case number, "
                "e.g. /mycopy {example}",
                numbers=numbers,
                example=own[0].number,
            )
        )
    return own[0]


async def my_copy(ctx: Ctx, arg: str) -> list[Reply]:
    """Send the person their own documents of one case (PDF when possible, else DOCX)."""
    if ctx.inbound.chat_kind != "private":
        return [
            Reply(
                ctx.t(
                    "To protect your privacy, please talk to me in a private chat, not in a group."
                )
            )
        ]
    case = await _which_case(ctx, arg)
    if isinstance(case, Reply):
        return [case]
    applicant = case.applicant_person_id == ctx.person.id
    agreed = await documents.reached_agreement(ctx.session, case)
    kinds = (["application"] if applicant else []) + (ENFORCE if agreed else [])
    if not kinds:
        return [
            Reply(
                ctx.t(
                    "The application form goes to the person who filed case {number}. The "
                    "agreement and the fulfilment notice will be available here once mediation "
                    "ends with an agreement.",
                    number=case.number,
                )
            )
        ]
    replies = [Reply(ctx.t("Your documents of case {number}:", number=case.number))]
    viewer: Literal["applicant", "respondent"] = "applicant" if applicant else "respondent"
    for kind in kinds:
        try:
            made = await documents.produce(
                ctx.session, case, kind, ctx.settings, viewer=viewer, today=ctx.today()
            )
        except documents.DocumentError as exc:
            log.error("party copy %s of %s failed: %s", kind, case.number, exc)
            return [
                Reply(
                    ctx.t(
                        "Sorry, the documents could not be made just now. Please try again "
                        "later or talk to a person with /human."
                    )
                )
            ]
        path, name = (made.pdf, made.pdf_name) if made.pdf else (made.docx, made.docx_name)
        caption = ""
        if kind == "agreement":
            caption = ctx.t(
                "This is the draft for reading. The agreement takes effect once both sides "
                "have signed or sealed it and the mediator has signed it and the center has "
                "sealed it (Labour Dispute Mediation and Arbitration Law, art. 14)."
            )
        if kind == "review":
            caption = ctx.t(
                "To make the agreement enforceable, both sides together may bring this "
                "application to {commission} within 15 days of the agreement taking effect "
                "(by {date} if it took effect on the day it was recorded).",
                commission=ctx.settings.arbitration.commission,
                date=ctx.t.date(review_by(ctx.settings, case)),
            )
        elif kind == "confirmation":
            caption = ctx.t(
                "Or both sides together may bring this application for judicial confirmation "
                "to {court} within 30 days (by {date}).",
                court=ctx.settings.court.name,
                date=ctx.t.date(confirm_by(ctx.settings, case)),
            )
        replies.append(Reply(caption, document=str(path), file_name=name, temporary=True))
        if made.pdf and made.docx != path:  # only the PDF is sent: the DOCX goes now
            made.docx.unlink(missing_ok=True)
    if applicant and not agreed:
        replies.append(
            Reply(
                ctx.t(
                    "If mediation ends with an agreement, /mycopy will also send the agreement, "
                    "the fulfilment notice and the applications for arbitration review and "
                    "judicial confirmation."
                )
            )
        )
    ctx.session.add(
        AccessLog(actor=ctx.actor, case_id=case.id, action="party_copy", detail=",".join(kinds))
    )
    return replies
