"""Questions typed in the middle of an application.

At a free-text step (a name, an address, what the person asks for, the narrative) a
message could be the answer or a question. A question is answered (or referred) and the
same step is asked again; nothing is saved as the answer. A long message that ends with a
question could be either, so the bot asks, with two buttons, and keeps the text meanwhile
(``answers[PENDING]``): "my answer" saves it exactly as if it had been the answer, "a
question" answers it and asks the step again.

At the other steps (phone, amount, dates...) a message that reads as a question and that
the FAQ can answer is answered and the step asked again, as before.
"""

from __future__ import annotations

import re
from dataclasses import replace

from handlers.conversation.context import Ctx
from handlers.conversation.messages import Button, Reply, grid
from handlers.party import faq

DISPUTE_FLOW = "dispute"
NAME_STEPS = frozenset({"applicant_name", "respondent_name"})
TEXT_STEPS = frozenset({"respondent_address", "claims_text", "facts"})
FREE_TEXT_STEPS = NAME_STEPS | TEXT_STEPS
# Steps of other flows where any text is a message to a person, never a question to us.
NEVER_INTERCEPT = frozenset({"talk", "contact_time", "comment"})
PENDING = "pending_text"  # {"step": ..., "text": ...} while the bot asks answer-or-question
SHORT = 40  # characters: a message this short that reads as a question is a question
_SENTENCE_END = re.compile(r"[。！!？?；;\n]+")
_ENDS_AS_QUESTION = re.compile(
    r"([?？]|[吗呢嘛]|怎么办|怎么弄|咋办|咋整|如何|行不行|对不对|合法不|可以不|能不能)\W*$"
)
# Words that make a sentence a question wherever they stand (什么 and 么 alone do not:
# "他什么都没给" is a statement).
_QUESTION_WORDS = re.compile(
    r"能不能|可不可以|是不是|有没有|会不会|算不算|要不要|多少|多久|多长时间|怎么|怎样|如何|为什么|"
    r"为啥|能否|是否|哪里|哪儿|去哪|\b(how|what|when|where|why|can i|should i|is it|do i)\b",
    re.IGNORECASE,
)


def last_sentence(text: str) -> str:
    parts = [p for p in _SENTENCE_END.split(text.strip()) if p.strip()]
    return parts[-1] if parts else ""


def reads_as_question(text: str) -> bool:
    """The message, or its last sentence, is put as a question."""
    return bool(_ENDS_AS_QUESTION.search(text) or _QUESTION_WORDS.search(last_sentence(text)))


def classify(step: str, text: str) -> str:
    """``answer``, ``question`` or ``ask`` (could be either) for a message at a free-text step.

    Names and addresses never carry question words, so there a question is a question.
    What someone asks for, or their story, may be put as a question ("能不能把工资补给我？"),
    so a short question is answered only when it ends with a question mark and the bot
    asks otherwise; a story that ends with a question is always asked about.
    """
    text = text.strip()
    if not reads_as_question(text):
        return "answer"
    if step in NAME_STEPS or step == "respondent_address":
        return "question"
    if len(text) <= SHORT and text[-1] in "?？" and step != "facts":
        return "question"
    return "ask"


async def intercept(ctx: Ctx) -> list[Reply] | None:
    """Replies when the message is (or may be) a question; None to let the step handle it."""
    text, step = ctx.text, ctx.conv.step or ""
    if not text or step in NEVER_INTERCEPT:
        return None
    if PENDING in ctx.answers:  # a new message instead of a button: the last one was not it
        ctx.drop_answer(PENDING)
    if ctx.conv.flow == DISPUTE_FLOW and step in FREE_TEXT_STEPS:
        kind = classify(step, text)
        if kind == "answer":
            return None
        if kind == "ask":
            return await _ask_which(ctx, step, text)
        return await _answer_then_reask(ctx, text)
    if faq.looks_like_question(text):
        outcome = await faq.respond(ctx, text)
        if outcome.kind == "answer":  # elsewhere only a sure answer interrupts the step
            return [*outcome.replies, *await _back(ctx)]
    return None


async def _ask_which(ctx: Ctx, step: str, text: str) -> list[Reply]:
    ctx.set_answer(PENDING, {"step": step, "text": text})
    buttons = grid(
        [
            Button(ctx.t("It is my answer"), "qa:a"),
            Button(ctx.t("It is a question"), "qa:q"),
        ]
    )
    note = ctx.t(
        "Is this your answer to the question above, or a question for me? "
        "Your text is kept either way."
    )
    return [Reply(note, buttons=buttons)]


async def _answer_then_reask(ctx: Ctx, text: str) -> list[Reply]:
    outcome = await faq.respond(ctx, text)
    return [*outcome.replies, *await _back(ctx)]


async def _the_question(ctx: Ctx, text: str) -> str:
    """In a story that ends with a question, the question is the last sentence: search that
    when it is answered on its own (the story's details mostly blur the match)."""
    last = last_sentence(text)
    if len(last) < 6 or last == text.strip():
        return text
    kb = await ctx.core.knowledge(ctx.session)
    return last if ctx.search(kb, last).answered else text


async def _back(ctx: Ctx) -> list[Reply]:
    return [Reply(ctx.t("Now, back to where we were:")), *await ctx.core.flows.reask(ctx)]


async def on_button(ctx: Ctx, choice: str) -> list[Reply]:
    """The person said what their last message was: ``a`` (answer) or ``q`` (question)."""
    pending = ctx.answers.get(PENDING)
    if not isinstance(pending, dict) or pending.get("step") != ctx.conv.step or not ctx.conv.flow:
        note = Reply(ctx.t("That button belongs to an earlier question."))
        return [note, *await ctx.core.flows.reask(ctx)]
    text = str(pending.get("text", ""))
    if choice == "q":  # the text stays kept: it can still be used as the answer
        outcome = await faq.respond(ctx, await _the_question(ctx, text))
        keep = Reply(
            ctx.t("If what you wrote was your answer after all, press the button."),
            buttons=grid([Button(ctx.t("Use what I wrote as my answer"), "qa:a")]),
        )
        return [*outcome.replies, *await _back(ctx), keep]
    ctx.drop_answer(PENDING)
    # Hand the kept text to the step exactly as if it had just been typed.
    ctx.inbound = replace(ctx.inbound, text=text, button=None)
    return await ctx.core.flows.advance(ctx)
