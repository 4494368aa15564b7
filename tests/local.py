"""Local resources the tests and the benchmarks share: a free port, an empty PostgreSQL, the bot
as a child process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy import make_url, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import create_async_engine

if TYPE_CHECKING:
    from tests.fakes.telegram_api import FakeTelegramServer

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serve_locally(app: web.Application) -> tuple[web.AppRunner, int]:
    """Serve `app` on 127.0.0.1 at a port the system picks; returns the runner and the port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, int(runner.addresses[0][1])


def worker_database_url(url: str, worker: str | None) -> str:
    """The database a pytest-xdist worker runs on: `test` -> `test_gw0` for worker gw0 (each
    worker empties and migrates its own); `url` itself without a worker (or without a URL)."""
    if not url or not worker:
        return url
    real = make_url(url)
    return real.set(database=f"{real.database}_{worker}").render_as_string(hide_password=False)


async def create_database(url: str) -> None:
    """The database of `url`, created through the server's `postgres` database if missing."""
    real = make_url(url)
    name = real.database or ""
    engine = create_async_engine(real.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if found.first() is None:
                quoted = '"' + name.replace('"', '""') + '"'
                with contextlib.suppress(ProgrammingError):  # made meanwhile by another run
                    await conn.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        await engine.dispose()


async def reset_postgres(url: str) -> None:
    """An empty public schema (the bot or the test migrates it)."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


Ready = Callable[[], Awaitable[bool]]
"""A readiness check: asked again and again after a start until it says the bot serves."""


class BotProcess:
    """A bot in a child process (`python -m bot --config FILE run`, as in production), started,
    killed and stopped by a test or a benchmark.

    When it counts as started is pluggable: `start(ready)` takes a readiness check, or calls
    the `ready` factory given here (one fresh check per start, for a bot started many times).
    """

    def __init__(
        self,
        argv: list[str],
        log_path: Path,
        *,
        cwd: Path = REPO,
        env: dict[str, str] | None = None,
        ready: Callable[[], Ready] | None = None,
    ) -> None:
        self.argv = argv
        self.log_path = log_path
        self.cwd = cwd
        self.extra_env = env or {}  # on top of the environment as it is at each start
        self.ready = ready
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    @classmethod
    def ours(
        cls,
        config: Path,
        *,
        log_path: Path | None = None,
        cwd: Path = REPO,
        env: dict[str, str] | None = None,
        ready: Callable[[], Ready] | None = None,
    ) -> BotProcess:
        """`python -m bot run` with `config`; its log next to it (config.log) unless given."""
        profile = os.environ.get("BENCH_PROFILE")  # a cProfile output file (bench/load.py)
        prefix = ["-m", "cProfile", "-o", profile] if profile else []
        argv = [sys.executable, *prefix, "-m", "bot", "--config", str(config), "run"]
        log = log_path or config.with_suffix(".log")
        return cls(argv, log, cwd=cwd, env=env, ready=ready)

    @classmethod
    def echo(cls, config: Path, stack: str = "stock") -> BotProcess:
        """The benchmark's echo bot (bench/echo_bot.py) on the same configuration."""
        argv = [sys.executable, "-m", "bench.echo_bot", "--config", str(config), "--stack", stack]
        return cls(argv, config.with_suffix(".log"))

    async def start(self, ready: Ready | None = None, timeout: float = 60.0) -> None:
        """Start the process and wait until `ready()` says it serves; stopped, with the end of
        its log in the error, if it dies or is not ready in time."""
        if ready is None:
            if self.ready is None:
                raise ValueError("no readiness check: pass one to start() or to BotProcess()")
            ready = self.ready()
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start {self.starts} =====\n".encode())
            log.flush()
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv,
                cwd=self.cwd,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.extra_env},
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await ready():
            if not self.alive or loop.time() > deadline:
                await self.stop()
                raise RuntimeError(f"{self.argv[2]} did not start:\n{self.log_tail()}")
            await asyncio.sleep(0.05)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, as a service manager would; SIGKILL if it does not finish in time."""
        if not self.alive:
            return
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            await self.kill()

    async def kill(self) -> None:
        """kill -9: the process ends at once, with no cleanup of any kind."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the process and its live children (the search process)
        have used so far; 0 where /proc is missing."""
        if self.proc is None:
            return 0.0
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
            if stat.parent.name == str(self.proc.pid) or fields[1] == str(self.proc.pid):
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def output(self) -> str:
        """The whole log, every start of it."""
        with contextlib.suppress(OSError):
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def problems(self) -> list[str]:
        """Log lines that report an error or a traceback."""
        return [
            line
            for line in self.output().splitlines()
            if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")
        ]


def telegram_ready(server: FakeTelegramServer, mode: str) -> Ready:
    """Ready once the bot's first poll was answered, or it set its webhook (after its web
    server is up)."""
    method = "setWebhook" if mode == "webhook" else "getUpdates"
    before = len(server.calls_to(method))

    async def ready() -> bool:
        return len(server.calls_to(method)) > before

    return ready


def asked_for_updates(server: FakeTelegramServer) -> Ready:
    """Ready once the bot asked for updates, though the long poll may still be waiting."""

    def polls() -> int:
        return sum(1 for c in server.calls if c.method == "getUpdates")

    before = polls()

    async def ready() -> bool:
        return polls() > before

    return ready


def listening(process: BotProcess) -> Ready:
    """Ready once the process logged that its web server listens (another process may
    already answer on a shared port)."""

    async def ready() -> bool:
        return "webhooks listening on" in process.output()

    return ready
