"""The Telegram channel: python-telegram-bot 22, polling or webhook.

It only translates (see telegram_translate); the core decides everything.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    BaseUpdateProcessor,
    TypeHandler,
)

from bot.channels.telegram_polling import AnyApplication, ConfirmingPoller, process_now
from bot.channels.telegram_request import AiohttpRequest
from bot.channels.telegram_translate import keyboard, split_text, to_inbound
from bot.channels.telegram_updates import parse_update, quiet_library_logs, update_id_of
from bot.config import ConfigError, TelegramSettings
from bot.config_checks import webhook_secret_problem
from bot.files import TooLarge, download_limited, save_bytes
from bot.startup import StartupError, Unreachable, one_line
from handlers.conversation.locks import KeyedLocks
from handlers.conversation.messages import Attachment, Inbound, Reply, answer_sent
from handlers.conversation.private_files import remove_sent

log = logging.getLogger(__name__)

Handler = Callable[[Inbound], Awaitable[list[Reply]]]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats concurrently; one chat's updates strictly in arrival order."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks = KeyedLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        async with self._locks.hold(chat.id if chat else None):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def application_builder(
    settings: TelegramSettings,
) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """PTB configured as the channel runs it (the load benchmark's echo bot uses it too)."""
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .concurrent_updates(PerChatUpdateProcessor())
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connection_pool_size=2))
    )
    # Telegram's flood limits: about 30 messages a second in all (0: none), 20 a minute per group.
    # A bucket of one second's sends: a reply of several messages goes out at once, and a
    # broadcast's first second may carry up to twice the rate (the bucket, then the refill).
    limiter = AIORateLimiter(overall_max_rate=settings.max_sends_per_second, max_retries=3)
    builder = builder.rate_limiter(limiter)
    if settings.mode == "webhook":
        builder = builder.updater(None)
    return builder


class TelegramChannel:
    name = "telegram"
    sends_each_reply_alone = True  # the outbox records a push's replies one by one

    def __init__(
        self,
        settings: TelegramSettings,
        handler: Handler,
        *,
        files_dir: str,
        max_bytes: int,
        web_app: web.Application | None = None,
        on_handled: Callable[[], None] | None = None,
    ) -> None:
        problem = webhook_secret_problem(settings.webhook_secret)
        if settings.mode == "webhook" and problem:
            # Without a strong secret anyone who finds the URL can post updates "from" anyone,
            # an admin included: the channel refuses to run (bot/config.py says so earlier).
            raise ConfigError(f"telegram.webhook_secret: {problem}")
        quiet_library_logs()
        self.settings = settings
        self.handler = handler
        self.files_dir = files_dir
        self.max_bytes = max_bytes
        self.on_handled = on_handled  # after each update (the test harness counts them)
        self.poller: ConfirmingPoller | None = None
        self.app: AnyApplication = application_builder(settings).build()
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        self.webhook_path = "/telegram"
        if web_app is not None and settings.mode == "webhook":
            web_app.router.add_post(self.webhook_path, self._on_webhook)

    # --- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Connect (getMe), then poll or set the webhook; may be called again after a
        failure (bot/startup.py retries while Telegram cannot be reached)."""
        await self.app.initialize()
        if not self.app.running:
            await self.app.start()
        if self.settings.mode == "webhook":
            await self.app.bot.set_webhook(
                url=self.settings.webhook_url,
                secret_token=self.settings.webhook_secret,
                allowed_updates=["message", "callback_query"],
            )
        else:
            # not PTB's Updater: it confirms updates to Telegram before they are handled
            self.poller = ConfirmingPoller(self.app, timeout=10)
            self.poller.start()

    def startup_problem(self, exc: Exception) -> Unreachable:
        """A failed start, in one line that never shows the token (see bot/startup.py)."""

        def hide(text: str) -> str:
            token = self.settings.token
            return text.replace(token, "<token>") if token else text

        if isinstance(exc, InvalidToken):  # its message repeats the token
            raise StartupError(
                "telegram.token: Telegram refused the token; copy it again from @BotFather"
            ) from None
        if isinstance(exc, RetryAfter):
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            return Unreachable("Telegram asks to wait (flood control)", seconds)
        if isinstance(exc, NetworkError):  # includes TimedOut
            return Unreachable(f"Telegram: {hide(one_line(exc))}")
        if isinstance(exc, TelegramError):  # e.g. setWebhook refused: a setting to correct
            reason = hide(exc.message)
            raise StartupError(f"telegram: Telegram refused to start the bot: {reason}") from None
        raise exc

    async def stop(self) -> None:
        if self.poller is not None:
            await self.poller.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.app.bot.shutdown()  # the connections, also after a start that failed

    # --- inbound -----------------------------------------------------------------------
    async def _on_webhook(self, request: web.Request) -> web.Response:
        secret = self.settings.webhook_secret.encode()
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
        if not (secret and hmac.compare_digest(given, secret)):
            log.warning("telegram webhook call without the right secret from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json()
        except Exception:
            return web.Response(status=400, text="bad update")
        update = parse_update(data, self.app.bot)
        if update is None:
            if update_id_of(data) is None:
                return web.Response(status=400, text="bad update")
            # From Telegram but unreadable by this library version: taken (200), or Telegram
            # would post it again and again; logged by id and reason only.
            return web.Response(text="skipped")
        await process_now(self.app, update)  # answered (and so confirmed) once handled
        return web.Response(text="ok")

    async def _download(self, file_id: str, kind: str, name: str, mime: str) -> Attachment:
        """Stream the file to disk, stopping at max_bytes whatever size the update or
        getFile declared (TooLarge: the person is told the limit, nothing is kept)."""
        tg_file = await self.app.bot.get_file(file_id)
        if (tg_file.file_size or 0) > self.max_bytes:
            raise TooLarge(tg_file.file_size or 0)
        url = tg_file.file_path or ""
        if url.startswith(("http://", "https://")):
            return await download_limited(
                url,
                self.files_dir,
                max_bytes=self.max_bytes,
                kind=kind,
                file_name=name,
                mime_type=mime,
            )
        data = bytes(await tg_file.download_as_bytearray())  # a local Bot API server's file
        if len(data) > self.max_bytes:
            raise TooLarge(len(data))
        return save_bytes(self.files_dir, data, kind=kind, file_name=name, mime_type=mime)

    async def _on_update(self, update: Update, context: Any) -> None:
        try:
            await self._handle(update)
        finally:
            if self.on_handled:
                self.on_handled()

    async def _handle(self, update: Update) -> None:
        inbound = await to_inbound(update, self._download, self.max_bytes)
        query = update.callback_query
        if inbound is None:
            return
        answer = replies = await self.handler(inbound)
        if query is not None:
            try:
                await self._call("answerCallbackQuery", callback_query_id=query.id)
            except TelegramError as exc:  # too old, or not a query Telegram knows
                log.info("could not answer callback query: %s", exc)
            message = query.message
            # In a group the buttons are shared by all staff, so they stay; and they stay for
            # a press that was not handled, to be pressed again.
            unhandled = any(r.unhandled for r in replies)
            if message is not None and replies and inbound.chat_kind == "private" and not unhandled:
                first = replies[0]
                if first.buttons and first.text == getattr(message, "text", None):
                    # The same question again (a toggle): update its buttons in place.
                    await self._edit_markup(query, first)
                    replies = replies[1:]
                else:
                    await self._retire_keyboard(query)
        if update.effective_chat is not None:
            await self.deliver(str(update.effective_chat.id), replies)
        answer_sent(answer)  # a redelivery of this update is not answered again

    async def _call(self, method: str, **params: Any) -> Any:
        """A Bot API call whose answer we do not need as PTB objects.

        `Bot._post` is what `send_message` and `do_api_request` use underneath: the same
        request, rate limiter and errors, without building a Message from every answer (a
        fifth of the channel's CPU under load). `do_api_request` itself would warn on every
        call that a named method exists.
        """
        return await self.app.bot._post(method, params)

    def _message_ids(self, query: Any) -> dict[str, Any]:
        return {"chat_id": query.message.chat.id, "message_id": query.message.message_id}

    async def _edit_markup(self, query: Any, reply: Reply) -> None:
        try:
            await self._call(
                "editMessageReplyMarkup", **self._message_ids(query), reply_markup=keyboard(reply)
            )
        except BadRequest as exc:
            log.debug("could not update keyboard: %s", exc)

    async def _retire_keyboard(self, query: Any) -> None:
        """Mark the pressed button on its message and remove the old keyboard."""
        label = (
            next(
                (
                    b.text
                    for row in query.message.reply_markup.inline_keyboard
                    for b in row
                    if b.callback_data == query.data
                ),
                None,
            )
            if query.message.reply_markup
            else None
        )
        try:
            ids = self._message_ids(query)
            if label and query.message.text:
                text = f"{query.message.text}\n\n➡️ {label}"
                await self._call("editMessageText", **ids, text=text)
            else:
                await self._call("editMessageReplyMarkup", **ids)
        except BadRequest as exc:  # the message is too old or unchanged
            log.debug("could not retire keyboard: %s", exc)

    async def _on_error(self, update: object, context: Any) -> None:
        log.error("telegram update failed", exc_info=context.error)

    # --- outbound ----------------------------------------------------------------------
    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        bot = self.app.bot
        for reply in replies:
            markup = keyboard(reply)
            if reply.document:
                with Path(reply.document).open("rb") as fp:
                    await bot.send_document(
                        chat_id,
                        fp,
                        caption=reply.text[:1024] or None,
                        filename=reply.file_name,
                        reply_markup=markup,
                    )
                continue
            if reply.image:
                with Path(reply.image).open("rb") as fp:
                    await bot.send_photo(
                        chat_id, fp, caption=reply.text[:1024] or None, reply_markup=markup
                    )
                continue
            parts = split_text(reply.text or "…")
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                await self._call(
                    "sendMessage",
                    chat_id=chat_id,
                    text=part,
                    **({"reply_markup": markup} if last and markup else {}),
                )
        remove_sent(replies)  # generated documents hold personal data: gone once sent
