"""The application, part three: the dispute (claims, request, amount, employment dates,
what happened, how many workers)."""

from __future__ import annotations

from datetime import date
from typing import Any

from handlers.casework.answer_dates import answer_text, first_day, last_day
from handlers.casework.claims import CATEGORIES, EMPLOYER_CLAIMS, WORKER_CLAIMS
from handlers.casework.validators import (
    ValidationError,
    parse_amount,
    parse_count,
    parse_date,
    parse_free_text,
)
from handlers.conversation.context import Ctx
from handlers.conversation.flow import StepResult, goto, stay
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Button, Reply, grid
from handlers.party.intake_form import Field, display_value, is_employer, next_step


def _date(ctx: Ctx, text: str) -> str:
    return answer_text(parse_date(text, today=ctx.today()))


def _end_date(ctx: Ctx, text: str) -> str:
    end = answer_text(parse_date(text, today=ctx.today()))
    start = ctx.answers.get("employment_start")
    if start and last_day(end) < first_day(start):
        raise ValidationError("date.order")
    return end


def screening_facts(ctx: Ctx) -> dict[str, Any]:
    return dict(ctx.answers.get("result", {}).get("facts", {}))


def _end_note(ctx: Ctx, end: str | None) -> str | None:
    """The end of the job against the screening's answers (still employed, leaving date)."""
    facts = screening_facts(ctx)
    if end is None:
        if facts.get("employment_status") != "left":
            return None
        return ctx.t(
            "Earlier you said the job has ended; now that it has not. I have noted "
            "\u201cstill working there\u201d; if that is wrong, type /back."
        )
    left_on = facts.get("end_date")
    if not left_on or left_on == "unknown":
        return None
    said = date.fromisoformat(left_on)
    if first_day(end) <= said <= last_day(end):
        return None
    return ctx.t(
        "Earlier you said the job ended on {said}; now {given}. I have kept {given}; "
        "if the earlier date was right, type /back.",
        said=ctx.t.date(said),
        given=display_value(ctx, "employment_end", end),
    )


_SCREENED_COUNTS: dict[str, tuple[int, int | None]] = {"several": (2, 9), "ten_plus": (10, None)}


def _count_note(ctx: Ctx, count: int) -> str | None:
    """The number of workers against the screening's "2 to 9" or "10 or more"."""
    said = _SCREENED_COUNTS.get(str(screening_facts(ctx).get("workers_count")))
    if said is None:
        return None
    low, high = said
    if count >= low and (high is None or count <= high):
        return None
    return ctx.t(
        "Earlier you said {said} workers; now {count}. I have kept {count}; if the earlier "
        "answer was right, type /back.",
        said=f"{low}–{high}" if high else f"{low}+",
        count=ctx.t.number(count),
    )


FIELDS: dict[str, Field] = {
    f.key: f
    for f in [
        Field(
            "claims_text",
            _(
                "In a sentence or two: what do you ask for? For example "
                "\u201cpay my wages for March to May\u201d."
            ),
            _("In a sentence or two: what does your unit ask for?"),
            lambda c, s: parse_free_text(s, max_len=500),
            max_len=500,
        ),
        Field(
            "amount",
            _(
                "How much money do you claim in total, in yuan? If you are not "
                "claiming money, press \u201cNo amount\u201d."
            ),
            _("How much money is in dispute, in yuan? If none, press \u201cNo amount\u201d."),
            lambda c, s: str(parse_amount(s)),
            optional=True,
            skip_label=_("No amount"),
        ),
        Field(
            "employment_start",
            _("When did you start working there? (for example 2023-05 or 2023-05-10)"),
            _(
                "When did the worker start working for your unit? "
                "(for example 2023-05 or 2023-05-10)"
            ),
            _date,
            optional=True,
            skip_label=_("I don't remember"),
        ),
        Field(
            "employment_end",
            _(
                "When did the job end? If you still work there, press "
                "\u201cStill working there\u201d."
            ),
            _(
                "When did the worker's job with your unit end? (for example 2025-03 or "
                "2025-03-10) If the worker is still employed, press \u201cThe worker is still "
                "employed\u201d."
            ),
            _end_date,
            optional=True,
            skip_label=_("Still working there"),
            employer_skip_label=_("The worker is still employed"),
            note=_end_note,
        ),
        Field(
            "facts",
            _(
                "Please describe what happened in your own words: what, when, and "
                "what you have already tried. (at most 2000 characters)"
            ),
            _("Please describe what happened in your own words. (at most 2000 characters)"),
            lambda c, s: parse_free_text(s, max_len=2000),
            max_len=2000,
        ),
        Field(
            "workers_count",
            _("How many workers are making this claim together?"),
            _("How many workers are involved?"),
            lambda c, s: parse_count(s, minimum=2, maximum=100000),
            note=_count_note,
        ),
    ]
}


# --- claims (multiple choice) ------------------------------------------------------------
async def ask_claims(ctx: Ctx) -> list[Reply]:
    chosen = set(ctx.answers.get("claims") or [])
    offered = EMPLOYER_CLAIMS if is_employer(ctx) else WORKER_CLAIMS
    items = [
        Button(("✅ " if code in chosen else "") + ctx.t(CATEGORIES[code]), f"s:claims:{code}")
        for code in offered
    ]
    items.append(Button(ctx.t("Done"), "s:claims:done"))
    text = ctx.t("What is the dispute about? Choose all that apply, then press Done.")
    return [Reply(text, buttons=grid(items, per_row=2))]


async def handle_claims(ctx: Ctx) -> StepResult:
    chosen: list[str] = list(ctx.answers.get("claims") or [])
    if ctx.choice == "done" or (ctx.choice is None and ctx.text in ("完成", "done", "Done")):
        if not chosen:
            return stay(Reply(ctx.t("Please choose at least one.")), reask=True)
        return goto(next_step(ctx, "claims"))
    if ctx.choice in CATEGORIES:
        if ctx.choice in chosen:
            chosen.remove(ctx.choice)
        else:
            chosen.append(ctx.choice)
        ctx.set_answer("claims", chosen)
        return stay(reask=True)
    return stay(Reply(ctx.t("Please choose with the buttons, then press Done.")), reask=True)
