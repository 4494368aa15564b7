"""The Telegram channel's network layer (aiohttp under python-telegram-bot) against real local
servers: what arrives, uploads, timeouts, refused connections and the environment's proxy."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.channels.telegram import application_builder
from bot.channels.telegram_request import AiohttpRequest
from bot.config import TelegramSettings
from tests.local import free_port, serve_locally

TOKEN = "123:REQ"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def serve(handler: Handler) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner, port = await serve_locally(app)
    return runner, f"http://127.0.0.1:{port}"


ME = {"id": 123, "is_bot": True, "first_name": "Test", "username": "test_bot"}


def ok(request: web.Request, result: Any) -> web.Response:
    """`result`, except for getMe (which PTB asks when a bot starts)."""
    return web.json_response({"ok": True, "result": ME if "getMe" in str(request.url) else result})


MESSAGE = {"message_id": 5, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "hi"}


@pytest.fixture
async def seen() -> AsyncIterator[list[tuple[str, str, dict[str, Any]]]]:
    yield []


async def test_calls_arrive_as_telegram_expects_them(
    seen: list[tuple[str, str, dict[str, Any]]],
) -> None:
    async def handler(request: web.Request) -> web.Response:
        if request.content_type == "application/json":  # calls without files
            fields, names = await request.json(), {}
        else:
            form = await request.post()
            fields = {
                k: (v.file.read() if isinstance(v, web.FileField) else v) for k, v in form.items()
            }
            names = {k: v.filename for k, v in form.items() if isinstance(v, web.FileField)}
        if not request.path.endswith("/getMe"):
            seen.append((request.method, request.path, {**fields, "_files": names}))
        return ok(request, MESSAGE)

    runner, base = await serve(handler)
    request = AiohttpRequest()
    bot = Bot(TOKEN, base_url=f"{base}/bot", request=request)
    try:
        async with bot:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("是 Yes", callback_data="y")]])
            sent = await bot.send_message(42, "你好 & welcome", reply_markup=markup)
            await bot.send_document(42, io.BytesIO(b"%PDF-1.4 test"), filename="申请书.pdf")
    finally:
        await runner.cleanup()
    assert sent.message_id == 5
    method, path, fields = seen[0]
    assert (method, path) == ("POST", f"/bot{TOKEN}/sendMessage")
    assert fields["text"] == "你好 & welcome" and fields["chat_id"] == 42
    assert fields["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "y"
    _, path, fields = seen[1]
    assert path.endswith("/sendDocument") and fields["document"] == b"%PDF-1.4 test"
    assert fields["_files"]["document"] == "申请书.pdf"


async def test_a_silent_server_is_a_timeout_and_a_closed_port_a_network_error() -> None:
    release = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        if not request.path.endswith("/getMe"):
            await release.wait()
        return ok(request, True)

    runner, base = await serve(hang)
    try:
        async with Bot(TOKEN, base_url=f"{base}/bot", request=AiohttpRequest()) as bot:
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(TimedOut):
                await bot.send_message(1, "x", read_timeout=0.3)
            assert loop.time() - started < 5
    finally:
        release.set()
        await runner.cleanup()
    closed = f"http://127.0.0.1:{free_port()}/bot"
    with pytest.raises(NetworkError):
        async with Bot(TOKEN, base_url=closed, request=AiohttpRequest()) as bot:
            await bot.send_message(1, "x")


async def test_calls_go_through_the_proxy_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, seen: list[tuple[str, str, dict[str, Any]]]
) -> None:
    async def proxy(request: web.Request) -> web.Response:  # a forward proxy sees full URLs
        seen.append((request.method, str(request.url), {}))
        return ok(request, MESSAGE)

    runner, proxy_url = await serve(proxy)
    unreachable = "http://telegram.invalid/bot"  # only the proxy can "reach" it
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    monkeypatch.setenv("NO_PROXY", "localhost")
    try:
        async with Bot(TOKEN, base_url=unreachable, request=AiohttpRequest()) as bot:
            await bot.send_message(42, "via the proxy")
    finally:
        await runner.cleanup()
    calls = [f"http://telegram.invalid/bot{TOKEN}/{m}" for m in ("getMe", "sendMessage")]
    assert [url for _, url, _ in seen] == calls


def test_the_channel_and_its_poller_use_this_layer() -> None:
    app = application_builder(TelegramSettings(token=TOKEN)).build()
    assert isinstance(app.bot.request, AiohttpRequest)
    assert all(isinstance(r, AiohttpRequest) for r in app.bot._request)
