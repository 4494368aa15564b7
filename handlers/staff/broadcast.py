"""/broadcast PUBLICATION AUDIENCE (admin, private chat): a preview with the recipients per
channel, a confirm button, then delivery by handlers.staff.broadcast_job (issue 22).

AUDIENCE: all | workers | employers, optionally street:NAME and industry:NAME. WeChat
subscribers outside their customer-service window are reached by one mass send to a tag,
which the account may do `wechat.mass_sends_per_month` times: when they are spent the
broadcast is refused with the reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from handlers.conversation.context import Ctx
from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Button, Reply, grid
from handlers.office.publications import find
from handlers.staff import registry
from handlers.staff.registry import ADMIN, command, usage
from storage import broadcasts, subscriptions
from storage.models import Broadcast, Staff
from storage.subscriptions import Audience

STATUS_LABELS = {
    "queued": _("queued"),
    "sending": _("sending"),
    "done": _("done"),
    "refused": _("refused"),
    "cancelled": _("cancelled"),
}
ROLE_WORDS = {"workers": "worker", "employers": "employer", "all": None}


def parse_audience(text: str) -> Audience | None:
    role = street = industry = None
    for word in text.split() or ["all"]:
        key, _, value = word.partition(":")
        if word in ROLE_WORDS:
            role = ROLE_WORDS[word]
        elif key == "street" and value:
            street = value
        elif key == "industry" and value:
            industry = value
        else:
            return None
    return Audience(role=role, street=street, industry=industry)


def month_of(ctx: Ctx, moment: datetime) -> str:
    return moment.astimezone(ctx.settings.tz).strftime("%Y-%m")


def window_cutoff(ctx: Ctx) -> datetime:
    return ctx.now() - timedelta(hours=ctx.settings.wechat.window_hours)


@command(
    "broadcast",
    "/broadcast PUBLICATION AUDIENCE | list",
    "send a publication to the subscribers (AUDIENCE: all, workers, employers, street:NAME, "
    "industry:NAME); a preview and a confirm button first. /broadcast list: the ledger",
    roles=ADMIN,
)
async def broadcast(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    pub_id, _, rest = arg.strip().partition(" ")
    if pub_id == "list":
        return [await ledger(ctx)]
    if not pub_id:
        return [usage(ctx, "broadcast")]
    if ctx.inbound.chat_kind != "private":
        return [Reply(ctx.t("Broadcasts are prepared in a private chat with the bot."))]
    pub = await find(ctx.session, pub_id)
    if pub is None:
        return [
            Reply(
                ctx.t(
                    "No publication {id} (or it is a draft not yet approved). "
                    "/publish list shows them.",
                    id=pub_id[:40],
                )
            )
        ]
    audience = parse_audience(rest)
    if audience is None:
        return [
            Reply(
                ctx.t(
                    "I could not read the audience “{text}”. Use all, workers, "
                    "employers, street:NAME or industry:NAME.",
                    text=rest[:60],
                )
            )
        ]
    counts = await broadcasts.preview_counts(
        ctx.session,
        pub.id,
        pub.kind,
        audience,
        cutoff=window_cutoff(ctx),
        max_messages=ctx.settings.wechat.window_max_messages,
    )
    total = sum(n for k, n in counts.items() if k != "already")
    row = Broadcast(
        publication_id=pub.id,
        audience=rest.strip() or "all",
        created_by=ctx.actor,
        channel=ctx.inbound.channel,
        chat_id=ctx.inbound.chat_id,
        status="preview",
        counts=counts,
        total=total,
    )
    ctx.session.add(row)
    await ctx.session.flush()
    text = preview_text(ctx.t, pub.field("title", ctx.t.locale), row)
    if total == 0:
        return [Reply(text + "\n" + ctx.t("Nobody to send it to."))]
    if refused := await quota_refusal(ctx, row):
        return [Reply(text + "\n" + refused)]
    buttons = grid(
        [Button(ctx.t("Send it"), f"bc:go:{row.id}"), Button(ctx.t("Cancel"), f"bc:no:{row.id}")]
    )
    return [Reply(text, buttons=buttons)]


def preview_text(t: Translator, title: str, row: Broadcast) -> str:
    c = row.counts
    lines = [
        t(
            "Broadcast of “{title}” to {audience}: {total} recipients.",
            title=title,
            audience=row.audience,
            total=t.number(row.total),
        ),
        t("Telegram: {n}", n=t.number(c.get("telegram", 0))),
        t(
            "WeChat, customer-service messages (inside their 48-hour window): {n}",
            n=t.number(c.get("wechat_window", 0)),
        ),
        t(
            "WeChat, one mass send to a tag (outside the window): {n}",
            n=t.number(c.get("wechat_mass", 0)),
        ),
    ]
    if c.get("console"):
        lines.append(t("Console: {n}", n=t.number(c["console"])))
    if c.get("already"):
        lines.append(t("Already received it (not sent again): {n}", n=t.number(c["already"])))
    return "\n".join(lines)


async def quota_refusal(ctx: Ctx, row: Broadcast) -> str | None:
    """Why the broadcast cannot go (the month's mass sends are spent); None when it can."""
    if not row.counts.get("wechat_mass"):
        return None
    quota = ctx.settings.wechat.mass_sends_per_month
    used = await broadcasts.mass_sends_in(ctx.session, month_of(ctx, ctx.now()))
    return None if used < quota else used_up(ctx, row, used, quota)


def used_up(ctx: Ctx, row: Broadcast, used: int, quota: int) -> str:
    return ctx.t(
        "Refused: {n} WeChat subscribers are outside their 48-hour window and can only be "
        "reached by a mass send, and this month's mass sends are used up ({used} of {quota}, "
        "wechat.mass_sends_per_month). Send it next month, or to an audience inside the window.",
        n=ctx.t.number(row.counts["wechat_mass"]),
        used=used,
        quota=quota,
    )


async def _locked(ctx: Ctx, raw: str) -> Broadcast | None:
    """The broadcast, its row locked (PostgreSQL): a second press at the same instant waits
    for the first to finish, then finds it confirmed."""
    if not raw.isdecimal():
        return None
    stmt = select(Broadcast).where(Broadcast.id == int(raw)).with_for_update()
    return (await ctx.session.execute(stmt)).scalar_one_or_none()


async def on_button(ctx: Ctx, payload: str) -> list[Reply]:
    """bc:go:ID confirms a previewed broadcast, bc:no:ID cancels it."""
    staff, refusal = await registry.authorize(ctx, registry.COMMANDS["broadcast"])
    if staff is None:
        return refusal
    action, _, raw = payload.partition(":")
    row = await _locked(ctx, raw)
    if row is None or row.status != "preview":
        return [Reply(ctx.t("That broadcast was already confirmed or cancelled."))]
    if action != "go":
        row.status = "cancelled"
        return [Reply(ctx.t("Cancelled: nothing was sent."))]
    if row.counts.get("wechat_mass"):
        month, quota = month_of(ctx, ctx.now()), ctx.settings.wechat.mass_sends_per_month
        # The check and the reservation are one insert: of two confirmations at the same
        # instant for the month's last mass send, exactly one gets it.
        if not await broadcasts.take_mass_send(ctx.session, row.id, month, quota):
            used = await broadcasts.mass_sends_in(ctx.session, month)
            refused = used_up(ctx, row, used, quota)
            row.status, row.note = "refused", refused
            return [Reply(refused)]
        row.mass_month = month  # reserved: counts against the quota
    row.status, row.confirmed_at, row.created_by = "queued", ctx.now(), ctx.actor
    await registry.log_access(ctx, "broadcast", detail=f"{row.publication_id} {row.audience}")
    return [
        Reply(
            ctx.t(
                "Sending broadcast #{id}. Progress will appear here; outside quiet hours only.",
                id=row.id,
            )
        )
    ]


async def ledger(ctx: Ctx) -> Reply:
    rows = await broadcasts.ledger(ctx.session)
    if not rows:
        return Reply(ctx.t("No broadcasts yet."))
    lines = [ctx.t("Broadcasts (latest first):")]
    for b in rows:
        when = ctx.t.datetime(b.confirmed_at or b.created_at)
        lines.append(
            ctx.t(
                "#{id} {when} {publication} → {audience}: {total} recipients, by {who}, {status}",
                id=b.id,
                when=when,
                publication=b.publication_id,
                audience=b.audience,
                total=ctx.t.number(b.total),
                who=b.created_by,
                status=ctx.t(STATUS_LABELS.get(b.status, b.status)),
            )
        )
    return Reply("\n".join(lines))


async def figures_text(ctx: Ctx) -> str:
    """For /stats: subscribers, publications sent and unsubscribes, all time."""
    fig = await subscriptions.figures(ctx.session)
    sent = await broadcasts.count_sent(ctx.session)
    per = "、".join(f"{ch} {ctx.t.number(n)}" for ch, n in sorted(fig.by_channel.items()))
    return ctx.t(
        "Subscribers: {subscribers} ({per_channel}); publications sent: {sent} in "
        "{broadcasts} broadcasts; unsubscribed: {gone}.",
        subscribers=ctx.t.number(fig.subscribers),
        per_channel=per or "—",
        sent=ctx.t.number(fig.publications_sent),
        broadcasts=ctx.t.number(sent),
        gone=ctx.t.number(fig.unsubscribes),
    )
