"""How many messages per second the core handles, and how fast, on SQLite and PostgreSQL.

N simulated people walk the whole journey at once through `Core.handle` (no network):
screening, consent, every intake field, submit. Prints updates/s and p50/p99 latency.

    .venv/bin/python bench/core_throughput.py --users 50
    .venv/bin/python bench/core_throughput.py --users 50 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Settings
from handlers.app import Core
from handlers.conversation.messages import Inbound, Reply
from storage import crypto
from storage.db import Database

# The journey: a label to press, or text to type (prefixed with "> ").
JOURNEY = [
    "> /start",
    "File a dispute",
    "I am the worker (employee)",
    "No, neither",
    "A company, factory, shop or other enterprise",
    "Unpaid or underpaid wages or overtime pay",
    "No",
    "示例街道",
    "No, I have left (resigned, dismissed or the contract ended)",
    "> 2026-10-01",
    "Just me",
    "File my case now",
    "I agree",
    "> 张测试",
    "> 13912345678",
    "Skip",
    "> 示例制造有限公司",
    "> 示例区示例路1号",
    "Skip",
    "Skip",
    "Done",
    "> 支付拖欠工资",
    "> 12000",
    "> 2024-03",
    "Keep as it is",
    "> 老板三个月没发工资。",
    "Done",
    "Any time",
    "Submit",
]


async def walk(core: Core, user: str, latencies: list[float]) -> None:
    replies: list[Reply] = []
    for i, step in enumerate(JOURNEY):
        inbound = dict(
            channel="bench",
            update_key=f"{user}:{i}",
            sender_id=user,
            chat_id=user,
            locale_hint="en",
        )
        if step.startswith("> "):
            msg = Inbound(**inbound, text=step[2:])
        else:
            payload = next(
                (b.payload for r in reversed(replies) for b in r.flat_buttons if b.label == step),
                None,
            )
            if payload is None:
                shown = "\n".join(r.text for r in replies)
                raise SystemExit(f"step {i}: no button {step!r} after:\n{shown}")
            msg = Inbound(**inbound, button=payload)
        started = time.perf_counter()
        replies = await core.handle(msg)
        latencies.append(time.perf_counter() - started)
    assert "LJ-" in replies[-1].text, replies[-1].text


async def run(url: str, users: int) -> None:
    if url.startswith("postgresql"):
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    crypto.configure(Fernet.generate_key())  # phone and ID numbers are stored encrypted
    settings = Settings()
    settings.database.url = url
    db = Database(url)
    await db.upgrade()
    core = Core(settings, db)
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(walk(core, f"user{n}", latencies) for n in range(users)))
    elapsed = time.perf_counter() - started
    await db.dispose()
    ms = sorted(x * 1000 for x in latencies)
    print(
        f"{db.dialect:10s} users={users:4d} updates={len(ms):5d} "
        f"updates/s={len(ms) / elapsed:7.1f} p50={statistics.median(ms):6.1f}ms "
        f"p99={ms[int(len(ms) * 0.99) - 1]:6.1f}ms cases filed={users}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        asyncio.run(run(url, args.users))


if __name__ == "__main__":
    main()
