"""A small step machine for multi-step conversations.

A flow is a table of named steps; each step has an `ask` (what to show) and a `handle`
(what to do with the answer). The current flow, step, answers and a history of earlier
answers live in the `conversations` row, written in the same transaction as the step, so a
conversation survives a restart and two processes can share it.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from storage.models import utcnow

Ask = Callable[[Ctx], Awaitable[list[Reply]]]
Handle = Callable[[Ctx], Awaitable["StepResult"]]

MAX_HISTORY = 60
#: Where an unfinished flow waits while the person does something else (a parked draft).
DRAFT = "_draft"
#: After /back: the answers the undone steps had given, so that their questions can show
#: the earlier answer with "keep it" (part of the flow's answers: gone when it ends).
EARLIER = "earlier"


def undo_entry(step: str | None, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What /back needs to undo one step: the step, and only the answers it changed (their
    earlier values, and the keys it added). A copy of all answers per step made the history
    grow with the square of the flow's length: 19 KB by the end of an application, written
    and read with every message."""
    changed = {k: before[k] for k in before if k not in after or after[k] != before[k]}
    return {"step": step, "restore": changed, "drop": [k for k in after if k not in before]}


def undone(entry: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The answers as they were before the step `entry` records."""
    if "answers" in entry:  # written before entries held only the changes
        return dict(entry["answers"])
    earlier = {k: v for k, v in answers.items() if k not in entry.get("drop", ())}
    return {**earlier, **entry.get("restore", {})}


def kept_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers that outlive a flow: keys starting with "_" (e.g. the QR entry source)."""
    return {k: v for k, v in answers.items() if k.startswith("_")}


@dataclass
class StepResult:
    """What a step decided: go to `goto`, stay (re-ask), or end the flow."""

    replies: list[Reply] = field(default_factory=list)
    goto: str | None = None
    done: bool = False
    reask: bool = False


def goto(step: str, *replies: Reply) -> StepResult:
    return StepResult(list(replies), goto=step)


def stay(*replies: Reply, reask: bool = False) -> StepResult:
    return StepResult(list(replies), reask=reask)


def finish(*replies: Reply) -> StepResult:
    return StepResult(list(replies), done=True)


@dataclass(frozen=True)
class Step:
    ask: Ask
    handle: Handle
    #: The most characters this step takes, when it says so: a message longer than the
    #: engine's own limit is refused with this number (the narrative's 2,000, not 4,000).
    max_text: int | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    start: str
    steps: dict[str, Step]
    #: Whether these answers are a draft worth keeping when the person leaves the flow for
    #: another one (/human, /bind, the menu): then it is parked, not dropped.
    keeps: Callable[[dict[str, Any]], bool] | None = None


class FlowRegistry:
    def __init__(self) -> None:
        self.flows: dict[str, Flow] = {}
        #: What to show when a flow ends and a parked draft waits (set by
        #: handlers.conversation.routing).
        self.draft_waiting: Callable[[Ctx], list[Reply]] | None = None

    def add(self, flow: Flow) -> None:
        self.flows[flow.name] = flow

    def current(self, ctx: Ctx) -> tuple[Flow, Step] | None:
        flow = self.flows.get(ctx.conv.flow or "")
        if flow is None or ctx.conv.step not in flow.steps:
            return None
        return flow, flow.steps[ctx.conv.step]

    async def begin(
        self,
        ctx: Ctx,
        name: str,
        answers: dict[str, Any] | None = None,
        step: str | None = None,
    ) -> list[Reply]:
        flow = self.flows[name]
        self.park(ctx)
        ctx.conv.flow = name
        ctx.conv.step = step or flow.start
        ctx.conv.answers = {**kept_answers(ctx.conv.answers), **(answers or {})}
        ctx.conv.history = []
        ctx.conv.updated_at = utcnow()
        return await flow.steps[ctx.conv.step].ask(ctx)

    async def advance(self, ctx: Ctx) -> list[Reply]:
        """Give the inbound message to the current step and move on."""
        current = self.current(ctx)
        if current is None:
            return []
        flow, step = current
        before_step, before_answers = ctx.conv.step, copy.deepcopy(ctx.conv.answers)
        result = await step.handle(ctx)
        ctx.conv.updated_at = utcnow()
        replies = list(result.replies)
        if result.done:
            self.end(ctx)
            if self.parked(ctx) and self.draft_waiting and not _offers_resume(replies):
                replies += self.draft_waiting(ctx)
            return replies
        if result.goto is not None:
            if ctx.conv.flow != flow.name:  # the step started another flow
                return replies
            entry = undo_entry(before_step, before_answers, ctx.conv.answers)
            history = [*ctx.conv.history, entry]
            ctx.conv.history = history[-MAX_HISTORY:]
            ctx.conv.step = result.goto
            return replies + await flow.steps[result.goto].ask(ctx)
        if result.reask:
            replies += await step.ask(ctx)
        return replies

    async def back(self, ctx: Ctx) -> list[Reply] | None:
        """Return to the previous question with the answers as they were; None if none."""
        current = self.current(ctx)
        if current is None or not ctx.conv.history:
            return None
        flow, _ = current
        *rest, last = ctx.conv.history
        ctx.conv.history = rest
        ctx.conv.step = last["step"]
        before = ctx.conv.answers
        given = {k: v for k, v in before.items() if k != EARLIER}
        ctx.conv.answers = undone(last, given)
        earlier = {k: given[k] for k in given if ctx.conv.answers.get(k) != given[k]}
        earlier = {**(before.get(EARLIER) or {}), **earlier}
        if earlier:
            ctx.conv.answers[EARLIER] = earlier
        ctx.conv.updated_at = utcnow()
        return await flow.steps[ctx.conv.step].ask(ctx)

    async def reask(self, ctx: Ctx) -> list[Reply]:
        current = self.current(ctx)
        return await current[1].ask(ctx) if current else []

    def holds_draft(self, ctx: Ctx) -> bool:
        """The current flow holds a draft that must not be lost (see Flow.keeps)."""
        current = self.current(ctx)
        keeps = current[0].keeps if current else None
        return bool(keeps and keeps(ctx.conv.answers))

    def parked(self, ctx: Ctx) -> dict[str, Any] | None:
        """The draft put aside while the person does something else, if any."""
        draft = ctx.conv.answers.get(DRAFT)
        return draft if isinstance(draft, dict) else None

    def park(self, ctx: Ctx) -> bool:
        """Put the current flow aside if it holds a draft (True), so that a detour (talking
        to staff, linking a case, the menu) runs beside it instead of replacing it."""
        if not self.holds_draft(ctx):
            return False
        answers = {k: v for k, v in ctx.conv.answers.items() if k != DRAFT}
        draft = {
            "flow": ctx.conv.flow,
            "step": ctx.conv.step,
            "answers": {k: v for k, v in answers.items() if not k.startswith("_")},
            "history": ctx.conv.history,
            "updated_at": (ctx.conv.updated_at or utcnow()).isoformat(),
        }
        ctx.conv.flow = None
        ctx.conv.step = None
        ctx.conv.answers = {**kept_answers(answers), DRAFT: draft}
        ctx.conv.history = []
        ctx.conv.updated_at = utcnow()
        return True

    def unpark(self, ctx: Ctx) -> bool:
        """Go back to the parked draft where it was left (False when there is none)."""
        draft = self.parked(ctx)
        if draft is None or draft.get("flow") not in self.flows:
            return False
        kept = {k: v for k, v in kept_answers(ctx.conv.answers).items() if k != DRAFT}
        ctx.conv.flow = draft["flow"]
        ctx.conv.step = draft["step"]
        ctx.conv.answers = {**draft.get("answers", {}), **kept}
        ctx.conv.history = list(draft.get("history", []))
        ctx.conv.updated_at = utcnow()
        return True

    def leave(self, ctx: Ctx) -> None:
        """The person walked away from the current flow: park a draft, end anything else."""
        if not self.park(ctx):
            self.end(ctx)

    def end(self, ctx: Ctx) -> None:
        """The current flow is over (finished or cancelled); a parked draft stays parked."""
        ctx.conv.flow = None
        ctx.conv.step = None
        ctx.conv.answers = kept_answers(ctx.conv.answers)
        ctx.conv.history = []
        ctx.conv.updated_at = utcnow()


def _offers_resume(replies: list[Reply]) -> bool:
    return any(b.payload.startswith("r:") for r in replies for b in r.flat_buttons)
