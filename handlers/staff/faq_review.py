"""/faq for staff: the questions the bot could not answer (referrals under their own heading),
linking a missed question to an entry as a new phrasing, and reloading the files without a
restart."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from handlers.conversation.context import Ctx
from handlers.conversation.knowledge import Report
from handlers.conversation.messages import Reply
from handlers.staff.registry import DESK, command, usage
from knowledge.faq import KnowledgeBase
from knowledge.referrals import ROUTE_PREFIX
from storage import outbox
from storage.models import FaqLink, FaqMiss, Staff

MISSES_SHOWN = 20
PROBLEMS_SHOWN = 5


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
    if action == "link" and len(parts) == 3 and parts[1].lstrip("#").isdecimal():
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
                    "Linked #{id} to {entry}; it is answered in a few seconds, once the "
                    "knowledge base is rebuilt.",
                    id=miss.id,
                    entry=parts[2],
                )
            )
        ]
    if action == "reload":
        ctx.core.rebuild_knowledge_after(ctx.session, _reporter(ctx))
        return [
            Reply(
                ctx.t(
                    "Reloading the knowledge base from the files. Questions are answered from "
                    "the current one until the new one is ready (a few seconds); this chat "
                    "hears when it is done."
                )
            )
        ]
    return [usage(ctx, "faq")]


def _reporter(ctx: Ctx) -> Report:
    """Tells the chat that asked for the reload how it went, through the outbox."""
    t, db, inbound = ctx.t, ctx.core.db, ctx.inbound
    key = f"faq-reload:{inbound.channel}:{inbound.update_key}"

    async def report(kb: KnowledgeBase | None, problems: Sequence[str]) -> None:
        if kb is None:
            text = t(
                "Reloading the knowledge base failed: {error}. Questions are still answered "
                "from the previous one; fix the file and send /faq reload again.",
                error=(problems[0] if problems else "?")[:300],
            )
        else:
            text = t("Knowledge base reloaded: {count} entries.", count=len(kb.entries))
        if kb is not None and problems:  # e.g. a broken entry file: the build skips it
            shown = "\n".join(f"• {p[:200]}" for p in problems[:PROBLEMS_SHOWN])
            text += (
                "\n"
                + t(
                    "Problems in the files ({count}; an entry or file that cannot be read "
                    "is left out; `mediation-bot kb check` lists them all):",
                    count=len(problems),
                )
                + "\n"
                + shown
            )
        async with db.session() as session:
            payload = {"replies": [Reply(text).to_dict()]}
            await outbox.enqueue(
                session, key=key, channel=inbound.channel, chat_id=inbound.chat_id, payload=payload
            )

    return report


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
