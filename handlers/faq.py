"""Legal questions: free text goes to the FAQ; unsure answers say so and offer a person.

Questions the bot could not answer are logged for staff (`/faq misses`), who can link a
missed question to an entry as a new phrasing (`/faq link`) and reload the files
(`/faq reload`) without a restart.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from handlers.context import Ctx
from handlers.messages import Button, Reply, grid
from handlers.staff.registry import DESK, command, usage
from handlers.validators import mask_text
from storage.models import FaqLink, FaqMiss, Staff

if TYPE_CHECKING:
    from knowledge.faq import Entry, SearchResult

QUESTION_HINT = re.compile(
    r"[?？]|吗|呢|么|怎么|怎样|如何|咋|多少|多久|能不能|可不可以|是否|是不是|有没有|为什么|为啥|"
    r"\b(how|what|when|can|is|do|does|should|why)\b",
    re.IGNORECASE,
)
MISSES_SHOWN = 20


def looks_like_question(text: str) -> bool:
    return bool(QUESTION_HINT.search(text))


def _citations(ctx: Ctx, entry: Entry) -> str:
    sep = "；" if ctx.t.locale == "zh_CN" else "; "
    return sep.join(c.label(ctx.t.locale) for c in entry.statutes)


def render_entry(ctx: Ctx, entry: Entry, *, full: bool = False) -> Reply:
    t = ctx.t
    locale = t.locale
    body = entry.full_answer(locale) if full else entry.text("answer", locale)
    parts = [f"📖 {entry.text('title', locale)}", body]
    if entry.statutes:
        parts.append(t("Legal basis: {citations}", citations=_citations(ctx, entry)))
    parts.append(
        t(
            "General information, not advice on your case. Staff can look at your "
            "situation: file a dispute or talk to a person."
        )
    )
    items = []
    if not full and entry.text("more", locale):
        items.append(Button(t("More"), f"faq:m:{entry.id}"))
    for rid in entry.related[:3]:
        related = ctx.core.kb.get(rid) if ctx.core.kb else None
        if related is not None:
            items.append(Button(related.text("title", locale)[:40], f"faq:s:{rid}"))
    items += [Button(t("File a dispute"), "m:file"), Button(t("Talk to a person"), "m:human")]
    return Reply("\n\n".join(parts), buttons=grid(items, per_row=1))


def not_sure(ctx: Ctx, result: SearchResult) -> Reply:
    t = ctx.t
    text = t(
        "I am not sure I have a good answer to that, and I do not want to guess. "
        "Here are the closest topics; or staff of the center can help you."
    )
    items = [Button(e.text("title", t.locale)[:40], f"faq:s:{e.id}") for e in result.closest]
    items += [Button(t("Talk to a person"), "m:human"), Button(t("File a dispute"), "m:file")]
    return Reply(text, buttons=grid(items, per_row=1))


async def answer(ctx: Ctx, question: str) -> tuple[bool, list[Reply]]:
    """Search the FAQ; log a miss. Returns (answered, replies)."""
    kb = await ctx.core.knowledge(ctx.session)
    result = kb.search(question[:1000], ctx.t.locale)
    if result.answered and result.best is not None:
        return True, [render_entry(ctx, result.best)]
    ctx.session.add(
        FaqMiss(  # kept for staff to curate: numbers a person typed are not needed there
            question=mask_text(question[:1000]),
            locale=ctx.t.locale,
            best_id=result.best.id if result.best else None,
            confidence=result.confidence,
        )
    )
    return False, [not_sure(ctx, result)]


async def on_button(ctx: Ctx, payload: str) -> list[Reply]:
    kind, _, entry_id = payload.partition(":")
    kb = await ctx.core.knowledge(ctx.session)
    entry = kb.get(entry_id)
    if entry is None:
        return [Reply(ctx.t("That topic is no longer available."))]
    return [render_entry(ctx, entry, full=kind == "m")]


def prompt(ctx: Ctx) -> list[Reply]:
    return [
        Reply(
            ctx.t(
                "Type your question in your own words, for example: "
                "\u201cMy boss has not paid me for two months, what can I do?\u201d"
            )
        )
    ]


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
        stmt = (
            select(FaqMiss)
            .where(FaqMiss.linked_entry_id.is_(None))
            .order_by(FaqMiss.id.desc())
            .limit(MISSES_SHOWN)
        )
        rows = (await ctx.session.execute(stmt)).scalars().all()
        if not rows:
            return [Reply(ctx.t("No unanswered questions."))]
        lines = [ctx.t("Unanswered questions (newest first):")]
        lines += [
            f"#{m.id} {m.question[:80]} (→ {m.best_id or '—'} {m.confidence:.2f})" for m in rows
        ]
        return [Reply("\n".join(lines))]
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
        ctx.core.invalidate_knowledge()
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
