"""Publications on WeChat within the platform's rules (issue 22): the outbox channel
"wechat-broadcast".

- Inside a person's 48-hour window (claimed by handlers.staff.broadcast_job): one
  customer-service message. Never a template message: templates are for service notices,
  and WeChat forbids them for promotion.
- Outside it: everyone of a broadcast together, by one mass send (群发, message/mass/sendall)
  to a tag made for the broadcast ("bc-ID", tagged 50 at a time); `clientmsgid` makes WeChat
  refuse a repeat, so a retry after a crash never sends twice. Only the newest KEEP_TAGS
  broadcast tags are kept (an account has at most 100 tags).
- Subscribers get the account's subscribers tag (wechat.subscribers_tag) as they subscribe,
  and lose it when they stop (`sync_tags`, every minute), so the account's own console sees
  them too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import or_, select, update

from bot.channels.base import DeliveryHeld
from bot.channels.numbered import remember_pushed, render
from bot.channels.wechat import pack
from bot.channels.wechat_api import OUT_OF_WINDOW, WeChatApi, WeChatApiError
from bot.config import WeChatSettings
from handlers.conversation.messages import Reply
from storage import broadcasts
from storage.db import Database
from storage.models import Subscription

log = logging.getLogger(__name__)

TAG_PREFIX = "bc-"
KEEP_TAGS = 10


class WeChatBroadcastChannel:
    name = "wechat-broadcast"

    def __init__(self, settings: WeChatSettings, api: WeChatApi, db: Database) -> None:
        self.settings = settings
        self.api = api
        self.db = db

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> str:
        texts, _choices = render(replies)
        if chat_id.startswith("mass:"):
            return await self._mass(int(chat_id.removeprefix("mass:")), texts)
        try:
            for chunk in pack(texts):
                await self.api.send_text(chat_id, chunk)
        except WeChatApiError as exc:
            if exc.errcode not in OUT_OF_WINDOW:
                raise  # retried by the dispatcher
            # the window closed meanwhile: counted as not delivered, never a template
            raise DeliveryHeld(f"outside the customer-service window: {exc}") from exc
        await remember_pushed(self.db, "wechat", chat_id, replies)  # "1" = Unsubscribe
        return "customer_service"

    async def _mass(self, broadcast_id: int, texts: list[str]) -> str:
        async with self.db.session() as session:
            openids = await broadcasts.mass_openids(session, broadcast_id)
        if not openids:
            return "mass"
        name = f"{TAG_PREFIX}{broadcast_id}"
        await self._tidy_tags(keep=name)
        tag_id = await self.api.tag_id(name)
        assert tag_id is not None
        await self.api.tag_members(tag_id, openids)
        msg_id = await self.api.mass_send_text(tag_id, "\n\n".join(texts), f"bc-{broadcast_id}")
        log.info("broadcast %s: mass send %s to %d people", broadcast_id, msg_id, len(openids))
        return "mass"

    async def _tidy_tags(self, keep: str) -> None:
        ours = [
            tag
            for tag in await self.api.tags()
            if str(tag.get("name", "")).startswith(TAG_PREFIX) and tag.get("name") != keep
        ]
        ours.sort(key=lambda tag: int(tag["id"]))
        for tag in ours[: max(len(ours) - (KEEP_TAGS - 1), 0)]:
            await self.api.delete_tag(int(tag["id"]))

    async def sync_tags(self, limit: int = 1000) -> int:
        """Give new subscribers the subscribers tag and take it from those who left. The API
        is called outside any transaction (its token lives in the database); tagging twice,
        should two instances meet here, does no harm."""
        async with self.db.session() as session:
            stmt = (
                select(Subscription.id, Subscription.chat_id, Subscription.wechat_tag)
                .where(
                    Subscription.channel == "wechat",
                    or_(
                        (Subscription.active.is_(True)) & (Subscription.wechat_tag == ""),
                        Subscription.wechat_tag == "untag",
                    ),
                )
                .limit(limit)
            )
            rows = (await session.execute(stmt)).all()
        if not rows:
            return 0
        tag_id = await self.api.tag_id(self.settings.subscribers_tag)
        assert tag_id is not None
        for state, remove, after in (("", False, "tagged"), ("untag", True, "gone")):
            chosen = [(i, openid) for i, openid, tag in rows if tag == state]
            if not chosen:
                continue
            await self.api.tag_members(tag_id, [o for _, o in chosen], remove=remove)
            async with self.db.session() as session:
                await session.execute(
                    update(Subscription)
                    .where(
                        Subscription.id.in_([i for i, _ in chosen]),
                        Subscription.wechat_tag == state,  # unchanged meanwhile
                    )
                    .values(wechat_tag=after)
                )
        return len(rows)
