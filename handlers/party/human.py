"""Talking to a person: a party's messages go to the work group, staff answers come back.

The party is shown to staff only as a reference `#P<id>` (and their case number), so staff
never need the party's own account. Staff answer by replying to the relayed message in the
group or with `/reply P<id> text` (handlers/staff/replies.py); each exchange is kept in the
case history.
"""

from __future__ import annotations

from handlers.casework.references import latest_case
from handlers.conversation.context import Ctx
from handlers.conversation.flow import Flow, Step, StepResult, finish, stay
from handlers.conversation.i18n import mark as _
from handlers.conversation.masking import mask_text
from handlers.conversation.messages import Button, Reply, grid
from handlers.party.menu import main_menu
from storage.cases import add_event


async def ask_talk(ctx: Ctx) -> list[Reply]:
    text = ctx.t(
        "Write your message for the center's staff. They answer here, usually within "
        "office hours. Press End when you are done."
    )
    return [Reply(text, buttons=grid([Button(ctx.t("End"), "s:talk:end")]))]


async def handle_talk(ctx: Ctx) -> StepResult:
    if ctx.choice == "end":
        return finish(*main_menu(ctx))
    if not ctx.text:
        return stay(reask=True)
    case = await latest_case(ctx, ctx.person.id)
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
