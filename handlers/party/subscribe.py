"""Subscribing to policy updates and typical cases, and stopping them (issue 22).

Nobody is subscribed without asking: the menu's "Policy updates and typical cases", /subscribe
or the one offer after a case ends lead through three taps (what, as whom, which street; and
the industry where sites name industries). One tap on "Unsubscribe" under any publication,
/unsubscribe or 退订 stops them. The choice is kept in buttons ("sub:t:both:worker:2"), so
no conversation state is needed and a restart loses nothing.
"""

from __future__ import annotations

from handlers.conversation.context import Ctx
from handlers.conversation.messages import Button, Reply, grid
from handlers.office.publications import NO_THANKS, UNSUBSCRIBE
from storage import subscriptions

STOP_WORDS = frozenset({"退订", "取消订阅", "td", "unsubscribe", "stop"})


def _topic(ctx: Ctx, topics: str) -> str:
    return {
        "policy": ctx.t("policy updates"),
        "cases": ctx.t("typical cases"),
        "both": ctx.t("policy updates and typical cases"),
    }[topics]


def _industries(ctx: Ctx) -> list[str]:
    seen: list[str] = []
    for site in ctx.settings.sites:
        seen += [i for i in site.industries if i not in seen]
    return seen


async def start(ctx: Ctx) -> list[Reply]:
    """The first question: what to receive."""
    if ctx.inbound.channel == "wecom" or ctx.inbound.chat_kind != "private":
        return [Reply(ctx.t("Subscriptions are made in a private chat with the bot."))]
    row = await subscriptions.get(ctx.session, ctx.person.id)
    lead = ""
    if row is not None and row.active:
        lead = ctx.t("You receive {what}. Choose again to change it.", what=_topic(ctx, row.topics))
        lead += "\n"
    items = [
        Button(ctx.t("Policy updates"), "sub:t:policy"),
        Button(ctx.t("Typical cases"), "sub:t:cases"),
        Button(ctx.t("Both"), "sub:t:both"),
    ]
    text = lead + ctx.t(
        "The center can send you policy updates and typical cases (a few a month). "
        "What would you like to receive?"
    )
    return [Reply(text, buttons=grid(items, per_row=3))]


async def on_button(ctx: Ctx, payload: str) -> list[Reply]:
    """sub:menu | sub:no | sub:off | sub:t:TOPICS[:ROLE[:STREET[:INDUSTRY]]]"""
    if payload == "menu":
        return await start(ctx)
    if payload == NO_THANKS.partition(":")[2]:
        return [
            Reply(ctx.t("All right, nothing will be sent. /subscribe if you change your mind."))
        ]
    if payload == UNSUBSCRIBE.partition(":")[2]:
        return await stop(ctx)
    parts = payload.split(":")
    if parts[0] != "t" or len(parts) < 2 or parts[1] not in subscriptions.TOPICS:
        return await start(ctx)
    topics = parts[1]
    if len(parts) == 2 or parts[2] not in subscriptions.ROLES:
        items = [
            Button(ctx.t("As a worker"), f"sub:t:{topics}:worker"),
            Button(ctx.t("As an employer"), f"sub:t:{topics}:employer"),
        ]
        return [
            Reply(ctx.t("Do you read them as a worker or as an employer?"), buttons=grid(items))
        ]
    role, streets = parts[2], ctx.settings.center.streets
    if len(parts) == 3:
        base = f"sub:t:{topics}:{role}"
        items = [Button(s, f"{base}:{i}") for i, s in enumerate(streets)]
        items.append(Button(ctx.t("Any street"), f"{base}:-"))
        return [Reply(ctx.t("Only news for your street or town?"), buttons=grid(items, per_row=2))]
    street = _pick(streets, parts[3])
    industries = _industries(ctx)
    if len(parts) == 4 and industries:
        base = ":".join(["sub:t", topics, role, parts[3]])
        items = [Button(s, f"{base}:{i}") for i, s in enumerate(industries)]
        items.append(Button(ctx.t("Any industry"), f"{base}:-"))
        return [Reply(ctx.t("And your industry?"), buttons=grid(items, per_row=2))]
    industry = _pick(industries, parts[4]) if len(parts) > 4 else None
    await subscriptions.subscribe(
        ctx.session,
        ctx.person.id,
        channel=ctx.inbound.channel,
        chat_id=ctx.inbound.chat_id,
        topics=topics,
        role=role,
        street=street,
        industry=industry,
        now=ctx.now(),
    )
    text = ctx.t(
        "Subscribed: {what}, as {role}. At most a few messages a month; every one of them "
        "has a button to stop, or send /unsubscribe.",
        what=_topic(ctx, topics),
        role=ctx.t("a worker") if role == "worker" else ctx.t("an employer"),
    )
    if street or industry:
        text += "\n" + ctx.t("For: {where}", where="、".join(x for x in (street, industry) if x))
    return [Reply(text, buttons=grid([Button(ctx.t("Unsubscribe"), UNSUBSCRIBE)]))]


def _pick(options: list[str], raw: str) -> str | None:
    return options[int(raw)] if raw.isdecimal() and int(raw) < len(options) else None


async def stop(ctx: Ctx) -> list[Reply]:
    if await subscriptions.unsubscribe(ctx.session, ctx.person.id, ctx.now()):
        text = ctx.t("Unsubscribed: the center will send you no more policy updates or cases.")
    else:
        text = ctx.t("You are not subscribed to anything.")
    return [Reply(text + "\n" + ctx.t("/subscribe to subscribe again."))]


async def cmd_subscribe(ctx: Ctx, arg: str) -> list[Reply]:
    return await start(ctx)


async def cmd_unsubscribe(ctx: Ctx, arg: str) -> list[Reply]:
    return await stop(ctx)


def is_stop_word(text: str) -> bool:
    return text.strip().lower() in STOP_WORDS
