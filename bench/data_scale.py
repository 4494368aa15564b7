"""A city's worth of cases (issue 21): how fast the staff commands that read many cases are.

Seeds a database like a city's after five years (bench/data_scale_seed.py: 20 sites, 200,000
cases with their events, follow-ups, outbox rows and access log), then runs each command
`--repeat` times through `Core.handle` as an admin in the work group (no network) and prints
p50/p99: /stats (the district and one site), /export of a month, /find, /overdue, /queue, the
daily digest, the periodic risk check (a background job, no target: it keeps the employers'
levels that the monthly report reads), the monthly report, the daily retention run (a day
later each time, so each run anonymizes one day's newly due cases) and the migrations of the
seeded database (the index migration 0013 taken down and up again). Last, the peak memory
(RSS) of this process, which is the bot's: the seeding runs in a child process.

    .venv/bin/python bench/data_scale.py                       # SQLite in a temporary dir
    .venv/bin/python bench/data_scale.py --cases 20000 --repeat 5
    .venv/bin/python bench/data_scale.py \
        --database-url postgresql+asyncpg://postgres@127.0.0.1/bench   # an EMPTY database

Targets (issue 21): on PostgreSQL each p99 under 1 s (the export of a month under 5 s) and
the memory under 500 MB; on SQLite each p99 under 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet
from data_scale_seed import Seeder, site_settings  # bench/, next to this script
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Settings
from handlers.app import Core
from handlers.conversation.messages import Inbound
from handlers.office import risk_warnings
from handlers.office.stats import previous_month
from handlers.staff.digest import digest_text, open_cases
from handlers.staff.reports import monthly_report
from storage import crypto, retention
from storage.db import Database, _alembic_config

INDEX_REVISION = "0013"  # the migration whose indexes the plans asked for
KEY_FILE = "data_scale.key"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def reset(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()


async def seed(url: str, cases: int, sites: int, now: datetime) -> None:
    await reset(url)
    db = Database(url)
    await db.upgrade()
    started = time.perf_counter()
    totals = await Seeder(db, cases, sites, now).run()
    await db.dispose()
    rows = " ".join(f"{name}={count:,}" for name, count in totals.items())
    print(f"seeded in {time.perf_counter() - started:.0f} s: {rows}", flush=True)


class Bench:
    def __init__(self, url: str, sites: int, now: datetime, files: Path) -> None:
        self.settings = Settings()
        self.settings.database.url = url
        self.settings.storage.files_dir = str(files)
        self.settings.staff.admins = ["console:admin"]
        self.settings.console.enabled = True
        self.settings.sites = site_settings(sites)
        self.now = now
        self.db = Database(url)
        self.core = Core(self.settings, self.db, clock=lambda: self.now)
        self.updates = 0
        self.run = uuid.uuid4().hex  # update keys of an earlier run would be ignored
        self.first_lines: dict[str, str] = {}

    async def command(self, line: str) -> None:
        self.updates += 1
        inbound = Inbound(
            channel="console",
            update_key=f"bench:{self.run}:{self.updates}",
            sender_id="admin",
            chat_id="staff",
            chat_kind="group",
            text=line,
            locale_hint="zh_CN",
        )
        replies = await self.core.handle(inbound)
        if not replies or "Only registered staff" in replies[0].text:
            raise SystemExit(f"{line}: {replies}")
        self.first_lines.setdefault(line, replies[0].text.splitlines()[0][:60])

    async def digest(self) -> None:
        async with self.db.session() as session:
            digest_text(self.core, await open_cases(session), self.now)

    async def risk_check(self, i: int) -> None:
        """The timer's full risk evaluation, which keeps the levels the monthly report reads:
        each run a second later (as the timer's would be), five minutes before the report."""
        at = self.now - timedelta(minutes=5) + timedelta(seconds=i + 2)
        await risk_warnings.tick(self.core, at)

    async def monthly(self) -> None:
        async with self.db.session() as session:
            assert await monthly_report(self.core, session, self.now)

    async def retention_day(self, day: int) -> None:
        await retention.purge(self.db, self.settings, self.now + timedelta(days=day))

    async def migration(self) -> None:
        """Take the index migration (and any after it) down, untimed; the upgrade is timed."""
        script = ScriptDirectory.from_config(_alembic_config())
        down = script.get_revision(INDEX_REVISION).down_revision
        engine = create_async_engine(self.settings.database.url)
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(_alembic_config(sync), str(down)))
        await engine.dispose()
        await self.db.dispose()  # as at the bot's start: a fresh engine
        self.db = Database(self.settings.database.url)
        started = time.perf_counter()
        await self.db.upgrade()
        self.migration_times.append(time.perf_counter() - started)

    migration_times: list[float] = []  # noqa: RUF012 (one Bench per run)


async def timed(work: Callable[[int], Awaitable[None]], repeat: int) -> list[float]:
    """The first run's time, then the `repeat` timed runs'. The first run loads fonts,
    catalogs and the query caches, and draws the charts the later runs reuse."""
    started = time.perf_counter()
    await work(-1)
    times = [time.perf_counter() - started]
    for i in range(repeat):
        started = time.perf_counter()
        await work(i)
        times.append(time.perf_counter() - started)
    return times


async def measure(url: str, sites: int, repeat: int, now: datetime, files: Path) -> None:
    bench = Bench(url, sites, now, files)
    await bench.db.upgrade()  # as the bot does at start (a seeded database may be older)
    month = previous_month(now, bench.settings.tz).strftime("%Y-%m")
    runs: list[tuple[str, Callable[[int], Awaitable[None]], float | None]] = [
        ("/stats", lambda i: bench.command("/stats"), 1),
        ("/stats s07", lambda i: bench.command("/stats s07"), 1),
        (f"/export {month}", lambda i: bench.command(f"/export {month}"), 5),
        ("/find 王伟", lambda i: bench.command("/find 王伟"), 1),
        ("/find 建筑", lambda i: bench.command("/find 建筑"), 1),
        ("/overdue", lambda i: bench.command("/overdue"), 1),
        ("/queue", lambda i: bench.command("/queue"), 1),
        ("daily digest", lambda i: bench.digest(), 1),
        ("risk check", bench.risk_check, None),
        ("monthly report", lambda i: bench.monthly(), 1),
        ("retention run", lambda i: bench.retention_day(i + 1), 1),
    ]
    dialect = bench.db.dialect
    limit = 1.0 if dialect == "postgresql" else 2.0
    print(f"{'':18s} {'first':>8s} {'p50':>8s} {'p99':>8s}  p99 target ({dialect})")
    for name, work, pg_limit in runs:
        times = await timed(work, repeat)
        target = pg_limit if dialect == "postgresql" or pg_limit is None else max(limit, pg_limit)
        report(name, times, target)
    script = ScriptDirectory.from_config(_alembic_config())
    if INDEX_REVISION in {s.revision for s in script.walk_revisions()}:
        for _ in range(max(1, min(3, repeat))):
            await bench.migration()
        report("migrations", [math.nan, *bench.migration_times], None)
    await bench.db.dispose()
    for line, reply in bench.first_lines.items():
        print(f"  {line}: {reply}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
    print(f"peak memory (RSS) of the bot process: {peak:.0f} MB (target 500 MB)")


def report(name: str, times: list[float], target: float | None) -> None:
    """`times`: the first run's, then the measured runs'."""
    first, rest = times[0], times[1:] or times
    p50, p99 = percentile(rest, 0.5), percentile(rest, 0.99)
    verdict = "" if target is None else ("ok" if p99 < target else "OVER") + f" < {target:g} s"
    ms = " ".join(f"{x * 1000:6.0f}ms" for x in (first, p50, p99))
    print(f"{name:18s} {ms}  {verdict}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=20, help="runs of each command")
    parser.add_argument("--skip-seed", action="store_true", help="measure an already seeded db")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--now", default="", help=argparse.SUPPRESS)
    parser.add_argument(
        "--files",
        default="",
        help="directory for the bot's files, the data key and the SQLite "
        "database (default: a temporary one); give it to measure again with --skip-seed",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(args.files or tmp)
        url = args.database_url or f"sqlite+aiosqlite:///{files / 'bench.db'}"
        key = files / KEY_FILE
        if not key.exists():
            key.write_bytes(Fernet.generate_key())
        crypto.configure(key.read_bytes().decode())
        now = (
            datetime.fromisoformat(args.now)
            if args.now
            else datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0)
        )
        if args.seed_only:
            asyncio.run(seed(url, args.cases, args.sites, now))
            return
        if not args.skip_seed:  # in a child process: its memory is not the bot's
            child = [sys.executable, __file__, "--seed-only", "--database-url", url]
            child += ["--cases", str(args.cases), "--sites", str(args.sites)]
            child += ["--now", now.isoformat(), "--files", str(files)]
            subprocess.run(child, check=True)
        asyncio.run(measure(url, args.sites, args.repeat, now, files))


if __name__ == "__main__":
    main()
