"""Seed a database like a city's after five years (issue 21; used by bench/data_scale.py).

Made-up data, deterministic (random seed 21): `sites` sites (the district center and
stations s01…), `cases` cases spread evenly over the five years up to now, with their state
changes, the applicant as a person with a chat identity, follow-up answers, three outbox rows
per case for the last 45 days (older ones are purged after 30 days), three access-log rows
per case, and 3 mediators per site. Cases finished more than `retention.closed_case_days`
ago are anonymized, as the daily retention run would have left them. Rows go in with bulk
INSERTs of 2,000 rows (SQLAlchemy Core executemany), in the bot's own schema.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text

from settings import SiteSettings
from storage.cases import backfill_first_outcomes
from storage.db import Database
from storage.models import AccessLog, Case, CaseEvent, FollowUp, Identity, Person, Staff
from storage.models_platform import OutboxMessage

YEARS = 5
CHUNK = 2_000
RETENTION_DAYS = 1095
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌"
TRADES = ("建筑", "餐饮", "物流", "电子", "服装", "机械", "商贸", "家政", "保安", "科技")
CATEGORIES = ("pay", "overtime", "no_contract", "compensation", "social_insurance", "injury")
OUTCOME_WEIGHTS = {
    "agreement": 58,
    "failed": 14,
    "withdrawn": 9,
    "declined_by_respondent": 6,
    "referred": 8,
    "stale": 1,  # still in mediation long past its period: what /overdue lists
}
OUTCOMES = ("agreement", "failed", "withdrawn", "declined_by_respondent")
FINISHED = (*OUTCOMES, "referred", "closed")


def site_ids(count: int) -> list[str]:
    return ["center", *(f"s{n:02d}" for n in range(1, count))]


def site_settings(count: int) -> list[SiteSettings]:
    """The sites as configured: the center and street stations."""
    sites = [SiteSettings(id="center")]
    for n, site in enumerate(site_ids(count)[1:], start=1):
        sites.append(
            SiteSettings(
                id=site,
                name=f"第{n}街道调解工作站",
                name_en=f"Street station {n}",
                kind="station",
                streets=[f"第{n}街道"],
            )
        )
    return sites


class Seeder:
    def __init__(self, db: Database, cases: int, sites: int, now: datetime) -> None:
        self.db, self.count, self.now = db, cases, now
        self.sites = site_ids(sites)
        self.weights = [3] + [1] * (sites - 1)  # the center takes more cases than a station
        self.rng = random.Random(21)
        self.start = now - timedelta(days=365 * YEARS)
        self.employers = [
            f"{self.rng.choice(('新城', '河西', '东湖', '南山', '北港'))}{i}号"
            f"{self.rng.choice(TRADES)}有限公司"
            for i in range(3_000)
        ]
        self.totals: dict[str, int] = {}

    async def run(self) -> dict[str, int]:
        staff = await self._staff()
        step = timedelta(days=365 * YEARS) / self.count
        for first in range(1, self.count + 1, CHUNK):
            rows: dict[Any, list[dict[str, Any]]] = {
                t: [] for t in (Person, Identity, Case, CaseEvent, FollowUp, OutboxMessage)
            }
            rows[AccessLog] = []
            for case_id in range(first, min(first + CHUNK, self.count + 1)):
                submitted = (
                    self.start
                    + step * (case_id - 1)
                    + timedelta(seconds=self.rng.randrange(int(step.total_seconds()) or 1))
                )
                self._case(case_id, submitted, staff, rows)
            async with self.db.session() as session:
                for table, values in rows.items():
                    if values:
                        await session.execute(insert(table), values)
                        name = table.__tablename__
                        self.totals[name] = self.totals.get(name, 0) + len(values)
        await self._sequences()
        async with self.db.session() as session:  # the events went in bulk, past the ORM
            await backfill_first_outcomes(session)
        await self._steady_state()
        return self.totals

    async def _steady_state(self) -> None:
        """Remove the people only anonymized cases had, as the daily retention runs would have
        (else the first measured run deletes years of them, one by one)."""
        unneeded = (
            "SELECT id FROM people WHERE NOT EXISTS (SELECT 1 FROM cases"
            " WHERE cases.applicant_person_id = people.id) AND NOT EXISTS"
            " (SELECT 1 FROM follow_ups WHERE follow_ups.person_id = people.id)"
        )
        async with self.db.session() as session:
            await session.execute(text(f"DELETE FROM identities WHERE person_id IN ({unneeded})"))
            gone = await session.execute(text(f"DELETE FROM people WHERE id IN ({unneeded})"))
            self.totals["people"] -= gone.rowcount  # type: ignore[attr-defined]
        if self.db.dialect == "postgresql":
            async with self.db.engine.connect() as conn:  # statistics, as autovacuum keeps them
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("ANALYZE"))
        else:  # SQLite keeps them in sqlite_stat1: in a transaction that is committed
            async with self.db.engine.begin() as conn:
                await conn.execute(text("ANALYZE"))

    async def _staff(self) -> list[int]:
        async with self.db.session() as session:
            values = [
                {"member": f"bench:m{site}{k}", "name": f"调解员{site}{k}", "role": "mediator"}
                for site in self.sites
                for k in range(3)
            ]
            await session.execute(insert(Staff), values)
            return list((await session.execute(select(Staff.id).order_by(Staff.id))).scalars())

    async def _sequences(self) -> None:
        if self.db.dialect != "postgresql":
            return
        async with self.db.session() as session:
            for table in ("cases", "people"):
                top = (await session.execute(text(f"SELECT max(id) FROM {table}"))).scalar_one()
                await session.execute(
                    select(func.setval(func.pg_get_serial_sequence(table, "id"), top))
                )

    def _case(
        self, case_id: int, submitted: datetime, staff: list[int], rows: dict[Any, list]
    ) -> None:
        rng, now = self.rng, self.now
        site = rng.choices(self.sites, self.weights)[0]
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        channel = rng.choice(("telegram", "wechat", "wechat", "wechat"))
        rows[Person].append(
            {"id": case_id, "display_name": name, "locale": "zh_CN", "created_at": submitted}
        )
        rows[Identity].append(
            {
                "person_id": case_id,
                "channel": channel,
                "external_id": f"u{case_id}",
                "chat_id": f"u{case_id}",
                "last_seen_at": submitted + timedelta(days=rng.randrange(1, 60)),
            }
        )
        states = self._states(submitted)
        last = states[-1]
        ended = next(((at, s) for at, s in states if s in OUTCOMES), None)
        accepted = next((at for at, s in states if s == "accepted"), None)
        due = None
        if accepted is not None:
            day = (accepted + timedelta(days=15)).date()
            due = datetime.combine(day, time(15, 59), tzinfo=UTC)
        claimed = Decimal(rng.randrange(2_000, 200_000))
        row: dict[str, Any] = {
            "id": case_id,
            "number": f"LJ-{submitted.year}-{case_id:06d}",
            "state": last[1],
            "applicant_name": name,
            "applicant_phone": phone,
            "applicant_phone_last4": phone[-4:],
            "applicant_person_id": case_id,
            "respondent_name": rng.choice(self.employers),
            "categories": rng.sample(CATEGORIES, rng.choice((1, 1, 2))),
            "amount_claimed": claimed,
            "workers_count": 1,
            "collective": rng.random() < 0.02,
            "source_channel": channel,
            "entry_source": None,
            "site": site,
            "created_at": submitted - timedelta(minutes=20),
            "submitted_at": submitted,
            "received_at": submitted,
            "accept_by": (submitted + timedelta(days=3)).date(),
            "accepted_at": accepted,
            "due_at": due,
            "mediator_id": rng.choice(staff) if accepted else None,
            "outcome_at": ended[0] if ended else None,
            "outcome_amount": None,
            "closed_at": last[0] if last[1] == "closed" else None,
            "updated_at": last[0],
        }
        if ended and ended[1] == "agreement":
            row["outcome_amount"] = claimed * Decimal("0.7")
        if last[1] in FINISHED and last[0] < now - timedelta(days=RETENTION_DAYS):
            row |= {"applicant_name": "—", "applicant_phone": "", "applicant_phone_last4": ""}
            row |= {"applicant_person_id": None, "respondent_name": "—"}
            row["anonymized_at"] = last[0] + timedelta(days=RETENTION_DAYS, hours=1)
        rows[Case].append(row)
        previous = None
        for at, state in states:
            rows[CaseEvent].append(
                {
                    "case_id": case_id,
                    "at": at,
                    "actor": "system" if state == "submitted" else "bench:admin",
                    "from_state": previous,
                    "to_state": state,
                    "action": "state",
                }
            )
            previous = state
        if ended is not None:
            self._follow_ups(case_id, ended, rows)
        if submitted > now - timedelta(days=45):
            for k, chat in enumerate(("group", f"u{case_id}", f"u{case_id}")):
                rows[OutboxMessage].append(
                    {
                        "idempotency_key": f"bench:{case_id}:{k}",
                        "channel": channel,
                        "chat_id": chat,
                        "payload": {"replies": [{"text": f"案件 {row['number']} 有新进展。"}]},
                        "status": "delivered",
                        "created_at": submitted + timedelta(minutes=k),
                        "next_attempt_at": submitted,
                        "delivered_at": submitted + timedelta(minutes=k, seconds=2),
                    }
                )
        for k in range(3):
            rows[AccessLog].append(
                {
                    "at": submitted + timedelta(days=k + 1),
                    "actor": "bench:admin",
                    "case_id": case_id,
                    "action": "view_case",
                }
            )

    def _states(self, submitted: datetime) -> list[tuple[datetime, str]]:
        """The case's state changes up to now."""
        rng = self.rng
        days = [1, 2, 3, rng.randrange(5, 26)]  # accepted, assigned, in mediation, outcome
        outcome = rng.choices(list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values()))[0]
        plan = ["accepted", "assigned", "in_mediation", outcome]
        if outcome == "referred":
            plan, days = ["referred"], [2]
        elif outcome == "declined_by_respondent":
            plan, days = ["accepted", "declined_by_respondent"], [1, 4]
        elif outcome == "stale":
            plan, days = plan[:3], days[:3]
        elif outcome == "agreement" and rng.random() < 0.3:
            plan, days = [*plan, "closed"], [*days, days[-1] + 30]
        moments = [submitted + timedelta(days=d, hours=rng.randrange(8)) for d in days]
        changes = [(submitted, "submitted")]
        changes += [(at, s) for at, s in zip(moments, plan, strict=True) if at < self.now]
        return changes

    def _follow_ups(self, case_id: int, ended: tuple[datetime, str], rows: dict) -> None:
        at, outcome = ended
        kinds = [("satisfaction", 1)] if self.rng.random() < 0.7 else []
        if outcome == "agreement":
            kinds.append(("fulfilment", 30))
        for kind, days in kinds:
            due = at + timedelta(days=days)
            done = due < self.now
            answer = (
                self.rng.choice("34455")
                if kind == "satisfaction"
                else self.rng.choice(("yes", "yes", "yes", "partly", "no"))
            )
            rows[FollowUp].append(
                {
                    "case_id": case_id,
                    "person_id": case_id,
                    "kind": kind,
                    "status": "answered" if done else "scheduled",
                    "due_at": due,
                    "sent_at": due if done else None,
                    "answered_at": due + timedelta(hours=3) if done else None,
                    "answer": answer if done else None,
                }
            )
