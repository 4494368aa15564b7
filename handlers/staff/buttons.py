"""The buttons on staff notices: view, accept, refer (choose a route), assign (choose whom)."""

from __future__ import annotations

from handlers.conversation.context import Ctx
from handlers.conversation.messages import Button, Reply, grid
from handlers.conversation.redact import for_group
from handlers.staff import outcomes, registry, suggest
from handlers.staff.refs import ROUTES
from storage.models import Case


async def on_button(ctx: Ctx, payload: str) -> list[Reply]:
    """payload: 'view:ID', 'accept:ID', 'refer:ID', 'referto:ID:ROUTE', 'assign:ID', …"""
    if await registry.staff_member(ctx) is None:  # the same answer for every id: no oracle
        _, refusal = await registry.authorize(ctx, registry.COMMANDS["case"])
        return refusal
    action, _, rest = payload.partition(":")
    raw_id, _, extra = rest.partition(":")
    case = await ctx.session.get(Case, int(raw_id)) if raw_id.isdecimal() else None
    if case is None or case.number is None:
        return [Reply(ctx.t("That case no longer exists."))]
    number = case.number
    if action == "view":
        command, arg = "case", number
    elif action in ("withdrawok", "withdrawno"):
        staff, refusal = await registry.authorize(ctx, registry.COMMANDS["outcome"])
        if staff is None:
            return refusal
        if registry.site_refusal(ctx, case):
            return await registry.refuse_out_of_site(ctx, "outcome", case)
        done = await outcomes.confirm_withdrawal(ctx, staff, case, action == "withdrawok")
        return done if ctx.inbound.chat_kind == "private" else for_group(done)
    elif action == "evidence":
        command, arg = "evidence", number
    elif action == "accept":
        command, arg = "accept", number
    elif action == "referto" and extra in ROUTES:
        command, arg = "refer", f"{number} {extra}"
    elif action == "assignto" and extra:
        command, arg = "assign", f"{number} {extra}"
    elif action in ("refer", "assign"):
        return await _choices(ctx, action, case)
    else:
        return [Reply(ctx.t("That button is no longer in use."))]
    replies = await registry.run(ctx, command, arg)
    return replies or []


async def _choices(ctx: Ctx, action: str, case: Case) -> list[Reply]:
    cmd = registry.COMMANDS[action]
    staff, refusal = await registry.authorize(ctx, cmd)
    if staff is None:
        return refusal
    if registry.site_refusal(ctx, case):
        return await registry.refuse_out_of_site(ctx, action, case)
    t = ctx.t
    if action == "refer":
        items = [Button(t(label), f"st:referto:{case.id}:{code}") for code, label in ROUTES.items()]
        return [Reply(t("Refer case {number} to:", number=case.number), buttons=grid(items, 1))]
    return await suggest.suggestion(ctx, case)  # ranked, never a mediator linked to a party
