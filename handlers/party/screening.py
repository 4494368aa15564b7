"""Eligibility screening steps: walk knowledge/scope.toml one question at a time."""

from __future__ import annotations

from typing import Any

from handlers.casework.validators import ValidationError, parse_date
from handlers.conversation.context import Ctx
from handlers.conversation.flow import StepResult, finish, goto, stay
from handlers.conversation.messages import Button, Reply, grid
from handlers.party.intake_form import error_text
from handlers.party.menu import main_menu, resume_offer
from knowledge.scope import Ask, Citation, Result


def _next(ctx: Ctx) -> Ask | Result:
    center = ctx.settings.center
    return ctx.core.rules.next_step(
        ctx.answers.get("screen", {}),
        today=ctx.today(),
        district=center.district,
        streets=center.streets,
    )


def cite(ctx: Ctx, citations: tuple[Citation, ...]) -> str:
    return ctx.t.join((c.label(ctx.t.locale) for c in citations), strong=True)


async def ask_screen(ctx: Ctx) -> list[Reply]:
    step = _next(ctx)
    if isinstance(step, Result):  # answered already (e.g. after /back into a finished walk)
        return await ask_outcome(ctx)
    q = step.question
    text = ctx.t.pick(q.text)
    if q.kind == "date":
        text += "\n" + ctx.t("Type the date, for example 2025-03-01 or 2025年3月.")
    if q.help:
        text += "\n\n" + ctx.t.pick(q.help)
    per_row = 2 if len(step.choices) > 4 else 1
    buttons = grid([Button(ctx.t.pick(c.label), f"s:screen:{c.id}") for c in step.choices], per_row)
    return [Reply(text, buttons=buttons)]


async def handle_screen(ctx: Ctx) -> StepResult:
    step = _next(ctx)
    if isinstance(step, Result):
        return goto("outcome")
    q = step.question
    value: str | None = None
    if ctx.choice is not None and any(c.id == ctx.choice for c in step.choices):
        value = ctx.choice
    elif q.kind == "date" and ctx.text:
        try:
            value = parse_date(ctx.text, today=ctx.today()).value.isoformat()
        except ValidationError as err:
            return stay(Reply(error_text(ctx, err)), reask=False)
    elif ctx.text:
        value = _match_label(ctx, step)
    if value is None:
        return stay(Reply(ctx.t("Please choose one of the buttons.")), reask=True)
    ctx.set_answer("screen", {**ctx.answers.get("screen", {}), q.id: value})
    nxt = _next(ctx)
    if isinstance(nxt, Result):
        ctx.set_answer("result", _result_summary(nxt))
        return goto("outcome")
    return goto("screen")


def _match_label(ctx: Ctx, step: Ask) -> str | None:
    """Typed text that equals a choice's label or its number (1, 2, ...) counts as that choice."""
    text = ctx.text.strip().rstrip(".。")
    for i, c in enumerate(step.choices, 1):
        if text == str(i) or text in c.label.values():
            return c.id
    return None


def _result_summary(result: Result) -> dict[str, Any]:
    return {
        "outcome": result.outcome.id,
        "kind": result.outcome.kind,
        "warnings": [w.id for w in result.warnings],
        "flags": sorted(result.flags),
        "facts": dict(result.facts),
    }


def current_result(ctx: Ctx) -> Result | None:
    step = _next(ctx)
    return step if isinstance(step, Result) else None


def render_result(ctx: Ctx, result: Result) -> str:
    t = ctx.t
    o = result.outcome
    parts = [t.pick(o.title)]
    if o.route:
        parts.append(t("Where to go: {route}", route=t.pick(o.route)))
    for extra in getattr(o, "extra_routes", ()) or ():
        parts.append(t.pick(extra) if isinstance(extra, dict) else str(extra))
    for w in result.warnings:
        parts.append("⚠️ " + t.pick(w.text))
    return "\n\n".join(parts)


async def ask_outcome(ctx: Ctx) -> list[Reply]:
    result = current_result(ctx)
    if result is None:
        return await ask_screen(ctx)
    t = ctx.t
    items = []
    if result.outcome.kind == "in_scope":
        items.append(Button(t("File my case now"), "s:outcome:file"))
    elif result.outcome.kind == "staff_review":
        items.append(Button(t("File it for staff to review"), "s:outcome:file"))
    items += [
        Button(t("Why?"), "s:outcome:why"),
        Button(t("Start the questions again"), "s:outcome:restart"),
        Button(t("Main menu"), "s:outcome:menu"),
    ]
    return [Reply(render_result(ctx, result), buttons=grid(items, per_row=1))]


async def handle_outcome(ctx: Ctx) -> StepResult:
    result = current_result(ctx)
    if result is None:
        return goto("screen")
    choice = ctx.choice or ""
    if choice == "why":
        t = ctx.t
        text = t.pick(result.outcome.reason)
        statutes = result.outcome.statutes + tuple(c for w in result.warnings for c in w.statutes)
        if statutes:
            text += "\n\n" + t("Legal basis: {citations}", citations=cite(ctx, statutes))
        text += "\n\n" + t(
            "This is general guidance, not a decision on your case; staff of the center "
            "make the final assessment."
        )
        return stay(Reply(text), reask=True)
    if choice == "restart":
        ctx.drop_answer("screen")
        ctx.drop_answer("result")
        return goto("screen")
    if choice == "file" and result.outcome.kind != "out_of_scope":
        if ctx.core.flows.parked(ctx):  # one application at a time: continue it or start over
            return stay(*resume_offer(ctx))
        return goto("consent")
    if choice == "menu":
        return finish(*main_menu(ctx))
    return stay(Reply(ctx.t("Please choose one of the buttons.")), reask=True)
