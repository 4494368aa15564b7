"""Talking to a person: a party's messages go to the work group, staff answers come back.

The party is shown to staff only as a reference `#P<id>` (and their case number), so staff
never need the party's own account. Staff answer by replying to the relayed message in the
group or with `/reply P<id> text` (handlers/staff/replies.py); each exchange is kept in the
case history.
"""

from __future__ import annotations

from handlers.casework.lifecycle import STATE_LABELS
from handlers.casework.references import latest_case
from handlers.conversation.context import Ctx
from handlers.conversation.flow import Flow, Step, StepResult, finish, stay
from handlers.conversation.i18n import mark as _
from handlers.conversation.masking import mask_text
from handlers.conversation.messages import Button, Reply, grid
from handlers.party.menu import main_menu
from storage.cases import add_event, cases_of_person
from storage.models import Case

ABOUT = "about_case"  # the case the person chose (0: none in particular)
PENDING = "pending_text"  # what they wrote before choosing, sent once they have chosen


def _talk_prompt(ctx: Ctx) -> Reply:
    text = ctx.t(
        "Write your message for the center's staff. They answer here, usually within "
        "office hours. Press End when you are done."
    )
    return Reply(text, buttons=grid([Button(ctx.t("End"), "s:talk:end")]))


async def _which_case(ctx: Ctx) -> Reply | None:
    """With several cases, staff must know which one the message is about: ask (buttons)."""
    if ABOUT in ctx.answers:
        return None
    cases = await cases_of_person(ctx.session, ctx.person.id)
    if len(cases) < 2:
        return None
    t = ctx.t
    buttons = [
        Button(f"{c.number} · {t(STATE_LABELS.get(c.state, c.state))}", f"s:talk:case:{c.id}")
        for c in cases[:8]
    ]
    buttons += [Button(t("Something else"), "s:talk:case:0"), Button(t("End"), "s:talk:end")]
    return Reply(t("Which case is your message about?"), buttons=grid(buttons, per_row=1))


async def ask_talk(ctx: Ctx) -> list[Reply]:
    return [await _which_case(ctx) or _talk_prompt(ctx)]


async def _chosen_case(ctx: Ctx) -> Case | None:
    about = ctx.answers.get(ABOUT)
    if about is None:
        return await latest_case(ctx, ctx.person.id)
    mine = {c.id: c for c in await cases_of_person(ctx.session, ctx.person.id)}
    return mine.get(int(about))


async def handle_talk(ctx: Ctx) -> StepResult:
    if ctx.choice == "end":
        return finish(*main_menu(ctx))
    if ctx.choice and ctx.choice.startswith("case:"):
        raw = ctx.choice.removeprefix("case:")
        mine = {c.id for c in await cases_of_person(ctx.session, ctx.person.id)}
        if not raw.isdecimal() or (int(raw) and int(raw) not in mine):
            return stay(reask=True)
        ctx.set_answer(ABOUT, int(raw))
        pending = ctx.answers.get(PENDING)
        if pending:
            ctx.set_answer(PENDING, "")
            return await _relay(ctx, pending)
        return stay(_talk_prompt(ctx))
    if not ctx.text:
        return stay(reask=True)
    if question := await _which_case(ctx):
        ctx.set_answer(PENDING, ctx.text[:2000])  # kept, and sent once they have chosen
        return stay(question)
    return await _relay(ctx, ctx.text)


async def _relay(ctx: Ctx, text: str) -> StepResult:
    case = await _chosen_case(ctx)
    staff_t = ctx.core.translator()
    if case is not None:
        about = staff_t(_("case {number}"), number=case.number)
    elif ctx.answers.get(ABOUT) == 0:
        about = staff_t(_("not about one of their cases"))
    else:
        about = staff_t(_("no case yet"))
    notice = staff_t(
        _(
            "🙋 #P{ref} ({about}) asks for a person:\n{text}\n\nReply to this message, or use "
            "/reply P{ref} your answer"
        ),
        ref=ctx.person.id,
        about=about,
        text=text[:2000],
    )
    if case is not None and mask_text(text[:2000]) != text[:2000]:
        notice += "\n" + staff_t(
            _("(Numbers are masked here; /case {number} in a private chat shows them.)"),
            number=case.number,
        )
    site = case.site if case is not None else None
    if not await ctx.push_to_staff(f"human:{ctx.inbound.update_key}", [Reply(notice)], site):
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
            ctx.session, case, actor=ctx.actor, action="party_message", note=text[:2000]
        )
    return stay(
        Reply(
            ctx.t("Sent to staff. You can add more, or press End."),
            buttons=grid([Button(ctx.t("End"), "s:talk:end")]),
        )
    )


HUMAN_FLOW = Flow(name="human", start="talk", steps={"talk": Step(ask_talk, handle_talk)})
