"""How long a broadcast of one publication to 10,000 subscribers takes on each channel, with
the platforms' limits on, against the fake Telegram and WeChat servers (issue 22).

The real bot (BotApp: the broadcast job, the outbox dispatcher, the channels) runs in this
process; an admin previews and confirms `/broadcast` in a private Telegram chat, and the
clock runs from the confirm press until the broadcast is recorded as done.

- telegram: every subscriber on Telegram, within `telegram.max_sends_per_second` (--rate,
  30 by default as in production: the limit decides the time, 10,000 / 30 = 333 s);
- wechat-window: everyone on WeChat inside the 48-hour window: customer-service messages;
- wechat-mass: everyone on WeChat outside it: tagged 50 at a time, one mass send.

    .venv/bin/python -m bench.broadcast                      # all three, 10,000 each, SQLite
    .venv/bin/python -m bench.broadcast --only wechat-mass --count 2000
    .venv/bin/python -m bench.broadcast --database-url postgresql+asyncpg://…/bench
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

from bot.app import BotApp
from bot.config import Settings
from storage import crypto
from storage.db import Database
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.wechat_api import FakeWeChatApi
from tests.harness import TelegramBot
from tests.local import reset_postgres
from tests.test_broadcast import ADMIN, configure, seed_subscribers, wait_done, window_of

SHAPES = {  # (telegram, wechat inside the window, outside it)
    "telegram": (1, 0, 0),
    "wechat-window": (0, 1, 0),
    "wechat-mass": (0, 0, 1),
}


async def one(shape: str, count: int, rate: float, db_url: str, workdir: Path) -> str:
    tg, wx_open, wx_closed = (n * count for n in SHAPES[shape])
    settings = Settings()
    settings.database.url = db_url
    settings.storage.files_dir = str(workdir / "files")
    settings.security.data_key = Fernet.generate_key().decode()
    crypto.configure(settings.security.data_key)
    settings.wechat.window_max_messages = 5
    async with FakeTelegramServer() as server, FakeWeChatApi() as api:
        configure(settings, server, api)
        settings.telegram.max_sends_per_second = rate
        db = Database(db_url)
        await db.upgrade()
        crowd = await seed_subscribers(db, tg, wx_open, 0, wx_closed, 5)
        api.window = window_of(crowd)
        app = BotApp(settings, ["telegram", "wechat"])
        await app.start()
        try:
            bot = TelegramBot(server, app)
            await bot.send(ADMIN, "/lang en")
            await bot.send(ADMIN, "/broadcast policy.mediation-period all")
            started = time.monotonic()
            await bot.press(ADMIN, "Send it")
            done = await wait_done(db, timeout=count / max(rate, 1) * 3 + 600)
            took = time.monotonic() - started
        finally:
            await app.stop()
            await db.dispose()
    mass_to = len(api.mass_sends[0]["openids"]) if api.mass_sends else 0
    calls = {
        "telegram": f"{len(server.calls_to('sendMessage')):,} sendMessage",
        "wechat-window": f"{len(api.sent('/cgi-bin/message/custom/send')):,} customer-service",
        "wechat-mass": f"{len(api.sent('/cgi-bin/tags/members/batchtagging'))} batchtagging, "
        f"{len(api.mass_sends)} mass send to {mass_to:,}",
    }[shape]
    limit = (
        f"{rate:g}/s" if shape == "telegram" else "window" if shape == "wechat-window" else "quota"
    )
    return (
        f"{shape:14} {done.total:>7,} recipients  {took:8.1f} s  {done.total / took:8.1f}/s  "
        f"limit {limit:7}  ({calls})"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0, help="telegram.max_sends_per_second")
    parser.add_argument("--only", choices=sorted(SHAPES))
    parser.add_argument("--database-url", default="", help="PostgreSQL (emptied first)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("telegram").setLevel(logging.WARNING)
    for shape in [args.only] if args.only else list(SHAPES):
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            if args.database_url:
                await reset_postgres(url)
            print(await one(shape, args.count, args.rate, url, Path(tmp)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
