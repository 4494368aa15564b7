"""How long a month's subsidies (以案定补) and a year's assessment (年度考核) take to compute
over a year of cases, on SQLite and PostgreSQL.

Seeds CASES cases (spread over the year, each with a mediator, an outcome and a satisfaction score)
for MEDIATORS mediators, then times `month_subsidies` for one month and `assess` for the year.

    .venv/bin/python -m bench.mediator_reports --cases 5000
    .venv/bin/python -m bench.mediator_reports --cases 5000 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1/test   # wiped first
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet

from bot.config import Settings
from handlers.office.assessment import assess
from handlers.office.subsidy import month_subsidies
from storage import crypto
from storage.db import Database
from storage.models import Case, CaseEvent, FollowUp, Person, Staff, Training
from tests.local import reset_postgres

OUTCOMES = ("agreement", "agreement", "failed", "withdrawn")


async def seed(db: Database, cases: int, mediators: int) -> None:
    rng = random.Random(23)
    async with db.session() as s:
        staff = [
            Staff(member=f"bench:{i}", name=f"调解员{i:02d}", role="mediator")
            for i in range(mediators)
        ]
        person = Person()
        s.add_all([*staff, person])
        await s.flush()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for n in range(cases):
            received = start + timedelta(minutes=rng.randrange(360 * 24 * 60))
            ended = received + timedelta(days=rng.randrange(1, 30))
            outcome = rng.choice(OUTCOMES)
            case = Case(
                number=f"LJ-2026-{n + 1:06d}",
                state=outcome,
                applicant_name="张测试",
                applicant_phone="13912345678",
                respondent_name="示例制造有限公司",
                categories=["pay"],
                applicant_person_id=person.id,
                mediator_id=rng.choice(staff).id,
                submitted_at=received,
                received_at=received,
                due_at=received + timedelta(days=15),
                outcome_at=ended,
                collective=rng.random() < 0.05,
            )
            s.add(case)
            s.add(CaseEvent(case=case, at=ended, actor="bench", action="state", to_state=outcome))
            if n % 500 == 499:
                await s.flush()
        await s.flush()
        ids = [
            c
            for (c,) in (await s.execute(Case.__table__.select().with_only_columns(Case.id))).all()
        ]
        for case_id in ids:
            answer = str(rng.randint(1, 5))
            s.add(
                FollowUp(
                    case_id=case_id, person_id=person.id, kind="satisfaction",
                    status="answered", due_at=start, answer=answer,
                )
            )  # fmt: skip
        s.add_all(Training(staff_id=m.id, day=date(2026, 6, 1), topic="培训") for m in staff)


async def run(url: str, cases: int, mediators: int) -> None:
    crypto.configure(Fernet.generate_key())
    if url.startswith("postgresql"):
        await reset_postgres(url)  # an empty schema: the bench database is wiped
    db = Database(url)
    await db.upgrade()
    settings = Settings()
    began = time.perf_counter()
    await seed(db, cases, mediators)
    print(f"seeded {cases} cases for {mediators} mediators in {time.perf_counter() - began:.1f} s")
    for label, work in (
        ("subsidies, one month", lambda s: month_subsidies(s, date(2026, 6, 1), settings)),
        ("assessment, the year", lambda s: assess(s, 2026, settings)),
    ):
        times = []
        for _ in range(3):
            async with db.session() as s:
                began = time.perf_counter()
                await work(s)
                times.append(time.perf_counter() - began)
        print(f"{label}: best of 3 {1000 * min(times):.0f} ms")
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--mediators", type=int, default=20)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        asyncio.run(run(url, args.cases, args.mediators))


if __name__ == "__main__":
    main()
