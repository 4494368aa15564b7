"""A bare python-telegram-bot echo bot: the framework's ceiling for bench/load.py.

A handler that only sends the text (or the pressed button's data) back, on PTB as the
Telegram channel runs it (`application_builder`: the per-chat update processor, which keeps
each chat's updates in order, and the rate limiter; the channel's poller, or its webhook
handling). Two network stacks:

- `stock` (the ceiling the issue names): PTB as shipped, on httpx and asyncio's own loop;
- `ours`: the channel's aiohttp request layer and uvloop, so the difference to our bot is
  only our own work per update.

    .venv/bin/python -m bench.echo_bot --config bench.toml [--stack stock|ours]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application, TypeHandler
from telegram.request import HTTPXRequest

from bot.channels.telegram import application_builder
from bot.channels.telegram_polling import ConfirmingPoller, process_now
from bot.config import TelegramSettings, load_settings
from bot.event_loop import run_loop


async def echo(update: Update, context: Any) -> None:
    """Send the text back; a button press is answered and its data sent back."""
    query = update.callback_query
    if query is not None:
        await query.answer()
        text = query.data or "?"
    else:
        text = (update.effective_message.text if update.effective_message else None) or "?"
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text)


async def serve(settings: TelegramSettings, stack: str) -> None:
    """Run until SIGTERM/SIGINT, as `mediation-bot run` would."""
    builder = application_builder(settings)
    if stack == "stock":  # PTB's own defaults (ApplicationBuilder's pool sizes)
        builder = builder.request(HTTPXRequest(connection_pool_size=256))
        builder = builder.get_updates_request(HTTPXRequest(connection_pool_size=1))
    app: Application = builder.build()  # type: ignore[type-arg]
    app.add_handler(TypeHandler(Update, echo))
    runner: web.AppRunner | None = None
    poller: ConfirmingPoller | None = None
    await app.initialize()
    await app.start()
    if settings.mode == "webhook":

        async def on_webhook(request: web.Request) -> web.Response:
            if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != settings.webhook_secret:
                return web.Response(status=403)
            await process_now(app, Update.de_json(await request.json(), app.bot))
            return web.Response(text="ok")

        web_app = web.Application()
        web_app.router.add_post("/telegram", on_webhook)
        runner = web.AppRunner(web_app)
        await runner.setup()
        await web.TCPSite(runner, settings.listen, settings.port).start()
        await app.bot.set_webhook(
            url=settings.webhook_url,
            secret_token=settings.webhook_secret or None,
            allowed_updates=["message", "callback_query"],
        )
    else:
        poller = ConfirmingPoller(app, timeout=10)
        poller.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if poller is not None:
        await poller.stop()
    await app.stop()
    await app.shutdown()
    if runner is not None:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="the bot's TOML file ([telegram])")
    parser.add_argument("--stack", choices=["stock", "ours"], default="stock")
    args = parser.parse_args()
    serve_it = serve(load_settings(args.config).telegram, args.stack)
    if args.stack == "stock":
        asyncio.run(serve_it)
    else:
        run_loop(serve_it)


if __name__ == "__main__":
    main()
