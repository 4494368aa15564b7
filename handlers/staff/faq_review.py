"""/faq for staff: the questions the bot could not answer (referrals under their own heading),
linking a missed question to an entry as a new phrasing, and reloading the files without a
restart."""

from __future__ import annotations

from sqlalchemy import select

from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.staff.registry import DESK, command, usage
from knowledge.referrals import ROUTE_PREFIX
from storage.models import FaqLink, FaqMiss, Staff

MISSES_SHOWN = 20


@command(
    "faq",
    "/faq misses | link MISS_ID ENTRY_ID | reload",
    "curate the legal FAQ: unanswered questions, add phrasings, reload the files",
    DESK,
)
async def faq_cmd(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split()
    action = parts[0] if parts else ""
    if action == "misses":
        return [Reply(await _misses(ctx))]
    if action == "link" and len(parts) == 3 and parts[1].lstrip("#").isdigit():
        miss = await ctx.session.get(FaqMiss, int(parts[1].lstrip("#")))
        kb = await ctx.core.knowledge(ctx.session)
        if miss is None:
            return [Reply(ctx.t("No unanswered question #{id}.", id=parts[1].lstrip("#")))]
        if kb.get(parts[2]) is None:
            return [Reply(ctx.t("No FAQ entry {id}.", id=parts[2][:60]))]
        miss.linked_entry_id, miss.linked_by = parts[2], ctx.actor
        exists = await ctx.session.execute(
            select(FaqLink.id).where(
                FaqLink.entry_id == parts[2], FaqLink.phrasing == miss.question
            )
        )
        if exists.first() is None:
            ctx.session.add(
                FaqLink(
                    entry_id=parts[2],
                    phrasing=miss.question,
                    locale=miss.locale,
                    created_by=ctx.actor,
                )
            )
        ctx.core.rebuild_knowledge_after(ctx.session)
        return [
            Reply(
                ctx.t(
                    "Linked #{id} to {entry}; it is answered from now on.",
                    id=miss.id,
                    entry=parts[2],
                )
            )
        ]
    if action == "reload":
        ctx.core.invalidate_knowledge()
        kb = await ctx.core.knowledge(session=ctx.session)
        return [Reply(ctx.t("Knowledge base reloaded: {count} entries.", count=len(kb.entries)))]
    return [usage(ctx, "faq")]


async def _misses(ctx: Ctx) -> str:
    """The newest unanswered questions, then the newest referred ones, each under a heading."""
    unlinked = FaqMiss.linked_entry_id.is_(None)
    referred = FaqMiss.best_id.startswith(ROUTE_PREFIX)
    groups = []
    for where in (~referred | FaqMiss.best_id.is_(None), referred):
        stmt = select(FaqMiss).where(unlinked, where).order_by(FaqMiss.id.desc())
        groups.append((await ctx.session.execute(stmt.limit(MISSES_SHOWN))).scalars().all())
    missed, sent_elsewhere = groups
    if not missed and not sent_elsewhere:
        return ctx.t("No unanswered questions.")
    lines = []
    if missed:
        lines.append(ctx.t("Unanswered questions (newest first):"))
        lines += [
            f"#{m.id} {m.question[:80]} (→ {m.best_id or '—'} {m.confidence:.2f})" for m in missed
        ]
    if sent_elsewhere:
        lines.append(ctx.t("Not labour, referred elsewhere (newest first):"))
        lines += [
            f"#{m.id} {m.question[:80]} (→ {(m.best_id or '')[len(ROUTE_PREFIX) :]})"
            for m in sent_elsewhere
        ]
    return "\n".join(lines)
