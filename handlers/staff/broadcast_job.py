"""Delivering a confirmed broadcast: subscribers become pushes, paced to the send rate, and
the admin sees "sent 1,200 of 3,400" (issue 22). Run often by every bot process
(bot/app.py); a broadcast is leased to one process at a time, and a receipt per publication
and person makes every person get a publication once.

Routes: Telegram and the console through the outbox (the dispatcher keeps Telegram within
`telegram.max_sends_per_second`); WeChat inside a person's 48-hour window as one
customer-service message (the window is claimed here, never a template message); WeChat
outside it: all of them together by one mass send to a tag, counted against the month's
quota (channel "wechat-broadcast", bot/channels/wechat_broadcast.py). Nothing is queued in
quiet hours (followup.quiet_start/end); a broadcast waits for the morning.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.followups import in_quiet_hours
from handlers.conversation.core import Core
from handlers.conversation.messages import Reply
from handlers.office.publications import WECHAT_CHANNEL, find, render
from handlers.staff.broadcast import parse_audience
from knowledge.publications import Publication
from storage import broadcasts, outbox
from storage.models import Broadcast, OutboxMessage, Person, Subscription

log = logging.getLogger(__name__)

BACKLOG_SECONDS = 20  # pushes queued ahead of the send rate (quiet hours start on time)


async def tick(core: Core, now: datetime) -> bool:
    """One pass over one broadcast; True when it did something (call again soon)."""
    if in_quiet_hours(core.settings, now):
        return False
    async with core.db.session() as session:
        row = await broadcasts.claim(session, now)
        if row is None:
            return False
        broadcast_id = row.id
    async with core.db.session() as session:
        row = await session.get(Broadcast, broadcast_id)
        assert row is not None
        try:
            return await _work(core, session, row, now)
        finally:
            row.locked_until = None


async def _work(core: Core, session: AsyncSession, row: Broadcast, now: datetime) -> bool:
    pub = await find(session, row.publication_id)
    audience = parse_audience(row.audience)
    if pub is None or audience is None:
        row.status, row.note = "refused", "the publication is no longer available"
        return False
    row.status = "sending"
    states = await broadcasts.delivery(session, row.id)
    rate = core.settings.telegram.max_sends_per_second or 100.0
    room = max(int(rate * BACKLOG_SECONDS) - states.get("pending", 0), 0)
    expanded, more = 0, room == 0  # a full queue: more may come once it has room
    if room:
        subs = await broadcasts.unreceipted(session, pub.id, pub.kind, audience, room)
        expanded = await _expand(core, session, row, pub, subs, now)
        more = len(subs) == room
    if not more and await _queue_mass(core, session, row, pub, now):
        expanded += 1
    await _progress(core, session, row, now, expanding=more)
    return expanded > 0


async def _expand(
    core: Core,
    session: AsyncSession,
    row: Broadcast,
    pub: Publication,
    subs: Sequence[Subscription],
    now: datetime,
) -> int:
    if not subs:
        return 0
    wechat = core.settings.wechat
    openids = [s.chat_id for s in subs if s.channel == "wechat"]
    cutoff = now - timedelta(hours=wechat.window_hours)
    in_window = await broadcasts.open_windows(session, openids, cutoff, wechat.window_max_messages)
    receipts: list[dict[str, Any]] = []
    for s in subs:
        route = "push"
        if s.channel == "wechat":
            route = "customer_service" if s.chat_id in in_window else "mass"
        key = (
            broadcasts.mass_key(row.id)
            if route == "mass"
            else broadcasts.push_key(pub.id, s.person_id)
        )
        receipts.append(
            dict(
                publication_id=pub.id,
                person_id=s.person_id,
                broadcast_id=row.id,
                channel=s.channel,
                chat_id=s.chat_id,
                route=route,
                outbox_key=key,
                created_at=now,
            )
        )
    new = await broadcasts.add_receipts(session, receipts)
    locales = await _locales(session, list(new))
    rendered: dict[str | None, dict[str, Any]] = {}
    pushes = []
    for r in receipts:
        if r["person_id"] not in new or r["route"] == "mass":
            continue
        locale = locales.get(r["person_id"])
        if locale not in rendered:
            rendered[locale] = render(core.translator(locale), pub).to_dict()
        channel = WECHAT_CHANNEL if r["channel"] == "wechat" else r["channel"]
        pushes.append(
            dict(
                key=r["outbox_key"],
                channel=channel,
                chat_id=r["chat_id"],
                person_id=r["person_id"],
                payload={"replies": [rendered[locale]]},
            )
        )
    await broadcasts.enqueue_many(session, pushes)
    return len(new)


async def _locales(session: AsyncSession, person_ids: list[int]) -> dict[int, str | None]:
    if not person_ids:
        return {}
    rows = await session.execute(select(Person.id, Person.locale).where(Person.id.in_(person_ids)))
    return {int(pid): loc for pid, loc in rows.all()}


async def _queue_mass(
    core: Core, session: AsyncSession, row: Broadcast, pub: Publication, now: datetime
) -> bool:
    """Once everyone is expanded: the one mass send for those outside their window."""
    key = broadcasts.mass_key(row.id)
    if await session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return False
    if not (await broadcasts.routes(session, row.id)).get("mass"):
        row.mass_month = None  # reserved at the preview, not needed: the quota is kept
        await broadcasts.release_mass_send(session, row.id)
        return False
    if row.mass_month is None:
        month = now.astimezone(core.settings.tz).strftime("%Y-%m")
        quota = core.settings.wechat.mass_sends_per_month
        if not await broadcasts.take_mass_send(session, row.id, month, quota):
            dropped = await broadcasts.drop_mass(session, row.id)
            row.note = f"{dropped} WeChat subscribers not reached: mass sends of {month} used up"
            log.warning("broadcast %s: %s", row.id, row.note)
            return False
        row.mass_month = month
    text = render(core.translator(), pub, buttons=False)
    await outbox.enqueue(
        session,
        key=key,
        channel=WECHAT_CHANNEL,
        chat_id=f"mass:{row.id}",
        payload={"replies": [text.to_dict()]},
    )
    return True


async def _progress(
    core: Core, session: AsyncSession, row: Broadcast, now: datetime, *, expanding: bool
) -> None:
    """ "sent 1,200 of 3,400" in the admin's chat, every tenth, and the end."""
    states = await broadcasts.delivery(session, row.id)
    queued = sum(states.values())
    sent, failed = states.get("delivered", 0), states.get("failed", 0) + states.get("held", 0)
    total = max(queued, row.total) if expanding else queued  # the preview's count meanwhile
    row.total = total
    finished = not expanding and sent + failed >= total
    if not finished and sent - row.reported < max(total // 10, 1):
        return
    t = core.translator()
    text = t(
        "Broadcast #{id}: sent {sent} of {total}.",
        id=row.id,
        sent=t.number(sent),
        total=t.number(total),
    )
    if finished:
        row.status, row.finished_at = "done", now
        if failed:
            text += " " + t("{n} could not be delivered.", n=t.number(failed))
        if row.note:
            text += "\n" + row.note
    row.reported = sent
    await outbox.enqueue(
        session,
        key=f"bc:{row.id}:progress:{sent}:{int(finished)}",
        channel=row.channel,
        chat_id=row.chat_id,
        payload={"replies": [Reply(text).to_dict()]},
    )
