"""GET /healthz, /readyz and /metrics on the address in [health] (off while its port is 0).

/healthz: the process and its event loop answer. /readyz: the database answers, its
migrations are current, and every configured channel has started (503 and the failed checks
otherwise). /metrics: Prometheus' text format: this process' counters (bot/metrics.py) and,
read from the database at each scrape, the outbox backlog and the open cases. With several
processes each serves its own; the database figures are the same from each (use max, not sum).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text

from bot.metrics import REGISTRY
from handlers.casework.lifecycle import ENDED
from settings import HealthSettings
from storage.db import Database, migration_heads
from storage.models import Case, OutboxMessage, utcnow

log = logging.getLogger(__name__)

CHECK_SECONDS = 5.0
OUTBOX_STATES = ("pending", "held", "failed")


class DatabaseFigures(Collector):
    """The figures read from the database, as of the last refresh (one per scrape)."""

    def __init__(self) -> None:
        self.outbox: dict[str, int] = dict.fromkeys(OUTBOX_STATES, 0)
        self.oldest_pending_seconds = 0.0
        self.overdue = 0
        self.open_by_state: dict[str, int] = {}
        self.up = 0

    async def refresh(self, db: Database, now: datetime) -> None:
        outbox, case = OutboxMessage, Case
        async with db.sessions() as session:
            rows = await session.execute(
                select(outbox.status, func.count())
                .where(outbox.status.in_(OUTBOX_STATES))
                .group_by(outbox.status)
            )
            counts = {state: n for state, n in rows.all()}
            oldest = (
                await session.execute(
                    select(func.min(outbox.created_at)).where(outbox.status == "pending")
                )
            ).scalar_one()
            is_open = (case.number.is_not(None), case.state.not_in(ENDED))
            by_state = await session.execute(
                select(case.state, func.count()).where(*is_open).group_by(case.state)
            )
            overdue = (
                await session.execute(
                    select(func.count()).select_from(case).where(*is_open, case.due_at < now)
                )
            ).scalar_one()
        self.outbox = {state: int(counts.get(state, 0)) for state in OUTBOX_STATES}
        self.oldest_pending_seconds = (now - oldest).total_seconds() if oldest else 0.0
        self.open_by_state = {state: int(n) for state, n in by_state.all()}
        self.overdue = int(overdue)
        self.up = 1

    def collect(self) -> Iterable[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "mediation_database_up", "1 if the database answered this scrape's queries"
        )
        up.add_metric([], self.up)
        yield up
        box = GaugeMetricFamily(
            "mediation_outbox_messages",
            "Pushes in the outbox: pending (the backlog), held (WeChat: until the person "
            "writes), failed (given up after outbox.max_attempts)",
            labels=["status"],
        )
        for state, count in self.outbox.items():
            box.add_metric([state], count)
        yield box
        yield GaugeMetricFamily(
            "mediation_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending push (0 when none is pending)",
            value=self.oldest_pending_seconds,
        )
        yield GaugeMetricFamily(
            "mediation_cases_overdue",
            "Open cases past their mediation deadline",
            value=self.overdue,
        )
        open_cases = GaugeMetricFamily(
            "mediation_cases_open", "Open cases (numbered, not ended), per state", labels=["state"]
        )
        for state, count in sorted(self.open_by_state.items()):
            open_cases.add_metric([state], count)
        yield open_cases


class HealthServer:
    """The operator's view of one bot process."""

    def __init__(
        self,
        settings: HealthSettings,
        db: Database,
        channels: Callable[[], Mapping[str, bool]],
    ) -> None:
        self.settings = settings
        self.db = db
        self.channels = channels  # configured channel -> started
        self.figures = DatabaseFigures()
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(self.figures)
        self._heads: set[str] | None = None
        self._runner: web.AppRunner | None = None
        self.app = web.Application()
        self.app.router.add_get("/healthz", self.healthz)
        self.app.router.add_get("/readyz", self.readyz)
        self.app.router.add_get("/metrics", self.metrics)

    @property
    def enabled(self) -> bool:
        return self.settings.port > 0

    async def start(self) -> None:
        if not self.enabled:
            return
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        # never reuse_port: each process answers for itself, on its own port
        await web.TCPSite(self._runner, self.settings.listen, self.settings.port).start()
        log.info("health and metrics on %s:%s", self.settings.listen, self.settings.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def healthz(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(self, _request: web.Request) -> web.Response:
        checks = await self.checks()
        ready = all(ok for ok, _ in checks.values())
        body = {
            "ready": ready,
            "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()},
        }
        return web.json_response(body, status=200 if ready else 503)

    async def checks(self) -> dict[str, tuple[bool, str]]:
        result: dict[str, tuple[bool, str]] = {}
        try:
            async with asyncio.timeout(CHECK_SECONDS), self.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            result["database"] = (True, "answers")
        except Exception as exc:
            result["database"] = (False, f"unreachable: {type(exc).__name__}")
        if result["database"][0]:
            try:
                if self._heads is None:
                    self._heads = migration_heads()
                async with asyncio.timeout(CHECK_SECONDS):
                    current = await self.db.revisions()
                ok = current == self._heads
                expected = sorted(self._heads)
                detail = "current" if ok else f"at {sorted(current)}, expected {expected}"
                result["migrations"] = (ok, detail)
            except Exception as exc:
                result["migrations"] = (False, f"unknown: {type(exc).__name__}")
        for name, started in self.channels().items():
            result[f"channel:{name}"] = (started, "started" if started else "not started")
        return result

    async def metrics(self, _request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                await self.figures.refresh(self.db, utcnow())
        except Exception as exc:
            self.figures.up = 0
            log.warning("metrics: the database figures could not be read: %s", type(exc).__name__)
        body = generate_latest(REGISTRY) + generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
