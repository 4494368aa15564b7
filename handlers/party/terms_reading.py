"""A party's "I have read these terms" under the agreed terms (handlers/casework/terms.py).

The press is recorded for the exact text shown (its SHA-256); terms changed since are shown
again instead. The work group hears who has read them, and the reader hears the one offer to
subscribe (handlers/office/publications.py) that the outcome held back for them.
"""

from __future__ import annotations

from handlers.casework import terms
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Reply
from handlers.office.documents import reached_agreement
from handlers.office.publications import offer_in_reply
from storage.models import Case

_READ_NOTICE = _(
    "📄 Case {number}: the {side} has read the agreed terms (not a signature). Read so far: "
    "{count} of {total}."
)
_APPLICANT = _("applicant")
_RESPONDENT = _("respondent")


async def on_read(ctx: Ctx, payload: str) -> list[Reply]:
    raw_id, _sep, prefix = payload.partition(":")
    case = await ctx.session.get(Case, int(raw_id)) if raw_id.isdecimal() else None
    if (
        case is None
        or not terms.sides_of(case, ctx.person.id)
        or not await reached_agreement(ctx.session, case)
    ):
        return [Reply(ctx.t("That button is no longer in use."))]
    digest = terms.terms_hash(case)
    if digest[: terms.PREFIX] != prefix:
        return [terms.request(ctx.t, case, changed=True)]
    new = await terms.record(ctx.session, case, ctx.person.id, digest, ctx.now())
    st = await terms.status(ctx.session, case)
    count = sum(1 for s in terms.SIDES if st.read.get(s))  # of the two parties
    for side in new:
        await ctx.notify_staff(
            f"terms:{case.id}:{digest[: terms.PREFIX]}:{side}",
            _READ_NOTICE,
            number=case.number,
            side=ctx.core.translator()(_APPLICANT if side == "applicant" else _RESPONDENT),
            count=count,
            total=len(terms.SIDES),
        )
    times = [st.read.get(s) for s in terms.sides_of(case, ctx.person.id)]
    when = min((w for w in times if w is not None), default=ctx.now())
    return [
        Reply(
            ctx.t(
                "Recorded: you read the agreed terms of case {number} at {time}. This is not a "
                "signature; the agreement takes effect only when both sides sign or seal it at "
                "the center.",
                number=case.number,
                time=ctx.t.datetime(when),
            )
        ),
        *await offer_in_reply(ctx.core, ctx.session, ctx.person.id),  # held back until now
    ]
