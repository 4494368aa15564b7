"""How long the risk ledger takes to build: it runs after every filing and on the timer.

Seeds N cases (received over the last year, a third still open) against N/4 employers
written in several variants, then times `build_ledger` (grading every employer, as the timer
does), the evaluation after a filing (that case's employer only) and one evaluation with
warnings. Prints milliseconds (median of the runs) and the ledger's counts.

    .venv/bin/python -m bench.risk_ledger --cases 10000
    .venv/bin/python -m bench.risk_ledger --cases 10000 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1/test   # its schema is emptied
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.config import Settings
from handlers.app import Core
from handlers.office import risk_warnings
from handlers.office.risk import build_ledger, counts_by_level
from storage import crypto
from storage.db import Database
from storage.models import Case
from tests.local import reset_postgres

HEADS = "华联宏达金鑫永安恒通顺利鸿运兴旺嘉禾富源天成瑞丰昌盛隆泰广源新城河西柳江"  # 40 characters
VARIANTS = ("{}有限公司", "{}有限责任公司", "{}（柳州）有限公司", "{}有限公司河西分公司", "{}公司")


def cases(n: int, now: datetime) -> list[Case]:
    rng = random.Random(7)
    employers = max(n // 4, 1)
    out = []
    for i in range(n):
        e = rng.randrange(employers)
        head = HEADS[e % len(HEADS)] + HEADS[(e // len(HEADS)) % len(HEADS)]
        base = f"{head}{'建筑' if e % 5 == 0 else '制造' if e % 5 == 1 else '商贸'}{e}"
        received = now - timedelta(days=rng.uniform(0, 365))
        out.append(
            Case(
                number=f"LJ-2026-{i + 1:06d}",
                state=rng.choice(("submitted", "in_mediation", "agreement", "failed", "closed")),
                applicant_name=f"工人{i}",
                applicant_phone="13912345678",
                respondent_name=rng.choice(VARIANTS).format(base),
                categories=[rng.choice(("pay", "pay", "compensation", "injury"))],
                amount_claimed=Decimal(rng.randrange(1000, 60000)),
                workers_count=12 if rng.random() < 0.01 else 1,
                submitted_at=received,
                received_at=received,
            )
        )
    return out


async def main(n: int, url: str | None, runs: int) -> None:
    crypto.configure(Fernet.generate_key().decode())
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings()
        settings.database.url = url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        if url:
            await reset_postgres(url)
        db = Database(settings.database.url)
        await db.upgrade()
        now = datetime.now(UTC)
        async with db.session() as s:
            s.add_all(cases(n, now))
        times = []
        for _ in range(runs):
            async with db.session() as s:
                start = time.perf_counter()
                ledger = await build_ledger(s, settings.tz, now)
                times.append((time.perf_counter() - start) * 1000)
        near_times = []
        async with db.session() as s:
            filed = (await s.execute(select(Case).order_by(Case.id.desc()).limit(20))).scalars()
            for case in filed:
                start = time.perf_counter()
                await build_ledger(s, settings.tz, now, near=case)
                near_times.append((time.perf_counter() - start) * 1000)
        core = Core(settings, db)
        start = time.perf_counter()
        warned = await risk_warnings.tick(core, now)
        first = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        await risk_warnings.tick(core, now)
        again = (time.perf_counter() - start) * 1000
        await db.dispose()
    kind = settings.database.url.split("+")[0]
    counts = counts_by_level(ledger)
    print(f"{kind}, {n:,} cases, {max(n // 4, 1):,} employers (5 name variants each)")
    print(f"build_ledger: median {statistics.median(times):.0f} ms over {runs} runs")
    print(
        f"after a filing (one employer): median {statistics.median(near_times):.0f} ms, "
        f"max {max(near_times):.0f} ms over {len(near_times)} cases"
    )
    print(f"evaluate and warn: first {first:.0f} ms ({warned} warnings), again {again:.0f} ms")
    print(f"ledger: {len(ledger)} graded · red {counts['red']} · orange {counts['orange']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="PostgreSQL (its schema is emptied)")
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.database_url, args.runs))
