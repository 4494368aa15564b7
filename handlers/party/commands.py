"""The party side's commands and buttons, registered with the engine when imported.

/start, /help, /cancel, /back, /lang, /status, /bind, /human, /mycopy, /mydata, /correct,
/erase, /subscribe, /unsubscribe, /roster; the menu's, the binding's, the follow-up's, the
FAQ's, the subscription's and the language buttons.
"""

from __future__ import annotations

from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.conversation.registry import FEATURES, PartySide
from handlers.office.roster_view import published_roster
from handlers.party import (
    dispute,
    faq,
    followup,
    human,
    intake_form,
    menu,
    midflow,
    mydata,
    party_docs,
    respondent,
    status,
    subscribe,
    terms_reading,
)


async def cmd_start(ctx: Ctx, arg: str) -> list[Reply]:
    entry = ctx.inbound.entry_source or arg
    if entry:  # a QR code or link opened the bot: remember where the person came from
        ctx.set_answer("_entry", entry[:100])
    resume = await menu.offer_resume(ctx)
    return resume or menu.main_menu(ctx)


async def cmd_help(ctx: Ctx, arg: str) -> list[Reply]:
    return menu.help_text(ctx)


async def cmd_cancel(ctx: Ctx, arg: str) -> list[Reply]:
    """/cancel stops what the person is doing. On an application (in progress, or waiting
    while nothing else runs) it asks before deleting; any other flow just ends, and a parked
    application is offered again."""
    flows = ctx.core.flows
    if flows.holds_draft(ctx) or (not ctx.conv.flow and menu.has_draft(ctx)):
        return menu.confirm_discard(ctx)
    if not ctx.conv.flow:
        return [Reply(ctx.t("There is nothing to cancel."), buttons=menu.menu_button(ctx))]
    if menu.has_draft(ctx):  # a detour (/human, /bind, …) beside a parked application
        flows.end(ctx)
        return [Reply(ctx.t("Stopped.")), *menu.resume_offer(ctx)]
    await intake_form.discard_draft(ctx)
    flows.end(ctx)
    return [
        Reply(
            ctx.t("Cancelled. Nothing was filed and your draft answers were deleted."),
            buttons=menu.menu_button(ctx),
        )
    ]


async def cmd_back(ctx: Ctx, arg: str) -> list[Reply]:
    replies = await ctx.core.flows.back(ctx)
    if replies is None:
        return [Reply(ctx.t("There is no earlier question to go back to."))] + (
            await ctx.core.flows.reask(ctx) or menu.main_menu(ctx)
        )
    return replies


async def cmd_lang(ctx: Ctx, arg: str) -> list[Reply]:
    return menu.language(ctx, arg)


async def cmd_status(ctx: Ctx, arg: str) -> list[Reply]:
    return await status.my_cases(ctx)


async def cmd_bind(ctx: Ctx, arg: str) -> list[Reply]:
    return await ctx.core.flows.begin(ctx, respondent.BIND_FLOW.name)


async def cmd_roster(ctx: Ctx, arg: str) -> list[Reply]:
    """The published mediator roster: names, full- or part-time, specialties; no phones."""
    return [Reply(await published_roster(ctx.session, ctx.t))]


async def cmd_human(ctx: Ctx, arg: str) -> list[Reply]:
    return await ctx.core.flows.begin(ctx, human.HUMAN_FLOW.name)


FEATURES.commands.update(
    {
        "human": cmd_human,
        "roster": cmd_roster,
        "mycopy": party_docs.my_copy,
        "mydata": mydata.my_data,
        "correct": mydata.correct,
        "erase": mydata.erase,
        "start": cmd_start,
        "menu": cmd_start,
        "help": cmd_help,
        "cancel": cmd_cancel,
        "back": cmd_back,
        "lang": cmd_lang,
        "status": cmd_status,
        "bind": cmd_bind,
        "subscribe": subscribe.cmd_subscribe,
        "unsubscribe": subscribe.cmd_unsubscribe,
    }
)


async def _language(ctx: Ctx, choice: str) -> list[Reply]:
    return menu.language(ctx, choice)


async def _free_text(ctx: Ctx) -> list[Reply]:
    """Outside a flow: a legal question for the FAQ; "hi", "ok" get what the bot can do."""
    if subscribe.is_stop_word(ctx.inbound.text):  # 退订 under a mass-sent publication
        return await subscribe.stop(ctx)
    answered, replies = await faq.answer(ctx, ctx.inbound.text)
    if answered or len(ctx.inbound.text.strip()) >= 6:
        return replies
    return menu.free_text_outside_flow(ctx)


FEATURES.buttons.update({
    "m": menu.on_menu,
    "lang": _language,
    "r": menu.on_resume,
    "case": respondent.on_case_button,
    "fu": followup.on_fulfilment,
    "sv": followup.on_survey,
    "faq": faq.on_button,
    "qa": midflow.on_button,
    "sub": subscribe.on_button,
    "rt": terms_reading.on_read,
})  # fmt: skip
for _flow in (dispute.FLOW, respondent.BIND_FLOW, human.HUMAN_FLOW, followup.COMMENT_FLOW):
    FEATURES.add_flow(_flow)
FEATURES.party = PartySide(
    main_menu=menu.main_menu,
    menu_button=menu.menu_button,
    help=menu.help_text,
    free_text=_free_text,
    detour=midflow.intercept,
    draft_waiting=menu.resume_offer,
)
