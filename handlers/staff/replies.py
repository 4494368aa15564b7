"""Staff answering a party who asked for a person (handlers/party/human.py relays the party's
messages as `#P<id>`): by replying to the relayed message in the work group, or `/reply`.
A station's staff answer the parties of their own site's cases only."""

from __future__ import annotations

import logging
import re

from handlers.casework.references import latest_case
from handlers.casework.sites import site_name
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Button, Reply, grid
from handlers.staff.registry import (
    command,
    log_access,
    refuse_out_of_site,
    site_refusal,
    usage,
)
from storage.cases import add_event
from storage.models import Case, Person, Staff

log = logging.getLogger(__name__)

REF = re.compile(r"#P(\d+)\b")


async def _out_of_site(ctx: Ctx, person_id: int, case: Case | None) -> list[Reply] | None:
    """A party's thread belongs to the site of their latest case (the newest open one, else
    the newest), whose history keeps the answer; without a case, to the district center.
    The polite refusal (logged) when the command's site scope does not include it."""
    if ctx.site_scope is None:
        return None
    if case is not None:
        return await refuse_out_of_site(ctx, "reply", case) if site_refusal(ctx, case) else None
    await log_access(ctx, "refused", detail=f"/reply P{person_id} (no case: the district's)")
    log.warning("refused /reply P%s (no case) from %s", person_id, ctx.actor)
    return [
        Reply(
            ctx.t(
                "#P{ref} has no case, so the district center's staff answer them; here you "
                "can answer the parties of {own}'s cases only.",
                ref=person_id,
                own=site_name(ctx.settings, ctx.t, ctx.site_scope),
            )
        )
    ]


async def staff_reply(ctx: Ctx, staff: Staff, person_id: int, text: str) -> list[Reply]:
    case = await latest_case(ctx, person_id)
    refused = await _out_of_site(ctx, person_id, case)
    if refused is not None:
        return refused
    person = await ctx.session.get(Person, person_id)
    if person is None:
        return [Reply(ctx.t("No person #P{ref}.", ref=person_id))]
    t = ctx.core.translator(person.locale)
    message = t("💬 Staff of the center: {text}", text=text[:3000])
    buttons = grid([Button(t("Reply"), "m:human")])
    key = f"reply:{ctx.inbound.channel}:{ctx.inbound.update_key}"
    if not await ctx.push_to_person(person_id, key, [Reply(message, buttons=buttons)]):
        return [Reply(ctx.t("#P{ref} cannot be reached through the bot.", ref=person_id))]
    if case is not None:
        await add_event(
            ctx.session, case, actor=ctx.actor, action="staff_message", note=text[:2000]
        )
    return [Reply(ctx.t("Sent to #P{ref}.", ref=person_id))]


@command("reply", "/reply P<ref> text", "answer a party who asked for a person")
async def reply_cmd(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    ref, _, text = arg.partition(" ")
    ref = ref.strip().lstrip("#").upper()
    if not ref.startswith("P") or not ref[1:].isdecimal() or not text.strip():
        return [usage(ctx, "reply")]
    return await staff_reply(ctx, staff, int(ref[1:]), text.strip())


def referenced_person(reply_to_text: str | None) -> int | None:
    match = REF.search(reply_to_text or "")
    return int(match.group(1)) if match else None
