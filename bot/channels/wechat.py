"""The WeChat Official Account channel: an aiohttp webhook, passive replies, and pushes.

WeChat gives a callback 5 seconds. A reply ready within the budget (about 4 s) goes back
passively in the HTTP answer; otherwise the answer is "success" and the replies follow as
customer-service messages through the outbox. WeChat retries an unanswered call three
times: the core records each MsgId in the database, so a retry never files anything twice,
and a retry arriving while the first call is still being handled waits for that one.

Text chats have no buttons: choices are numbered ("reply 2") and remembered in the
database (bot.channels.numbered). Pushes use customer-service messages inside WeChat's
window after the person's last message (48 hours, at most a few messages); otherwise a
template message announces the update and the full text is held until the person writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import CursorResult, update

from bot import metrics
from bot.channels.base import DeliveryHeld
from bot.channels.callback_checks import Refused, ReplayGuard, read_body
from bot.channels.numbered import remember_pushed, render, texts_for
from bot.channels.text_parts import split_utf8
from bot.channels.wechat_api import OUT_OF_WINDOW, WeChatApi, WeChatApiError
from bot.channels.wechat_xml import CallbackParams, Codec, Forged, Malformed
from bot.config import WeChatSettings
from bot.files import save_bytes
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import (
    Attachment,
    AttachmentRefused,
    Inbound,
    Reply,
    answer_handed_over,
    answer_sent,
)
from handlers.conversation.private_files import remove_sent
from storage import outbox
from storage.db import Database
from storage.models import Identity, utcnow

log = logging.getLogger(__name__)

Handler = Callable[[Inbound], Awaitable[list[Reply]]]

TEXT_LIMIT = 2000  # bytes of UTF-8 per message (WeChat's limit is 2048)
CASE_REF = re.compile(r"\b[A-Z]{1,6}-\d{4}-\d{6}\b")
MENU_KEYS = ("m:",)  # custom-menu CLICK keys that are button payloads ("m:file", ...)

NO_FILES = _(
    "({name}: WeChat cannot carry files here. Ask the center's staff for a copy, "
    "or collect it at the center.)"
)
TEMPLATE_FIRST = _("There is news about your case.")
TEMPLATE_REMARK = _("Send any message to this account to read the full text.")


def pack(texts: Sequence[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Join texts into as few messages as fit the byte limit; split what is too long."""
    chunks: list[str] = []
    for text in texts:
        for piece in split_utf8(text, limit):
            if chunks and len(f"{chunks[-1]}\n\n{piece}".encode()) <= limit:
                chunks[-1] = f"{chunks[-1]}\n\n{piece}"
            else:
                chunks.append(piece)
    return chunks


def update_key(message: Any) -> str:
    """MsgId for messages; sender + CreateTime (+ event) for events, which have none."""
    if getattr(message, "id", 0):
        return str(message.id)
    return f"{message.source}:{message.time}:{getattr(message, 'event', '')}"


class WeChatChannel:
    name = "wechat"

    def __init__(
        self,
        settings: WeChatSettings,
        handler: Handler,
        db: Database,
        *,
        files_dir: str,
        max_bytes: int,
        web_app: web.Application | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        self.settings = settings
        self.handler = handler
        self.db = db
        self.files_dir = files_dir
        self.max_bytes = max_bytes
        self.tz = tz or ZoneInfo("Asia/Shanghai")
        self.api = WeChatApi(settings, db)
        self.codec = Codec(
            settings.token, settings.encoding_aes_key, settings.app_id, settings.mode
        )
        self.replays = ReplayGuard(db, "wechat")
        self._inflight: dict[str, asyncio.Task[list[Reply]]] = {}
        self._by_push: set[str] = set()  # calls answered "success": their answer is a push
        self._background: set[asyncio.Task[None]] = set()
        if web_app is not None:
            web_app.router.add_get(settings.path, self.on_get)
            web_app.router.add_post(settings.path, self.on_post)

    async def start(self) -> None:
        log.info("WeChat webhook at %s (%s mode)", self.settings.path, self.settings.mode)

    async def stop(self) -> None:
        for task in list(self._inflight.values()) + list(self._background):
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(task), timeout=10)
        await self.api.close()

    # --- inbound -----------------------------------------------------------------------
    async def on_get(self, request: web.Request) -> web.Response:
        """URL verification when the server address is saved in the console."""
        params = CallbackParams.from_query(request.query)
        try:
            echo = self.codec.verify_url(params, request.query.get("echostr", ""))
        except Forged as exc:
            log.warning("forged WeChat verification from %s: %s", request.remote, exc)
            return web.Response(status=403, text="forbidden")
        return web.Response(text=echo)

    async def on_post(self, request: web.Request) -> web.Response:
        try:
            body = await read_body(request, self.settings.max_body_kb * 1024)
        except Refused as exc:
            return web.Response(status=exc.status, text="too large")
        params = CallbackParams.from_query(request.query)
        try:
            message = self.codec.read(params, body)
        except Forged as exc:
            log.warning("forged WeChat call from %s: %s", request.remote, exc)
            return web.Response(status=403, text="forbidden")
        except Malformed as exc:
            log.warning("unreadable WeChat call from %s: %s", request.remote, exc)
            return web.Response(status=400, text="bad request")
        try:  # a signature is only as good as its freshness (plain mode: not of the body)
            await self.replays.check(params.timestamp, params.nonce, body)
        except Refused as exc:
            log.warning("replayed WeChat call from %s: %s", request.remote, exc.reason)
            return web.Response(status=exc.status, text="forbidden")
        replies = await self._handle_within_budget(message)
        if replies is None:
            return web.Response(text="success")
        texts = self._render(replies)  # the core remembered the choices
        chunks = pack(texts)
        if not chunks:
            answer_sent(replies)
            return web.Response(text="success")
        if len(chunks) > 1:  # a passive reply is one message: the rest follows as pushes
            await self._enqueue(message.source, f"wechat-more:{update_key(message)}", chunks[1:])
        response = web.Response(
            text=self.codec.reply(message, chunks[0], params), content_type="application/xml"
        )
        await response.prepare(request)  # written out before the answer counts as sent
        await response.write_eof()
        answer_sent(replies)
        return response

    async def _handle_within_budget(self, message: Any) -> list[Reply] | None:
        """The replies if ready within the budget; None when they will come as pushes."""
        key = update_key(message)
        if key in self._by_push:  # already promised as a push: answering again would double
            return None
        task = self._inflight.get(key)
        if task is None:  # a retry of a call still in progress waits for the same task
            task = asyncio.create_task(self._process(message))
            self._inflight[key] = task
            task.add_done_callback(lambda _t: self._inflight.pop(key, None))
        try:
            replies = await asyncio.wait_for(
                asyncio.shield(task), timeout=self.settings.reply_budget_seconds
            )
        except TimeoutError:
            log.info("WeChat %s: over the reply budget, answering by push", key)
            metrics.WECHAT_LATE.inc()
            self._by_push.add(key)
            self._spawn(self._push_when_done(message, task))
            return None
        except Exception:
            log.exception("WeChat %s failed", key)
            return None
        return replies or None

    async def _process(self, message: Any) -> list[Reply]:
        inbound = await self.to_inbound(message)
        return await self.handler(inbound) if inbound is not None else []

    async def _push_when_done(self, message: Any, task: asyncio.Task[list[Reply]]) -> None:
        key = update_key(message)
        try:
            replies = await task
            if replies:
                await self._enqueue_replies(
                    message.source, f"wechat-reply:{key}", replies, answer=replies
                )
        except Exception:
            log.exception("WeChat %s: the late answer could not be queued", key)
        finally:  # WeChat stops retrying after 3 tries within about 15 s
            asyncio.get_running_loop().call_later(30, self._by_push.discard, key)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def to_inbound(self, message: Any) -> Inbound | None:
        """The neutral message for a WeChat message or event (None: nothing to handle)."""
        openid = message.source
        base: dict[str, Any] = dict(
            channel="wechat",
            update_key=update_key(message),
            sender_id=openid,
            chat_id=openid,
            chat_kind="private",
            text_only=True,  # the core resolves "2" and releases held pushes
        )
        kind = message.type
        if kind == "text":
            return Inbound(**base, text=message.content or "")
        if kind == "image":
            return Inbound(**base, **await self._media(message.media_id, "photo"))
        if kind == "voice":
            heard = (getattr(message, "recognition", "") or "").strip()
            if heard:  # WeChat's speech recognition (being retired; often empty)
                return Inbound(**base, text=heard)
            return Inbound(**base, refused=(AttachmentRefused("voice", "unsupported"),))
        if kind in ("video", "shortvideo"):
            return Inbound(**base, refused=(AttachmentRefused("video", "unsupported"),))
        if kind == "location":
            return Inbound(**base, text=message.label or "")
        if kind == "link":
            return Inbound(**base, text=f"{message.title} {message.url}".strip())
        if kind == "event":
            return self._event_inbound(base, message)
        return Inbound(**base, refused=(AttachmentRefused(kind or "unknown", "unsupported"),))

    def _event_inbound(self, base: dict[str, Any], message: Any) -> Inbound | None:
        event = message.event
        if event in ("subscribe", "subscribe_scan", "scan"):  # welcome; a QR code's site
            scene = (getattr(message, "scene_id", "") or "").strip()[:100] or None
            return Inbound(**base, text="/start", entry_source=scene)
        if event == "click":
            key = message.key or ""
            if key.startswith(MENU_KEYS):
                return Inbound(**base, button=key)
            return Inbound(**base, text="/start")
        if event == "templatesendjobfinish" and message.status != "success":
            log.warning("a WeChat template message was not delivered: %s", message.status)
        return None  # unsubscribe, view, location reports, job reports: nothing to say

    async def _media(self, media_id: str, kind: str) -> dict[str, Any]:
        try:
            got = await self.api.download_media(media_id, self.max_bytes)
        except Exception as exc:
            log.warning("WeChat media download failed: %s", exc)
            return {"refused": (AttachmentRefused(kind, "failed"),)}
        if got is None:
            return {"refused": (AttachmentRefused(kind, "too_large", self.max_bytes + 1),)}
        data, mime = got
        suffix = {"image/png": ".png", "image/gif": ".gif"}.get(mime, ".jpg")
        attachment: Attachment = save_bytes(
            self.files_dir, data, kind=kind, file_name=f"wechat{suffix}", mime_type=mime
        )
        return {"attachments": (attachment,)}

    # --- outbound ----------------------------------------------------------------------
    def _render(self, replies: Sequence[Reply]) -> list[str]:
        """The texts to send: numbered buttons, and a note where a file cannot be sent."""
        texts, _choices = render(replies)
        t = texts_for(replies)
        for reply in replies:
            if reply.document or reply.image:
                name = reply.file_name or "📄"
                texts.append(t(NO_FILES, name=name))
        remove_sent(replies)  # files are not sent here; generated documents go now
        return texts

    async def _enqueue(self, openid: str, key: str, chunks: Sequence[str]) -> None:
        await self._enqueue_replies(openid, key, [Reply(text=c) for c in chunks])

    async def _enqueue_replies(
        self,
        openid: str,
        key: str,
        replies: Sequence[Reply],
        *,
        status: str = "pending",
        answer: Sequence[Reply] | None = None,
    ) -> None:
        """Queue a push; `answer`: the core's answer it carries, handed over in the same
        transaction (a redelivery of the message then finds it sent)."""
        async with self.db.session() as session:
            await answer_handed_over(session, answer)
            await outbox.enqueue(
                session,
                key=key,
                channel="wechat",
                chat_id=openid,
                payload={"replies": [r.to_dict() for r in replies]},
                status=status,
            )

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> str:
        """A push: customer-service messages inside the window, else a template message."""
        texts = self._render(replies)
        chunks = pack(texts)
        if chunks and await self._claim_window(chat_id, len(chunks)):
            try:
                for chunk in chunks:
                    await self.api.send_text(chat_id, chunk)
            except WeChatApiError as exc:
                if exc.errcode not in OUT_OF_WINDOW:
                    raise
                log.info("WeChat refused a customer-service message (%s); template", exc)
            else:
                await remember_pushed(self.db, self.name, chat_id, replies)
                return "customer_service"
        return await self._deliver_template(chat_id, replies, texts)

    async def _claim_window(self, openid: str, count: int) -> bool:
        """Reserve `count` customer-service messages in the person's window, if it is open."""
        cutoff = utcnow() - timedelta(hours=self.settings.window_hours)
        async with self.db.session() as session:
            result = await session.execute(
                update(Identity)
                .where(
                    Identity.channel == "wechat",
                    Identity.external_id == openid,
                    Identity.last_seen_at > cutoff,
                    Identity.window_pushes + count <= self.settings.window_max_messages,
                )
                .values(window_pushes=Identity.window_pushes + count)
            )
            return bool(cast(CursorResult[Any], result).rowcount)  # an UPDATE's result

    async def _deliver_template(
        self, openid: str, replies: Sequence[Reply], texts: list[str]
    ) -> str:
        template_id = self.settings.template_ids.get("case_update", "")
        if not template_id:
            raise DeliveryHeld(
                "outside WeChat's customer-service window and no template message "
                "configured (wechat.template_ids.case_update); kept until the person writes"
            )
        full = "\n".join(texts)
        t = texts_for(replies)
        ref = CASE_REF.search(full)
        first_line = next((line for line in full.splitlines() if line.strip()), "")
        if ref:  # the number has its own field; the summary keeps the news
            first_line = first_line.replace(ref.group(0), "").strip(" ：:，,。案件")
        await self.api.send_template(
            openid,
            template_id,
            {
                "first": t(TEMPLATE_FIRST),
                "keyword1": ref.group(0) if ref else "—",
                "keyword2": first_line[:20],  # template fields hold about 20 characters
                "keyword3": datetime.now(self.tz).strftime("%Y-%m-%d %H:%M"),
                "remark": t(TEMPLATE_REMARK),
            },
        )
        digest = hashlib.sha256(f"{openid}\n{full}".encode()).hexdigest()[:32]
        await self._enqueue_replies(openid, f"wechat-full:{digest}", replies, status="held")
        return "template"

    async def qr_url(self, site: str) -> str:
        """What a parametric QR code for `site` encodes (scanning it records the site)."""
        return await self.api.create_qr(site)
