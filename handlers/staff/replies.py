"""Staff answering a party who asked for a person (handlers/party/human.py relays the party's
messages as `#P<id>`): by replying to the relayed message in the work group, or `/reply`."""

from __future__ import annotations

import re

from handlers.casework.references import latest_case
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Button, Reply, grid
from handlers.staff.registry import command, usage
from storage.cases import add_event
from storage.models import Person, Staff

REF = re.compile(r"#P(\d+)\b")


async def staff_reply(ctx: Ctx, staff: Staff, person_id: int, text: str) -> list[Reply]:
    person = await ctx.session.get(Person, person_id)
    if person is None:
        return [Reply(ctx.t("No person #P{ref}.", ref=person_id))]
    t = ctx.core.translator(person.locale)
    message = t("💬 Staff of the center: {text}", text=text[:3000])
    buttons = grid([Button(t("Reply"), "m:human")])
    key = f"reply:{ctx.inbound.channel}:{ctx.inbound.update_key}"
    if not await ctx.push_to_person(person_id, key, [Reply(message, buttons=buttons)]):
        return [Reply(ctx.t("#P{ref} cannot be reached through the bot.", ref=person_id))]
    case = await latest_case(ctx, person_id)
    if case is not None:
        await add_event(
            ctx.session, case, actor=ctx.actor, action="staff_message", note=text[:2000]
        )
    return [Reply(ctx.t("Sent to #P{ref}.", ref=person_id))]


@command("reply", "/reply P<ref> text", "answer a party who asked for a person")
async def reply_cmd(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    ref, _, text = arg.partition(" ")
    ref = ref.strip().lstrip("#").upper()
    if not ref.startswith("P") or not ref[1:].isdigit() or not text.strip():
        return [usage(ctx, "reply")]
    return await staff_reply(ctx, staff, int(ref[1:]), text.strip())


def referenced_person(reply_to_text: str | None) -> int | None:
    match = REF.search(reply_to_text or "")
    return int(match.group(1)) if match else None
