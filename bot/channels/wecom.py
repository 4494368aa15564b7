"""The WeCom (企业微信) channel, for staff: a self-built app for commands, a robot for notices.

A WeCom app cannot read what is typed in a group. So staff type commands in the app's
one-to-one chat (the callback at `settings.path`), and work-group notices go to the group
through its robot (`deliver(GROUP, ...)`), their buttons written as commands to type.

WeCom waits 5 seconds for the callback's answer. A handler that is done within the budget is
answered passively (one encrypted text); otherwise the call gets an empty 200 and the
replies go through the outbox and the app message API, keyed by the MsgId, so a retry of
the call neither loses nor doubles them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.channels import wecom_callback as callback
from bot.channels.numbered import remember_pushed, render
from bot.channels.text_parts import utf8_len
from bot.channels.wecom_api import MediaTooLarge, WeComApi
from bot.channels.wecom_outbound import WeComOutbound
from bot.channels.wecom_render import TEXT_LIMIT
from bot.config import WeComSettings
from bot.files import save_bytes
from handlers.conversation.messages import (
    Attachment,
    AttachmentRefused,
    Inbound,
    Reply,
    answer_handed_over,
    answer_sent,
)
from storage import outbox
from storage.db import Database

log = logging.getLogger(__name__)

Handler = Callable[[Inbound], Awaitable[list[Reply]]]

# The work group's chat id. A WeCom UserID starts with a letter or digit, so no member's
# private chat can ever be taken for the group.
GROUP = "#group"
REPLY_BUDGET = 4.0  # seconds; WeCom gives up on the callback after 5
RECENT_SECONDS = 120.0  # how long a handled MsgId's result is kept for WeCom's retries


@dataclass
class _Call:
    """One message being handled; WeCom's retries of it join the same task."""

    user_id: str
    late: bool = False  # the callback was answered empty: the replies go through the outbox
    task: asyncio.Task[list[Reply]] | None = field(default=None, repr=False)


def _retrieve(task: asyncio.Task[list[Reply]]) -> None:
    """Mark a failure as seen (it is logged in _run) when no callback is waiting any more."""
    if not task.cancelled():
        task.exception()


class WeComChannel:
    name = "wecom"

    def __init__(
        self,
        settings: WeComSettings,
        handler: Handler,
        db: Database,
        *,
        files_dir: str,
        max_bytes: int,
        web_app: web.Application | None = None,
        reply_budget: float = REPLY_BUDGET,
        max_body: int = callback.MAX_BODY,
        site_robots: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.site_robots = site_robots or {}  # site id -> its group robot's webhook
        self.handler = handler
        self.db = db
        self.files_dir = files_dir
        self.max_bytes = max_bytes
        self.reply_budget = reply_budget
        self.max_body = max_body
        self.api = WeComApi(settings, db)
        self.outbound = WeComOutbound(self.api, db)
        self.crypto: WeChatCrypto | None = None
        self.replays = callback.ReplayGuard(db, "wecom")
        self._calls: dict[str, _Call] = {}
        if settings.app_enabled:
            self.crypto = WeChatCrypto(settings.token, settings.encoding_aes_key, settings.corp_id)
            if web_app is not None:
                web_app.router.add_get(settings.path, self._on_verify)
                web_app.router.add_post(settings.path, self._on_callback)

    # --- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        if not self.settings.app_enabled:
            log.info("wecom: no app configured; only work-group notices through the robot")

    async def stop(self) -> None:
        """Let messages in progress finish (their late replies reach the outbox)."""
        tasks = [c.task for c in self._calls.values() if c.task and not c.task.done()]
        if tasks:
            await asyncio.wait(tasks, timeout=30)
        await self.api.close()

    # --- the callback ------------------------------------------------------------------
    async def _on_verify(self, request: web.Request) -> web.Response:
        assert self.crypto is not None
        try:
            echo = callback.verify_url(self.crypto, request.query)
        except callback.Refused as exc:
            return self._refused(request, exc)
        return web.Response(text=echo)

    def _refused(self, request: web.Request, exc: callback.Refused) -> web.Response:
        log.warning("wecom callback refused (%s): %s from %s", exc.status, exc, request.remote)
        return web.Response(status=exc.status, text="refused")

    async def _on_callback(self, request: web.Request) -> web.Response:
        assert self.crypto is not None
        try:
            body = await callback.read_body(request, self.max_body)
            message = callback.incoming(callback.open_message(self.crypto, request.query, body))
            query = request.query
            await self.replays.check(query.get("timestamp", ""), query.get("nonce", ""), body)
        except callback.Refused as exc:
            return self._refused(request, exc)
        if message is None:
            return web.Response(text="")
        call = self._calls.get(message.key)
        if call is None:
            call = self._calls[message.key] = _Call(message.user_id)
            call.task = asyncio.create_task(self._run(call, message), name=f"wecom:{message.key}")
            call.task.add_done_callback(_retrieve)
        elif call.late:
            return web.Response(text="")  # the outbox has (or will have) the replies
        assert call.task is not None
        await asyncio.wait([call.task], timeout=self.reply_budget)
        if not call.task.done() or call.late:
            call.late = True
            return web.Response(text="")
        if call.task.exception() is not None:
            return web.Response(status=500, text="failed")  # WeCom retries; nothing was kept
        return await self._answer(request, message, call.task.result())

    async def _run(self, call: _Call, message: callback.Incoming) -> list[Reply]:
        """Handle one message; when the callback could not wait, queue the replies."""
        try:
            inbound = await self._to_inbound(message)
            replies = await self.handler(inbound) if inbound else []
        except Exception:
            log.exception("wecom message %s failed", message.key)
            self._calls.pop(message.key, None)  # nothing was kept: WeCom's retry starts afresh
            raise
        # No await between this check and the end of the task: the callback either sees
        # the task done (and answers passively) or has marked it late before.
        if call.late:
            await self._queue(message, replies)
        asyncio.get_running_loop().call_later(RECENT_SECONDS, self._calls.pop, message.key, None)
        return replies

    async def _answer(
        self, request: web.Request, message: callback.Incoming, replies: list[Reply]
    ) -> web.Response:
        """A passive reply when it fits one text message; the outbox otherwise."""
        nonce = request.query.get("nonce", "")
        texts, _ = render(replies)
        joined = "\n\n".join(texts)
        passive = all(not (r.image or r.document) for r in replies)
        if not replies or not joined.strip():
            answer_sent(replies)
            return web.Response(text="")
        if passive and utf8_len(joined) <= TEXT_LIMIT:
            assert self.crypto is not None
            xml = callback.passive_reply(
                self.crypto,
                corp_id=self.settings.corp_id,
                user_id=message.user_id,
                text=joined,
                nonce=nonce,
            )
            response = web.Response(text=xml, content_type="application/xml")
            await response.prepare(request)  # written out before the answer counts as sent
            await response.write_eof()
            answer_sent(replies)
            return response
        await self._queue(message, replies)
        return web.Response(text="")

    async def _queue(self, message: callback.Incoming, replies: Sequence[Reply]) -> None:
        """The replies to `message` into the outbox, once however often this is called."""
        if not replies:
            return
        async with self.db.session() as session:
            await answer_handed_over(session, replies)  # in the transaction that queues it
            await outbox.enqueue(
                session,
                key=f"wecom:reply:{message.key}",
                channel=self.name,
                chat_id=message.user_id,
                payload={"replies": [r.to_dict() for r in replies]},
            )

    # --- inbound -----------------------------------------------------------------------
    async def _to_inbound(self, message: callback.Incoming) -> Inbound | None:
        base: dict[str, Any] = dict(
            channel=self.name,
            update_key=message.key,
            sender_id=message.user_id,
            chat_id=message.user_id,
            chat_kind="private",
            text_only=True,  # the core resolves "2" against the choices it showed last
        )
        if message.kind in ("text", "click"):
            return Inbound(**base, text=message.text.strip())
        if message.kind in ("image", "file") and message.media_id:
            kind = "photo" if message.kind == "image" else "document"
            got = await self._download(message, kind)
            if isinstance(got, Attachment):
                return Inbound(**base, attachments=(got,))
            return Inbound(**base, refused=(got,))
        if message.kind in ("voice", "video"):
            refused = AttachmentRefused(message.kind, "unsupported")
            return Inbound(**base, refused=(refused,))
        return None  # location, link, ...: nothing the bot can act on

    async def _download(
        self, message: callback.Incoming, kind: str
    ) -> Attachment | AttachmentRefused:
        try:
            data, name, mime = await self.api.download(message.media_id, self.max_bytes)
        except MediaTooLarge as exc:
            return AttachmentRefused(kind, "too_large", exc.size, message.file_name)
        except Exception as exc:
            log.warning("wecom media %s could not be fetched: %s", message.media_id, exc)
            return AttachmentRefused(kind, "failed", 0, message.file_name)
        name = message.file_name or name
        if kind == "photo" and not mime.startswith("image/"):
            mime = "image/jpeg"
        return save_bytes(self.files_dir, data, kind=kind, file_name=name, mime_type=mime)

    # --- outbound ----------------------------------------------------------------------
    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> str:
        if chat_id == GROUP:
            await self.outbound.to_group(list(replies))
            return "robot"
        if chat_id.startswith(GROUP + ":"):  # a site's own group (issue 21)
            url = self.site_robots.get(chat_id.removeprefix(GROUP + ":"), "")
            if not url:
                raise RuntimeError(f"no robot configured for {chat_id}")
            await self.outbound.to_group(list(replies), url)
            return "robot"
        await self.outbound.to_member(chat_id, list(replies))
        await remember_pushed(self.db, self.name, chat_id, replies)
        return "app"
