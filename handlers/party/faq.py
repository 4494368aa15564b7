"""Legal questions: free text goes to the FAQ; unsure answers say so and offer a person.

Questions that are not labour matters (a tenancy deposit, a divorce) are referred to the
right place (``knowledge/referrals.toml``) instead of being answered with labour law.

Questions the bot could not answer are logged for staff, who curate them with `/faq`
(handlers/staff/faq_review.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers.casework.sites import center_office_text
from handlers.conversation import events
from handlers.conversation.context import Ctx
from handlers.conversation.masking import mask_text
from handlers.conversation.messages import Button, Reply, grid
from handlers.party.status import my_cases
from knowledge.faq import Entry, SearchResult
from knowledge.referrals import ROUTE_PREFIX, Route
from storage.models import FaqMiss

QUESTION_HINT = re.compile(
    r"[?？]|吗|呢|么|怎么|怎样|如何|咋|多少|多久|能不能|可不可以|是否|是不是|有没有|为什么|为啥|"
    r"\b(how|what|when|can|is|do|does|should|why)\b",
    re.IGNORECASE,
)


def looks_like_question(text: str) -> bool:
    return bool(QUESTION_HINT.search(text))


BUTTON_CHARS = 40


def short_title(title: str, limit: int = BUTTON_CHARS) -> str:
    """A title that fits on a button: cut at a word boundary (never inside an English word),
    with "…" to show there is more."""
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:，、") + "…"


def topic_buttons(ctx: Ctx, entries: list[Entry]) -> list[Button]:
    """Buttons for other topics, in the person's language: in English only entries that have
    English (a Chinese title would lead to a Chinese answer)."""
    locale = ctx.t.locale
    shown = [e for e in entries if locale == "zh_CN" or e.has_english()]
    return [Button(short_title(e.text("title", locale)), f"faq:s:{e.id}") for e in shown]


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
    kb = ctx.core.kb
    if kb and kb.follow_up and entry.id == kb.follow_up.entry:  # 上次说的那个怎么样了: one tap
        items.append(Button(t("My cases"), "m:status"))
    if not full and entry.text("more", locale):
        items.append(Button(t("More"), f"faq:m:{entry.id}"))
    related = [kb.get(rid) for rid in entry.related] if kb else []
    items += topic_buttons(ctx, [e for e in related if e is not None])[:3]
    items += [Button(t("File a dispute"), "m:file"), Button(t("Talk to a person"), "m:human")]
    return Reply("\n\n".join(parts), buttons=grid(items, per_row=1))


def not_sure(ctx: Ctx, result: SearchResult) -> Reply:
    t = ctx.t
    text = t(
        "I am not sure I have a good answer to that, and I do not want to guess. "
        "Here are the closest topics; or staff of the center can help you."
    )
    if result.vague:  # 我该怎么办呢: nothing to go on yet
        text = t(
            "Could you tell me a little more: what happened, and what would you like to "
            "know? For example: “My employer owes me three months' wages, what can I do?” "
            "Or choose a topic below, or ask staff of the center."
        )
    items = topic_buttons(ctx, list(result.closest))
    if result.nearby is not None:  # the model reads it as an everyday matter: where to go
        route = short_title(result.nearby.text("title", t.locale))
        items.append(Button(t("Not about work? {route}", route=route), f"faq:r:{result.nearby.id}"))
    items += [Button(t("Talk to a person"), "m:human"), Button(t("File a dispute"), "m:file")]
    return Reply(text, buttons=grid(items, per_row=1))


def referral(ctx: Ctx, route: Route, offer: Entry | None = None) -> Reply:
    """Not a labour matter: say so politely, say where to go, offer a person — and ``offer``,
    the closest entry, in case it is about the asker's job after all."""
    t = ctx.t
    locale = t.locale
    offers = topic_buttons(ctx, [offer] if offer is not None else [])  # English: if it has it
    items = [Button(t("About your job? {topic}", topic=b.label), b.payload) for b in offers]
    person = grid([*items, Button(t("Talk to a person"), "m:human")], per_row=1)
    office = center_office_text(ctx.settings, t) if route.contact else None
    if route.plain:  # about the bot itself: what it is, and a person
        text = route.text("where", locale)
        return Reply(f"{text}\n\n{office}" if office else text, buttons=person)
    parts = [
        t(
            "This does not look like a labour or personnel dispute, so it is not something "
            "the center handles. Here is where to go:"
        ),
        f"📍 {route.text('title', locale)}\n{route.text('where', locale)}",
    ]
    if route.text("basis", locale):
        parts.append(t("Legal basis: {citations}", citations=route.text("basis", locale)))
    if office:
        parts.append(office)
    parts.append(
        t("If it is about your job after all, or you are not sure, staff of the center can help.")
    )
    return Reply("\n\n".join(parts), buttons=person)


@dataclass
class Outcome:
    """What the FAQ made of a message: ``answer``, ``referral`` or ``unsure``."""

    kind: str
    replies: list[Reply] = field(default_factory=list)

    @property
    def helped(self) -> bool:
        """An answer or a referral: the message was understood as a question."""
        return self.kind != "unsure"


async def respond(ctx: Ctx, question: str) -> Outcome:
    """Search the FAQ; refer non-labour questions; log a miss (referrals included)."""
    kb = await ctx.core.knowledge(ctx.session)
    result = ctx.search(kb, question[:1000])
    if result.answered and result.best is not None:
        events.emit(events.FAQ_OUTCOME, "answered")
        # 上次说的那个怎么样了 from someone with a case: where it stands, not how to find out
        asks_after_own = kb.follow_up is not None and result.best.id == kb.follow_up.entry
        if asks_after_own and (cases := await my_cases(ctx, if_any=True)):
            return Outcome("answer", cases)
        return Outcome("answer", [render_entry(ctx, result.best)])
    route = result.referral
    events.emit(events.FAQ_OUTCOME, "referred" if route else "refused")
    best_id = ROUTE_PREFIX + route.id if route else (result.best.id if result.best else None)
    ctx.session.add(
        FaqMiss(  # kept for staff to curate: numbers a person typed are not needed there
            question=mask_text(question[:1000]),
            locale=ctx.t.locale,
            best_id=best_id,
            confidence=result.confidence,
        )
    )
    if route is not None:
        return Outcome("referral", [referral(ctx, route, result.job_offer)])
    return Outcome("unsure", [not_sure(ctx, result)])


async def answer(ctx: Ctx, question: str) -> tuple[bool, list[Reply]]:
    """Search the FAQ; log a miss. Returns (answered or referred, replies)."""
    outcome = await respond(ctx, question)
    return outcome.helped, outcome.replies


async def on_button(ctx: Ctx, payload: str) -> list[Reply]:
    kind, _, entry_id = payload.partition(":")
    kb = await ctx.core.knowledge(ctx.session)
    entry = kb.get(entry_id)
    route = kb.routes.get(ROUTE_PREFIX + entry_id) if kind == "r" else None
    if route is not None:  # "not about work?": where to go, as a referral says it
        replies = [referral(ctx, route)]
    elif entry is None:
        replies = [Reply(ctx.t("That topic is no longer available."))]
    else:
        replies = [render_entry(ctx, entry, full=kind == "m")]
    if ctx.core.flows.current(ctx) is not None:  # "More" in the middle of an application
        replies += [Reply(ctx.t("Now, back to where we were:")), *await ctx.core.flows.reask(ctx)]
    return replies


def prompt(ctx: Ctx) -> list[Reply]:
    return [
        Reply(
            ctx.t(
                "Type your question in your own words, for example: "
                "\u201cMy boss has not paid me for two months, what can I do?\u201d"
            )
        )
    ]
