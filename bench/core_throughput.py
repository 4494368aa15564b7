"""How many messages per second the core handles, and how fast, on SQLite and PostgreSQL.

N simulated people walk the whole journey at once through `Core.handle` (no network):
screening, consent, every intake field, submit. Prints updates/s and p50/p99 latency.

``--script faq``: N people each send the load benchmark's five free-text questions at once
(bench/load_script.py, FAQ_BURST), ``--rounds`` times with new people; prints the core's CPU
time and SQL statements per message (``--channel wechat``: a text-only chat, which also
looks up and stores the numbered choices). The CPU figure varies less than rates on a
shared machine; the statements say where it goes.

    .venv/bin/python bench/core_throughput.py --users 50
    .venv/bin/python bench/core_throughput.py --users 50 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1/test
    .venv/bin/python -m bench.core_throughput --script faq --users 100 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Settings
from bot.event_loop import run_loop as run_event_loop
from handlers.app import Core
from handlers.conversation.messages import Inbound, Reply, answer_sent
from storage import crypto
from storage.db import Database

#: ``--script faq``: five questions in people's own words, sent at once: labour questions in
#: Chinese and English, one that is referred elsewhere (not labour) and a rambling one.
FAQ_BURST = (
    "老板拖了我三个月工资一直不给，我该怎么办",
    "试用期被辞退了有没有补偿",
    "how many days of annual leave do i get after 3 years",
    "房东扣着租房押金不退怎么办",
    "我在厂里干了五年，上个月厂里说订单少了让我回家，也没说给什么补偿，社保也停了，"
    "我想问一下这种情况我能拿到多少钱，要去哪里申请",
)


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


async def ask(core: Core, user: str, latencies: list[float], channel: str) -> None:
    """One person's burst of five questions, sent at once; the answers reported sent."""

    async def one(i: int, question: str) -> None:
        msg = Inbound(
            channel=channel,
            update_key=f"{user}:{i}",
            sender_id=user,
            chat_id=user,
            locale_hint="zh",
            text=question,
            text_only=channel == "wechat",
        )
        started = time.perf_counter()
        answer_sent(await core.handle(msg))
        latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(one(i, q) for i, q in enumerate(FAQ_BURST)))


async def run_faq(url: str, users: int, rounds: int, channel: str, ahead: bool) -> None:
    core, db = await _core(url)
    await core.start()
    await core.warm_knowledge()
    if ahead and (process := await core.start_search_process()):  # as `bot run` does
        await process.until_ready(60)
    await ask(core, "warm-up", [], channel)
    statements: Counter[str] = Counter()

    def count(_conn: Any, _cur: Any, statement: str, *_args: Any) -> None:
        statements[" ".join(statement.split()[:3])] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    latencies: list[float] = []
    cpu, started = time.process_time(), time.perf_counter()
    for n in range(rounds):
        people = (f"r{n}u{i}" for i in range(users))
        await asyncio.gather(*(ask(core, person, latencies, channel) for person in people))
    cpu, elapsed = time.process_time() - cpu, time.perf_counter() - started
    event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    await core.close()
    await db.dispose()
    n = len(latencies)
    print(
        f"{db.dialect:10s} {channel:8s} FAQ messages={n:5d} updates/s={n / elapsed:7.1f} "
        f"CPU ms/message={1000 * cpu / n:5.2f} SQL statements/message="
        f"{sum(statements.values()) / n:5.2f}"
    )
    for sql, times in statements.most_common():
        print(f"    {times / n:5.2f}  {sql} …")


async def _core(url: str) -> tuple[Core, Database]:
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
    return Core(settings, db), db


async def run(url: str, users: int) -> None:
    core, db = await _core(url)
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
    parser.add_argument("--script", choices=["filing", "faq"], default="filing")
    parser.add_argument("--rounds", type=int, default=3, help="faq: bursts of new people (3)")
    parser.add_argument("--channel", choices=["telegram", "wechat"], default="telegram")
    parser.add_argument(
        "--search-process",
        action="store_true",
        help="faq: search in a child process first, as `bot run` does on two cores or more",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        if args.script == "faq":
            run_event_loop(run_faq(url, args.users, args.rounds, args.channel, args.search_process))
        else:
            asyncio.run(run(url, args.users))


if __name__ == "__main__":
    main()
