"""Talking to a person: a party's messages go to the work group, staff answers come back.

The party is shown to staff only as a reference `#P<id>` (and their case number), so staff
never need the party's own account. Staff answer by replying to the relayed message in the
group or with `/reply P<id> text`; each exchange is kept in the case history.
"""

from __future__ import annotations

import re

from handlers.context import Ctx
from handlers.flow import Flow, Step, StepResult, finish, stay
from handlers.i18n import mark as _
from handlers.lifecycle import ENDED
from handlers.messages import Button, Reply, grid
from handlers.staff.registry import command, usage
from handlers.validators import mask_text
from storage.cases import add_event, cases_of_person
from storage.models import Case, Person, Staff

REF = re.compile(r"#P(\d+)\b")


async def _latest_case(ctx: Ctx, person_id: int) -> Case | None:
    cases = await cases_of_person(ctx.session, person_id)
    open_cases = [c for c in cases if c.state not in ENDED]
    return next(iter(open_cases or cases), None)


async def ask_talk(ctx: Ctx) -> list[Reply]:
    text = ctx.t(
        "Write your message for the center's staff. They answer here, usually within "
        "office hours. Press End when you are done."
    )
    return [Reply(text, buttons=grid([Button(ctx.t("End"), "s:talk:end")]))]


async def handle_talk(ctx: Ctx) -> StepResult:
    if ctx.choice == "end":
        from handlers.menu import main_menu

        return finish(*main_menu(ctx))
    if not ctx.text:
        return stay(reask=True)
    case = await _latest_case(ctx, ctx.person.id)
    staff_t = ctx.core.translator()
    about = staff_t(_("case {number}"), number=case.number) if case else staff_t(_("no case yet"))
    notice = staff_t(
        _(
            "🙋 #P{ref} ({about}) asks for a person:\n{text}\n\nReply to this message, or use "
            "/reply P{ref} your answer"
        ),
        ref=ctx.person.id,
        about=about,
        text=ctx.text[:2000],
    )
    if case is not None and mask_text(ctx.text[:2000]) != ctx.text[:2000]:
        notice += "\n" + staff_t(
            _("(Numbers are masked here; /case {number} in a private chat shows them.)"),
            number=case.number,
        )
    if not await ctx.push_to_staff(f"human:{ctx.inbound.update_key}", [Reply(notice)]):
        return stay(
            Reply(
                ctx.t(
                    "Sorry, no staff channel is set up. Please call or visit the "
                    "center; /help shows how."
                )
            )
        )
    if case is not None:
        await add_event(
            ctx.session, case, actor=ctx.actor, action="party_message", note=ctx.text[:2000]
        )
    return stay(
        Reply(
            ctx.t("Sent to staff. You can add more, or press End."),
            buttons=grid([Button(ctx.t("End"), "s:talk:end")]),
        )
    )


HUMAN_FLOW = Flow(name="human", start="talk", steps={"talk": Step(ask_talk, handle_talk)})


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
    case = await _latest_case(ctx, person_id)
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
