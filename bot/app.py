"""Wiring: settings → database → core → channels → outbox dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from bot import metrics
from bot.channels.base import Channel
from bot.channels.console import ConsoleChannel
from bot.config import Settings
from bot.dispatcher import OutboxDispatcher
from bot.health import HealthServer
from bot.startup import database_problem, keep_trying
from handlers.app import Core
from handlers.conversation.audience import WORK_GROUP
from handlers.office import risk_warnings
from handlers.staff import broadcast_job, digest
from storage import retention
from storage.db import open_database

if TYPE_CHECKING:
    from bot.channels.wechat_broadcast import WeChatBroadcastChannel

log = logging.getLogger(__name__)


class BotApp:
    """Everything one bot process runs."""

    def __init__(
        self,
        settings: Settings,
        channels: list[str],
        *,
        console_staff: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.db = open_database(settings)
        self.core = Core(settings, self.db, clock=clock) if clock else Core(settings, self.db)
        self.core.console_staff = console_staff
        self.channel_names = channels
        self.channels: dict[str, Channel] = {}
        self.web_app = web.Application(client_max_size=2 * 1024 * 1024)
        self.web_runner: web.AppRunner | None = None
        self.dispatcher: OutboxDispatcher | None = None
        self._stop = asyncio.Event()
        self._housekeeping: asyncio.Task[None] | None = None
        self._broadcaster: asyncio.Task[None] | None = None
        self.wechat_broadcast: WeChatBroadcastChannel | None = None
        self.started: set[str] = set()  # channels whose start() returned (for /readyz)
        self.health = HealthServer(settings.health, self.db, self._channel_states)

    def _channel_states(self) -> dict[str, bool]:
        return {name: name in self.started for name in self.channel_names}

    def _wake(self) -> None:
        """Deliver now: a transaction queued or released pushes (see Database.on_outbox)."""
        if self.dispatcher:
            self.dispatcher.wake()

    def _build_channels(self) -> None:
        s = self.settings
        max_bytes = s.storage.max_attachment_mb * 1024 * 1024
        handle = metrics.instrumented(self.core.handle)  # counted, timed, named in the logs
        metrics.known_channels(self.channel_names)
        if "telegram" in self.channel_names:
            from bot.channels.telegram import TelegramChannel

            self.channels["telegram"] = TelegramChannel(
                s.telegram,
                handle,
                files_dir=s.storage.files_dir,
                max_bytes=max_bytes,
                web_app=self.web_app,
            )
        if "wechat" in self.channel_names:
            from bot.channels.wechat import WeChatChannel
            from bot.channels.wechat_broadcast import WeChatBroadcastChannel

            wechat = WeChatChannel(
                s.wechat,
                handle,
                self.db,
                files_dir=s.storage.files_dir,
                max_bytes=max_bytes,
                web_app=self.web_app,
                tz=s.tz,
            )
            self.channels["wechat"] = wechat
            self.wechat_broadcast = WeChatBroadcastChannel(s.wechat, wechat.api, self.db)
            self.channels[self.wechat_broadcast.name] = self.wechat_broadcast
        if "wecom" in self.channel_names:
            from bot.channels.wecom import WeComChannel

            self.channels["wecom"] = WeComChannel(
                s.wecom,
                handle,
                self.db,
                files_dir=s.storage.files_dir,
                max_bytes=max_bytes,
                web_app=self.web_app,
                site_robots={
                    site.id: site.wecom_robot_webhook_url
                    for site in s.all_sites()
                    if site.wecom_robot_webhook_url
                },
            )
        if "console" in self.channel_names:
            self.channels["console"] = ConsoleChannel(
                handle,
                user=s.console.user,
                files_dir=s.storage.files_dir,
                max_bytes=max_bytes,
                staff=self.core.console_staff,
                work_group=self.core.translator()(WORK_GROUP),
            )

    def searches_ahead(self) -> bool:
        """Whether a search process is started: on two cores or more, unless turned off, and
        not for the console alone (one person at a keyboard: nothing to search ahead for, and
        a second process the size of the knowledge base would only slow the start)."""
        others = set(self.channel_names) - {"console"}
        return self.settings.faq.search_process and (os.cpu_count() or 1) >= 2 and bool(others)

    async def start(self) -> bool:
        """Start everything; False when stopped while waiting for the database or a channel
        to become reachable (bot/startup.py; StartupError when waiting cannot help)."""
        await self.health.start()  # /healthz answers while the rest starts; /readyz says not yet
        db_problem = database_problem(self.settings.database.url)
        if not await keep_trying("database", self.db.upgrade, db_problem, self._stop):
            return False
        await self.core.warm_knowledge()  # before listening: the first question is not slow
        if self.searches_ahead():
            await self.core.start_search_process()
        await self.core.start()
        self._build_channels()
        addresses = self._web_addresses()
        if addresses:
            # No access log: a line per webhook call costs CPU; the HTTPS proxy logs them.
            self.web_runner = web.AppRunner(self.web_app, access_log=None)
            await self.web_runner.setup()
            for host, port in sorted(addresses):
                shared = self.settings.webhooks.share_ports
                await web.TCPSite(self.web_runner, host, port, reuse_port=shared).start()
                log.info("webhooks listening on %s:%s", host, port)
        for name, channel in self.channels.items():
            problem = getattr(channel, "startup_problem", None)
            if problem is None:
                await channel.start()
            elif not await keep_trying(name, channel.start, problem, self._stop):
                return False
            self.started.add(name)
        self.dispatcher = OutboxDispatcher(
            self.db,
            self.channels,
            poll_seconds=self.settings.outbox.poll_seconds,
            max_attempts=self.settings.outbox.max_attempts,
            lease_seconds=self.settings.outbox.lease_seconds,
        )
        self.dispatcher.start()
        self.db.on_outbox = self._wake
        self._housekeeping = asyncio.create_task(self._housekeep(), name="housekeeping")
        self._broadcaster = asyncio.create_task(self._broadcast(), name="broadcaster")
        return True

    async def _broadcast(self) -> None:
        """Confirmed broadcasts become pushes, paced to the send rate (issue 22)."""
        while not self._stop.is_set():
            busy = False
            try:
                busy = await broadcast_job.tick(self.core, self.core.clock())
                if busy:
                    self._wake()
            except Exception:
                log.exception("broadcast pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=0.5 if busy else 2.0)

    def _web_addresses(self) -> set[tuple[str, int]]:
        """Where webhook channels listen; channels on the same address share one server."""
        s = self.settings
        addresses: set[tuple[str, int]] = set()
        if s.telegram.mode == "webhook" and "telegram" in self.channels:
            addresses.add((s.telegram.listen, s.telegram.port))
        if "wechat" in self.channels:
            addresses.add((s.wechat.listen, s.wechat.port))
        if "wecom" in self.channels and s.wecom.app_enabled:
            addresses.add((s.wecom.listen, s.wecom.port))
        return addresses

    async def _housekeep(self) -> None:
        """Every minute: the FAQ knowledge base caught up with other processes' `/faq link` and
        with changed knowledge files, scheduled work (digest, overdue notices); every
        `risk.evaluate_minutes` (and at start): the risk ledger's early warnings; every hour:
        the day's retention purge, if no instance has run it yet today (storage/retention.py)."""
        minutes = 0
        while not self._stop.is_set():
            await self.core.sync_knowledge()  # never raises: logs and tries again next minute
            try:
                await digest.tick(self.core, self.core.clock())
                await self.core.answers.push_unsent(self.settings.outbox.unsent_reply_seconds)
                if minutes % self.settings.risk.evaluate_minutes == 0:  # the risk ledger
                    await risk_warnings.tick(self.core, self.core.clock())
                if self.wechat_broadcast is not None:  # subscribers tagged as they subscribe
                    await self.wechat_broadcast.sync_tags()
                if minutes % 60 == 0:
                    went = await retention.run_daily(self.db, self.settings, self.core.clock())
                    if went is not None and not went.empty:
                        log.info("retention purge: %s", went.counts())
                self._wake()
            except Exception:
                log.exception("scheduled work failed; retrying in a minute")
            minutes += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=60)

    async def stop(self) -> None:
        self._stop.set()
        if self._housekeeping:
            await self._housekeeping
        if self._broadcaster:
            await self._broadcaster
        if self.dispatcher:
            await self.dispatcher.stop()
        for channel in self.channels.values():
            await channel.stop()
        self.started.clear()
        await self.core.close()
        if self.web_runner:
            await self.web_runner.cleanup()
        await self.health.stop()
        await self.db.dispose()

    async def run_forever(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):  # also while start waits for the database
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, self._stop.set)
        try:
            started = await self.start()
        except BaseException:
            await self.stop()
            raise
        if not started:
            await self.stop()
            return
        waiters = [asyncio.create_task(self._stop.wait())]
        console = self.channels.get("console")
        if isinstance(console, ConsoleChannel):
            waiters.append(asyncio.create_task(console.finished.wait()))
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
            if self.dispatcher:  # deliver what the last message queued, after the pass in
                # progress (a pass beside it could print a later push before an earlier one)
                await self.dispatcher.stop()
                with contextlib.suppress(Exception):
                    await self.dispatcher.run_once()
            await self.stop()
