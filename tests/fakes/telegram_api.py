"""A small but real fake of the Telegram Bot API, served over HTTP by aiohttp.

Point python-telegram-bot at it with::

    async with FakeTelegramServer() as server:
        app = (
            ApplicationBuilder()
            .token("123:ABC")
            .base_url(server.base_url)
            .base_file_url(server.base_file_url)
            .build()
        )

Tests then play the user (``user_sends``, ``user_presses``, ``user_sends_photo`` ...) and
assert on what the bot sent (``sent_messages``, ``wait_for_messages``, ``calls`` ...).

How PTB 22 talks to the server (as observed from the installed source):

* ``Bot`` builds ``f"{base_url}{token}/{method}"`` (unless ``base_url`` contains ``{token}``), so
  ``base_url`` must end in ``/bot``.  Same for ``base_file_url`` + token.
* Every API call is a POST.  Without uploads the body is ``application/x-www-form-urlencoded``;
  with uploads it is ``multipart/form-data``.  In both cases every non-``str`` parameter is
  JSON-encoded on its own (``chat_id=123``, ``reply_markup={"inline_keyboard": ...}``) while
  ``str`` parameters are sent verbatim.  This fake also accepts a JSON body and query strings.
* ``Bot.get_file`` rewrites the returned relative ``file_path`` to
  ``f"{base_file_url}{token}/{file_path}"``; downloads are plain GETs of that URL.

Behaviour worth knowing:

* Updates stay queued until the bot confirms them with a higher ``offset`` (like Telegram).
  An update queued with an ``update_id`` that was already confirmed is discarded at once and
  recorded in ``dropped_updates``; a duplicate queued *before* confirmation is delivered twice.
* ``editMessageText`` without ``reply_markup`` removes the inline keyboard, and an edit that
  changes nothing fails with "message is not modified" -- both as on the real server.
* Texts are stored as sent: ``parse_mode`` markup is not parsed into entities.

Webhooks: a webhook URL must be HTTPS, as on the real server, so the fake cannot post to it
directly. ``route_webhook(url, ...)`` plays the HTTPS proxy in front of the bot: while a
webhook is set, every update is POSTed (with the ``secret_token`` header) to one of the given
local URLs in turn, one chat's updates in order, and kept pending until a 2xx answer.

For load tests, ``listeners`` are called with every successful ``Call`` as it completes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

__all__ = ["Call", "FakeTelegramServer", "StoredFile", "UploadedFile"]

JSONDict = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

#: Parameters that are always strings; form values for these are never JSON-decoded.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "url",
        "secret_token",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "parse_mode",
        "action",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "ip_address",
        "query",
        "title",
        "description",
        "short_description",
        "name",
        "emoji",
        "custom_emoji_id",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
        "address",
        "question",
        "payload",
        "currency",
        "start_parameter",
        "provider_token",
    }
)
_NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@dataclass
class UploadedFile:
    """A file part received in a multipart request."""

    field_name: str
    filename: str | None
    content_type: str
    content: bytes


@dataclass
class StoredFile:
    """A file the fake can serve through getFile + download."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None
    #: The size the update and getFile state: the true one (-1), none (None), or a lie.
    #: A file that does not state its true size is also served without Content-Length.
    declared_size: int | None = -1

    def stated_size(self) -> JSONDict:
        if self.declared_size is None:
            return {}
        size = len(self.content) if self.declared_size == -1 else self.declared_size
        return {"file_size": size}


@dataclass
class Call:
    """One recorded Bot API request."""

    method: str
    params: JSONDict
    time: float
    token: str = ""
    http_method: str = "POST"
    content_type: str = ""
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 200
    result: Any = None


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class _SentMessage:
    method: str
    message: JSONDict
    reply_keyboard: JSONDict | None = None
    deleted: bool = False


class _ApiError(Exception):
    """Raised by method handlers; turned into an ``{"ok": false}`` response."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def response(self) -> web.Response:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return web.json_response(body, status=self.status)


def _decode_form_value(key: str, value: str) -> Any:
    """Undo PTB's per-parameter JSON encoding of non-string values."""
    if key in _STRING_PARAMS:
        return value
    if value[:1] in ("{", "[") or value in ("true", "false", "null") or _NUMBER_RE.fullmatch(value):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _json_id(key: str, value: Any) -> Any:
    if key in _ID_PARAMS and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


_ID_PARAMS = frozenset({"chat_id", "from_chat_id", "user_id", "message_id"})


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _as_int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _ApiError(400, f"Bad Request: invalid {name} specified") from None


def _update_chat(update: JSONDict) -> Any:
    """The chat an update belongs to (its sender when it has no chat)."""
    for kind in ("message", "edited_message", "callback_query"):
        body = update.get(kind)
        if body:
            message = body.get("message", body) if kind == "callback_query" else body
            chat = (message or {}).get("chat") or {}
            return chat.get("id") or (body.get("from") or {}).get("id")
    return None


def _iter_inline_buttons(markup: JSONDict | None) -> list[JSONDict]:
    if not markup:
        return []
    return [button for row in markup.get("inline_keyboard", []) for button in row]


class FakeTelegramServer:
    """In-process fake Telegram Bot API server for tests."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_id: int | None = None,
        bot_username: str = "fake_mediation_bot",
        bot_first_name: str = "调解中心",
        max_long_poll: float = 30.0,
    ) -> None:
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._changed = asyncio.Event()
        self._bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.max_long_poll = max_long_poll
        #: How often ``wait_for*`` re-check their condition besides on server events.
        self.poll_interval = 0.02

        #: Every request, in arrival order.
        self.calls: list[Call] = []
        #: Every token seen in a request URL.
        self.tokens: list[str] = []
        #: Params of every successful answerCallbackQuery, plus ``callback_data``.
        self.answered_callbacks: list[JSONDict] = []
        #: Update ids returned by each getUpdates response.
        self.deliveries: list[list[int]] = []
        #: Updates discarded without delivery (already confirmed, or dropped pending).
        self.dropped_updates: list[JSONDict] = []
        #: Commands set via setMyCommands, keyed by (scope JSON, language_code).
        self.my_commands: dict[tuple[str, str], list[JSONDict]] = {}
        #: Current webhook configuration (url == "" means no webhook).
        self.webhook: JSONDict = {"url": ""}
        #: Webhook posts made: (update_id, local URL, HTTP status or 0 when unreachable).
        self.webhook_deliveries: list[tuple[int, str, int]] = []
        #: Called with every successful call as it completes (keep them cheap).
        self.listeners: list[Callable[[Call], None]] = []

        self._pending: list[JSONDict] = []
        self._confirmed_offset = 0
        self._next_update_id = 100_001
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(4_000_000_001)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._chats: dict[int, JSONDict] = {}
        self._users: dict[int, JSONDict] = {}
        self._user_messages: dict[tuple[int, int], JSONDict] = {}
        self._sent: dict[tuple[int, int], _SentMessage] = {}
        self._callback_queries: dict[str, JSONDict] = {}
        self._files: dict[str, StoredFile] = {}
        self.streamed_bytes = 0  # bytes of files served without a true stated size
        self._failures: dict[str, list[_Failure]] = {}
        self._routes: list[str] = []
        self._duplicate_every = 0
        self._routed = itertools.count()
        self._posting: set[int] = set()
        self._chat_tails: dict[Any, asyncio.Future[None]] = {}
        self._post_tasks: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None

        self._methods: dict[str, Callable[[JSONDict], Any]] = {
            "getme": self._m_get_me,
            "getchat": self._m_get_chat,
            "getupdates": self._m_get_updates,
            "deletewebhook": self._m_delete_webhook,
            "setwebhook": self._m_set_webhook,
            "getwebhookinfo": self._m_get_webhook_info,
            "setmycommands": self._m_set_my_commands,
            "getmycommands": self._m_get_my_commands,
            "deletemycommands": self._m_delete_my_commands,
            "sendmessage": self._m_send_message,
            "senddocument": self._m_send_document,
            "sendphoto": self._m_send_photo,
            "editmessagetext": self._m_edit_message_text,
            "editmessagecaption": self._m_edit_message_caption,
            "editmessagereplymarkup": self._m_edit_message_reply_markup,
            "deletemessage": self._m_delete_message,
            "answercallbackquery": self._m_answer_callback_query,
            "sendchataction": self._m_true,
            "getfile": self._m_get_file,
            "close": self._m_true,
            "logout": self._m_true,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start listening; the real port is available afterwards."""
        if self._runner is not None:
            raise RuntimeError("FakeTelegramServer already started")
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._requested_port)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def stop(self) -> None:
        """Wake pending long polls and shut the server down."""
        if self._runner is None:
            return
        self._closing = True
        self._notify()
        for task in list(self._post_tasks):
            task.cancel()
        await asyncio.gather(*self._post_tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The port actually bound."""
        if self._port is None:
            raise RuntimeError("FakeTelegramServer is not started")
        return self._port

    @property
    def url(self) -> str:
        """Root URL of the server."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url()``; PTB appends ``{token}/{method}``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url()``."""
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> JSONDict:
        """The ``User`` object of the bot, as returned by getMe."""
        return {
            "id": self._bot_id or 100_000,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # ------------------------------------------------------------------ waiting

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._changed
            # also re-check periodically: predicates may look at state outside the server
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, self.poll_interval))
        return True

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, message: str = ""
    ) -> None:
        """Wait until ``predicate()`` is true (re-checked on every server event)."""
        if not await self._wait_until(predicate, timeout):
            raise AssertionError(message or f"condition not met within {timeout}s")

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[JSONDict]:
        """Wait until the bot has sent at least ``count`` messages to ``chat_id``."""
        ok = await self._wait_until(lambda: len(self.sent_messages(chat_id)) >= count, timeout)
        messages = self.sent_messages(chat_id)
        if not ok:
            summary = [m.get("text", m.get("caption")) for m in messages]
            raise AssertionError(
                f"expected {count} bot message(s) in chat {chat_id} within {timeout}s, "
                f"got {len(messages)}: {summary!r}"
            )
        return messages

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` was called at least ``count`` times (completed calls)."""
        ok = await self._wait_until(lambda: len(self.calls_to(method)) >= count, timeout)
        calls = self.calls_to(method)
        if not ok:
            raise AssertionError(
                f"expected {count} {method} call(s) within {timeout}s, got {len(calls)}; "
                f"methods seen: {[c.method for c in self.calls]}"
            )
        return calls

    # ------------------------------------------------------------------ readers

    def calls_to(self, method: str) -> list[Call]:
        """Completed calls of one method (case-insensitive)."""
        wanted = method.lower()
        return [c for c in self.calls if c.method.lower() == wanted and c.result is not None]

    def sent_messages(
        self, chat_id: int | None = None, *, include_deleted: bool = False
    ) -> list[JSONDict]:
        """Messages the bot sent (edits applied), oldest first, each with a ``method`` key."""
        result = []
        for (chat, _), sent in self._sent.items():
            if chat_id is not None and chat != chat_id:
                continue
            if sent.deleted and not include_deleted:
                continue
            view = json.loads(json.dumps(sent.message))
            view["method"] = sent.method
            view["deleted"] = sent.deleted
            if sent.reply_keyboard is not None:
                view["reply_keyboard"] = sent.reply_keyboard
            result.append(view)
        return result

    def last_message(self, chat_id: int) -> JSONDict:
        """The most recent bot message in ``chat_id``."""
        messages = self.sent_messages(chat_id)
        if not messages:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}")
        return messages[-1]

    @staticmethod
    def button_data(message: JSONDict) -> list[str]:
        """``callback_data`` of every inline button of ``message``, row by row."""
        buttons = _iter_inline_buttons(message.get("reply_markup"))
        return [b["callback_data"] for b in buttons if "callback_data" in b]

    @staticmethod
    def button_labels(message: JSONDict) -> list[str]:
        """Labels of inline buttons, or of the reply keyboard if there is no inline one."""
        buttons = _iter_inline_buttons(message.get("reply_markup"))
        if buttons:
            return [b["text"] for b in buttons]
        keyboard = (message.get("reply_keyboard") or {}).get("keyboard", [])
        return [b if isinstance(b, str) else b["text"] for row in keyboard for b in row]

    def file_content(self, file_id: str) -> bytes:
        """Bytes stored for ``file_id`` (uploaded by the bot or sent by a user)."""
        return self._files[file_id].content

    def commands_for(
        self, scope: JSONDict | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        """Commands currently set for a scope/language (empty list if none)."""
        return self.my_commands.get((self._scope_key(scope), language_code), [])

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Queued updates not yet confirmed by the bot."""
        return list(self._pending)

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str,
        times: int = 1,
        status: int = 500,
        *,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with HTTP ``status``.

        429 gets ``parameters.retry_after`` (default 1), which PTB raises as ``RetryAfter``;
        400 -> ``BadRequest``, 403 -> ``Forbidden``, 409 -> ``Conflict``, 5xx -> ``NetworkError``.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = {
                400: "Bad Request: injected failure",
                403: "Forbidden: bot was blocked by the user",
                429: f"Too Many Requests: retry after {retry_after}",
            }.get(status, "Internal Server Error: injected failure")
        failure = _Failure(status=status, description=description, retry_after=retry_after)
        self._failures.setdefault(method.lower(), []).extend([failure] * times)

    def _take_failure(self, method: str) -> _ApiError | None:
        queue = self._failures.get(method.lower())
        if not queue:
            return None
        failure = queue.pop(0)
        params = {"retry_after": failure.retry_after} if failure.retry_after else None
        return _ApiError(failure.status, failure.description, params)

    # ------------------------------------------------------------------ webhook delivery

    def route_webhook(self, *urls: str, duplicate_every: int = 0) -> None:
        """POST updates to these local URLs while a webhook is set (the bot's HTTPS proxy).

        Each update goes to the next URL in turn. With ``duplicate_every=n`` every n-th update
        is also posted to the following URL, as when Telegram retries a slow delivery and the
        proxy sends the retry to another instance.
        """
        self._routes = list(urls)
        self._duplicate_every = duplicate_every
        self._post_pending()

    def _post_pending(self) -> None:
        if not (self._routes and self.webhook.get("url")) or self._runner is None:
            return
        for update in self._pending:
            if update["update_id"] not in self._posting:
                self._posting.add(update["update_id"])
                key = _update_chat(update)
                before = self._chat_tails.get(key)
                done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._chat_tails[key] = done
                task = asyncio.create_task(self._post_in_order(update, before, done))
                self._post_tasks.add(task)
                task.add_done_callback(self._post_tasks.discard)

    async def _post_in_order(
        self, update: JSONDict, before: asyncio.Future[None] | None, done: asyncio.Future[None]
    ) -> None:
        """Deliver one update after the chat's previous one, retrying until it is taken."""
        try:
            if before is not None:
                await asyncio.shield(before)
            n = next(self._routed)
            urls = [self._routes[n % len(self._routes)]]
            if self._duplicate_every and n % self._duplicate_every == self._duplicate_every - 1:
                urls.append(self._routes[(n + 1) % len(self._routes)])
            while not self._closing and self.webhook.get("url"):
                statuses = await asyncio.gather(*(self._post(url, update) for url in urls))
                if any(200 <= status < 300 for status in statuses):
                    self._pending = [u for u in self._pending if u is not update]
                    self._notify()
                    return
                urls = [self._routes[next(self._routed) % len(self._routes)]]
                await asyncio.sleep(0.1)
        finally:
            self._posting.discard(update["update_id"])
            done.set_result(None)

    async def _post(self, url: str, update: JSONDict) -> int:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        headers = {}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = str(self.webhook["secret_token"])
        try:
            async with self._http.post(url, json=update, headers=headers) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        self.webhook_deliveries.append((update["update_id"], url, status))
        return status

    # ------------------------------------------------------------------ user side

    def queue_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw update; an ``update_id`` is assigned if missing."""
        if "update_id" in update:
            update = dict(update)
        else:
            update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        if update["update_id"] < self._confirmed_offset:
            # Telegram never re-sends an update the bot has confirmed with ``offset``.
            self.dropped_updates.append(update)
        else:
            self._pending.append(update)
            self._post_pending()
        self._notify()
        return update

    def user_sends(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "测试",
        language_code: str | None = "zh-hans",
        username: str | None = None,
    ) -> JSONDict:
        """Queue a text message from a user; ``/commands`` get a ``bot_command`` entity."""
        message = self._user_message(
            user_id, chat_id, chat_type, first_name, language_code, username
        )
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self._queue_message(message)

    def user_sends_photo(
        self,
        user_id: int,
        content: bytes,
        caption: str | None = None,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "测试",
        language_code: str | None = "zh-hans",
        username: str | None = None,
        declared_size: int | None = -1,
    ) -> JSONDict:
        """Queue a photo message; both sizes serve ``content`` through getFile."""
        message = self._user_message(
            user_id, chat_id, chat_type, first_name, language_code, username
        )
        message["photo"] = self._photo_sizes(content, declared_size)
        if caption is not None:
            message["caption"] = caption
        return self._queue_message(message)

    def user_sends_document(
        self,
        user_id: int,
        content: bytes,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "测试",
        language_code: str | None = "zh-hans",
        username: str | None = None,
        declared_size: int | None = -1,
    ) -> JSONDict:
        """Queue a document message whose bytes are served through getFile (declared_size:
        see StoredFile)."""
        message = self._user_message(
            user_id, chat_id, chat_type, first_name, language_code, username
        )
        stored = self._store_file(content, "documents", file_name, mime_type)
        stored.declared_size = declared_size
        message["document"] = self._document_dict(stored)
        if caption is not None:
            message["caption"] = caption
        return self._queue_message(message)

    def user_presses(
        self,
        user_id: int,
        message: JSONDict,
        data: str,
        chat_id: int | None = None,
        *,
        strict: bool = True,
    ) -> JSONDict:
        """Queue a callback_query for an inline button of a message the bot sent.

        The current (edited) state of the message is used.  With ``strict`` the ``data`` must
        be among the message's current buttons.
        """
        chat = message["chat"]["id"] if chat_id is None else chat_id
        sent = self._sent.get((chat, message["message_id"]))
        if sent is None:
            raise ValueError(f"bot message {message['message_id']} in chat {chat} is unknown")
        if strict and data not in self.button_data(sent.message):
            raise ValueError(
                f"message has no button with callback_data {data!r}; "
                f"buttons: {self.button_data(sent.message)!r}"
            )
        query_id = str(next(self._callback_ids))
        user = self._users.get(user_id) or self._make_user(user_id, "测试", "zh-hans", None)
        query = {
            "id": query_id,
            "from": user,
            "message": json.loads(json.dumps(sent.message)),
            "chat_instance": str(abs(chat) * 7 + 13),
            "data": data,
        }
        self._callback_queries[query_id] = query
        return self.queue_update({"callback_query": query})

    # ------------------------------------------------------------------ HTTP handlers

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        if token not in self.tokens:
            self.tokens.append(token)
        if self._bot_id is None:
            prefix = token.split(":", 1)[0]
            self._bot_id = int(prefix) if prefix.isdigit() else 100_000
        try:
            params, files = await self._read_params(request)
        except ValueError as exc:
            return _ApiError(400, f"Bad Request: can't parse request: {exc}").response()
        call = Call(
            method=method,
            params=params,
            time=time.time(),
            token=token,
            http_method=request.method,
            content_type=request.content_type,
            files=files,
        )
        self.calls.append(call)
        try:
            failure = self._take_failure(method)
            if failure is not None:
                raise failure
            handler = self._methods.get(method.lower())
            if handler is not None:
                result = handler(params)
            elif method.lower().startswith("send"):
                result = self._m_send_generic(method, params)
            else:
                result = True  # generic fallback; the call is still recorded
            if asyncio.iscoroutine(result):
                result = await result
        except _ApiError as exc:
            call.status = exc.status
            call.result = False
            self._notify()
            return exc.response()
        call.result = result
        for listener in self.listeners:
            listener(call)
        self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        file_path = request.match_info["file_path"]
        for stored in self._files.values():
            if stored.file_path == file_path and stored.declared_size != -1:
                return await self._stream_file(request, stored.content)
            if stored.file_path == file_path:
                return web.Response(body=stored.content, content_type="application/octet-stream")
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _stream_file(self, request: web.Request, content: bytes) -> web.StreamResponse:
        """Chunked, no Content-Length: only the bytes tell the size. Counts what was sent."""
        resp = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for start in range(0, len(content), 256 * 1024):
            try:
                await resp.write(content[start : start + 256 * 1024])
            except (ConnectionResetError, RuntimeError):  # the client stopped reading
                return resp
            self.streamed_bytes += min(256 * 1024, len(content) - start)
        await resp.write_eof()
        return resp

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
        params: JSONDict = {k: _decode_form_value(k, v) for k, v in request.query.items()}
        files: dict[str, UploadedFile] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise ValueError("JSON body must be an object")
                # Telegram takes an id as a number or a string of digits, in JSON as in forms
                params.update({k: _json_id(k, v) for k, v in body.items()})
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedFile(
                            field_name=key,
                            filename=value.filename,
                            content_type=value.content_type,
                            content=value.file.read(),
                        )
                        params[key] = files[key]
                    elif isinstance(value, str):
                        params[key] = _decode_form_value(key, value)
        # media given as "attach://name" refers to another multipart field
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = files.get(value.removeprefix("attach://"), value)
        return params, files

    # ------------------------------------------------------------------ Bot API methods

    def _m_true(self, params: JSONDict) -> bool:
        return True

    def add_group(self, chat_id: int, title: str) -> None:
        """A group the bot is a member of (getChat answers for it)."""
        self._chats[chat_id] = {"id": chat_id, "type": self._chat(chat_id)["type"], "title": title}

    def _m_get_chat(self, params: JSONDict) -> JSONDict:
        """A chat the bot knows: a group added with add_group or seen in an update, or a
        user who wrote to it; else "chat not found", as the real API answers."""
        chat_id = _as_int(params.get("chat_id"), "chat_id")
        if chat_id not in self._chats:
            raise _ApiError(400, "Bad Request: chat not found")
        return self._chats[chat_id]

    def _m_get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook.get("url"):
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params.get("offset") or 0, "offset")
        limit = max(1, min(100, _as_int(params.get("limit") or 100, "limit")))
        timeout = min(float(params.get("timeout") or 0), self.max_long_poll)
        if offset < 0:
            keep = self._pending[offset:]
            self.dropped_updates.extend(u for u in self._pending if u not in keep)
            self._pending = keep
        elif offset:
            self._confirmed_offset = max(self._confirmed_offset, offset)
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

        def available() -> list[JSONDict]:
            return [u for u in self._pending if u["update_id"] >= self._confirmed_offset]

        if timeout > 0:
            await self._wait_until(lambda: bool(available()) or self._closing, timeout)
        updates = sorted(available(), key=lambda u: u["update_id"])[:limit]
        self.deliveries.append([u["update_id"] for u in updates])
        return json.loads(json.dumps(updates))

    def _m_delete_webhook(self, params: JSONDict) -> bool:
        self.webhook = {"url": ""}
        if params.get("drop_pending_updates"):
            self.dropped_updates.extend(self._pending)
            self._pending = []
            self._confirmed_offset = self._next_update_id
        return True

    def _m_set_webhook(self, params: JSONDict) -> bool:
        url = params.get("url", "")
        if url and not str(url).startswith("https://"):
            raise _ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        self.webhook = {k: v for k, v in params.items() if not isinstance(v, UploadedFile)} | {
            "url": url
        }
        if params.get("drop_pending_updates"):
            self.dropped_updates.extend(self._pending)
            self._pending = []
        self._post_pending()
        return True

    def _m_get_webhook_info(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        for key in ("max_connections", "ip_address", "allowed_updates"):
            if key in self.webhook:
                info[key] = self.webhook[key]
        return info

    @staticmethod
    def _scope_key(scope: JSONDict | None) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    def _m_set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        self.my_commands[key] = commands
        return True

    def _m_get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return self.commands_for(params.get("scope"), params.get("language_code") or "")

    def _m_delete_my_commands(self, params: JSONDict) -> bool:
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        self.my_commands.pop(key, None)
        return True

    def _m_send_message(self, params: JSONDict) -> JSONDict:
        text = params.get("text")
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(str(text)) > MAX_TEXT_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        message = self._new_bot_message("sendMessage", params)
        message["text"] = str(text)
        return self._record_sent("sendMessage", message, params)

    def _m_send_document(self, params: JSONDict) -> JSONDict:
        stored = self._file_from_param(params.get("document"), "documents")
        message = self._new_bot_message("sendDocument", params)
        message["document"] = self._document_dict(stored)
        return self._record_sent("sendDocument", message, params)

    def _m_send_photo(self, params: JSONDict) -> JSONDict:
        stored = self._file_from_param(params.get("photo"), "photos")
        message = self._new_bot_message("sendPhoto", params)
        message["photo"] = self._photo_sizes(stored.content)
        return self._record_sent("sendPhoto", message, params)

    def _m_send_generic(self, method: str, params: JSONDict) -> JSONDict:
        """Any other send* method (sendVoice, sendLocation ...): a bare message."""
        message = self._new_bot_message(method, params)
        if "text" in params:
            message["text"] = str(params["text"])
        return self._record_sent(method, message, params)

    def _m_edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        text = params.get("text")
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(str(text)) > MAX_TEXT_LENGTH:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        if "inline_message_id" in params:
            return True
        sent = self._find_sent(params, "edit")
        if "text" not in sent.message:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        return self._apply_edit(sent, {"text": str(text)}, params.get("reply_markup"))

    def _m_edit_message_caption(self, params: JSONDict) -> JSONDict | bool:
        if "inline_message_id" in params:
            return True
        sent = self._find_sent(params, "edit")
        caption = params.get("caption")
        if caption is not None and _utf16_len(str(caption)) > MAX_CAPTION_LENGTH:
            raise _ApiError(400, "Bad Request: message caption is too long")
        changes: JSONDict = {"caption": str(caption) if caption is not None else None}
        return self._apply_edit(sent, changes, params.get("reply_markup"))

    def _m_edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        if "inline_message_id" in params:
            return True
        sent = self._find_sent(params, "edit")
        return self._apply_edit(sent, {}, params.get("reply_markup"))

    def _m_delete_message(self, params: JSONDict) -> bool:
        sent = self._find_sent(params, "delete")
        if sent.deleted:
            raise _ApiError(400, "Bad Request: message to delete not found")
        sent.deleted = True
        return True

    def _m_answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        query = self._callback_queries.pop(query_id, None)
        if query is None:
            raise _ApiError(400, _QUERY_INVALID)
        answer = {k: v for k, v in params.items() if not isinstance(v, UploadedFile)}
        answer["callback_data"] = query.get("data")
        self.answered_callbacks.append(answer)
        return True

    def _m_get_file(self, params: JSONDict) -> JSONDict:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            **stored.stated_size(),
            "file_path": stored.file_path,
        }

    # ------------------------------------------------------------------ helpers

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _chat(self, chat_id: int) -> JSONDict:
        if chat_id in self._chats:
            return self._chats[chat_id]
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "用户"}
        chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": chat_type, "title": "群组"}

    @staticmethod
    def _make_user(
        user_id: int, first_name: str, language_code: str | None, username: str | None
    ) -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        return user

    def _user_message(
        self,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        first_name: str,
        language_code: str | None,
        username: str | None,
    ) -> JSONDict:
        user = self._make_user(user_id, first_name, language_code, username)
        self._users[user_id] = user
        if chat_type == "private":
            if chat_id not in (None, user_id):
                raise ValueError("a private chat's id is the user's id")
            chat: JSONDict = {"id": user_id, "type": "private", "first_name": first_name}
            if username:
                chat["username"] = username
        else:
            if chat_id is None or chat_id >= 0:
                raise ValueError(f"a {chat_type} chat needs a negative chat_id")
            chat = self._chats.get(chat_id) or {"id": chat_id, "type": chat_type, "title": "测试群"}
        self._chats[chat["id"]] = chat
        return {
            "message_id": self._next_message_id(chat["id"]),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
        }

    def _queue_message(self, message: JSONDict) -> JSONDict:
        self._user_messages[(message["chat"]["id"], message["message_id"])] = message
        return self.queue_update({"message": message})

    def _store_file(
        self, content: bytes, folder: str, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        n = next(self._file_ids)
        suffix = PurePosixPath(file_name).suffix if file_name else ""
        if not suffix:
            suffix = ".jpg" if folder == "photos" else ""
        stored = StoredFile(
            file_id=f"FAKE-FILE-{n:06d}",
            file_unique_id=f"uniq{n:06d}",
            file_path=f"{folder}/file_{n}{suffix}",
            content=bytes(content),
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        return stored

    def _file_from_param(self, value: Any, folder: str) -> StoredFile:
        if isinstance(value, UploadedFile):
            return self._store_file(value.content, folder, value.filename, value.content_type)
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._store_file(b"", folder, PurePosixPath(value).name, None)
        raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    @staticmethod
    def _document_dict(stored: StoredFile) -> JSONDict:
        document: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            **stored.stated_size(),
        }
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        return document

    def _photo_sizes(self, content: bytes, declared_size: int | None = -1) -> list[JSONDict]:
        sizes = []
        for width, height in ((90, 67), (800, 600)):
            stored = self._store_file(content, "photos", None, "image/jpeg")
            stored.declared_size = declared_size
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": height,
                    **stored.stated_size(),
                }
            )
        return sizes

    def _check_markup(self, markup: Any) -> None:
        if markup is None:
            return
        if not isinstance(markup, dict):
            raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for button in _iter_inline_buttons(markup):
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _new_bot_message(self, method: str, params: JSONDict) -> JSONDict:
        if "chat_id" not in params:
            raise _ApiError(400, "Bad Request: chat_id is empty")
        chat_id = params["chat_id"]
        if not isinstance(chat_id, int):
            raise _ApiError(400, "Bad Request: chat not found")
        caption = params.get("caption")
        if caption is not None and _utf16_len(str(caption)) > MAX_CAPTION_LENGTH:
            raise _ApiError(400, "Bad Request: message caption is too long")
        self._check_markup(params.get("reply_markup"))
        message: JSONDict = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        if caption is not None:
            message["caption"] = str(caption)
        reply_to = (params.get("reply_parameters") or {}).get("message_id") or params.get(
            "reply_to_message_id"
        )
        if reply_to is not None:
            original = self._user_messages.get((chat_id, int(reply_to)))
            if original is not None:
                message["reply_to_message"] = original
        return message

    def _record_sent(self, method: str, message: JSONDict, params: JSONDict) -> JSONDict:
        markup = params.get("reply_markup")
        reply_keyboard = None
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        elif markup is not None:
            # Telegram does not echo reply keyboards / ForceReply in the returned Message.
            reply_keyboard = markup
        key = (message["chat"]["id"], message["message_id"])
        self._sent[key] = _SentMessage(
            method=method, message=message, reply_keyboard=reply_keyboard
        )
        return message

    def _find_sent(self, params: JSONDict, action: str) -> _SentMessage:
        chat_id = params.get("chat_id")
        message_id = params.get("message_id")
        sent = self._sent.get((chat_id, message_id))  # type: ignore[arg-type]
        if sent is None or (sent.deleted and action == "edit"):
            raise _ApiError(400, f"Bad Request: message to {action} not found")
        return sent

    def _apply_edit(self, sent: _SentMessage, changes: JSONDict, markup: Any) -> JSONDict:
        self._check_markup(markup)
        if markup is not None and "inline_keyboard" not in markup:
            raise _ApiError(400, "Bad Request: inline keyboard expected")
        updated = dict(sent.message)
        for key, value in changes.items():
            if value is None:
                updated.pop(key, None)
            else:
                updated[key] = value
        if markup is None:
            updated.pop("reply_markup", None)
        else:
            updated["reply_markup"] = markup
        if updated == sent.message:
            raise _ApiError(400, _NOT_MODIFIED)
        updated["edit_date"] = int(time.time())
        sent.message = updated
        return updated
