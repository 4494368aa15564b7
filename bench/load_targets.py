"""Bot processes for the load benchmark and the two-instance test.

Each bot runs in its own process, as in production (`python -m bot run` with a config file),
so the fake Telegram server and the simulated people do not share its CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.telegram_api import FakeTelegramServer

REPO = Path(__file__).resolve().parents[1]
TOKEN = "123456:LOAD"
STAFF_GROUP = -100200300
WEBHOOK_SECRET = secrets.token_urlsafe(32)  # webhook mode needs a strong one (bot/config.py)


def _toml(value: object) -> str:
    """A TOML value: JSON strings, numbers, booleans and lists are valid TOML too."""
    return json.dumps(value, ensure_ascii=False)


@dataclass
class BotConfig:
    """What a bot process needs to know; written as the bot's TOML file."""

    server: FakeTelegramServer | None  # None: no Telegram
    db_url: str
    data_dir: Path
    data_key: str
    mode: str = "polling"
    port: int = 0
    admins: list[str] = field(default_factory=list)
    max_sends_per_second: float = 0
    outbox_poll_seconds: float = 0.5
    wechat: dict[str, Any] | None = None  # a [wechat] table instead of Telegram
    share_ports: bool = False  # several processes on one port (PostgreSQL)

    @property
    def webhook_url(self) -> str:
        """The local address the fake server's 'proxy' posts to."""
        return f"http://127.0.0.1:{self.port}/telegram"

    def write(self, path: Path) -> Path:
        tables: dict[str, dict[str, Any]] = {
            "center": {"default_locale": "en", "streets": ["示例街道", "新城街道", "河西镇"]},
            "database": {"url": self.db_url},
            "staff": {"admins": self.admins},
            "storage": {"files_dir": str(self.data_dir / "files")},
            "outbox": {"poll_seconds": self.outbox_poll_seconds},
            "security": {"data_key": self.data_key, "key_file": str(self.data_dir / "key")},
        }
        if self.server is not None:
            tables["telegram"] = {
                "token": TOKEN,
                "base_url": self.server.base_url,
                "base_file_url": self.server.base_file_url,
                "mode": self.mode,
                "webhook_url": "https://bot.invalid/telegram",
                "webhook_secret": WEBHOOK_SECRET,
                "listen": "127.0.0.1",
                "port": self.port or 8443,
                "staff_chat_id": STAFF_GROUP,
                "max_sends_per_second": self.max_sends_per_second,
            }
        if self.share_ports:
            tables["webhooks"] = {"share_ports": True}
        if self.wechat is not None:
            tables["wechat"] = {"port": self.port, "listen": "127.0.0.1", **self.wechat}
        lines = []
        for table, values in tables.items():
            lines.append(f"[{table}]")
            lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


class BotProcess:
    """A bot in a child process; started when the fake server sees it poll or set its webhook."""

    def __init__(self, argv: list[str], log_path: Path) -> None:
        self.argv = argv
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None

    @classmethod
    def ours(cls, config: Path) -> BotProcess:
        profile = os.environ.get("BENCH_PROFILE")  # a cProfile output file for our bot
        prefix = ["-m", "cProfile", "-o", profile] if profile else []
        return cls(
            [sys.executable, *prefix, "-m", "bot", "--config", str(config), "run"],
            config.with_suffix(".log"),
        )

    @classmethod
    def echo(cls, config: Path, stack: str = "stock") -> BotProcess:
        argv = [sys.executable, "-m", "bench.echo_bot", "--config", str(config), "--stack", stack]
        return cls(argv, config.with_suffix(".log"))

    async def start(self, ready: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
        """Start the process and wait until `ready()` says it serves."""
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv,
                cwd=REPO,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await ready():
            if self.proc.returncode is not None or loop.time() > deadline:
                await self.stop()
                raise RuntimeError(f"{self.argv[2]} did not start:\n{self.log_tail()}")
            await asyncio.sleep(0.05)

    async def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, as a service manager would; SIGKILL if it does not finish in time."""
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            await self.kill()

    async def kill(self) -> None:
        """kill -9: the process ends at once, with no cleanup."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the process has used so far; 0 where /proc is missing."""
        if self.proc is None:
            return 0.0
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def problems(self) -> list[str]:
        """Log lines that report an error or a traceback."""
        with contextlib.suppress(OSError):
            return [
                line
                for line in self.log_path.read_text(errors="replace").splitlines()
                if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")
            ]
        return []


def telegram_ready(server: FakeTelegramServer, mode: str) -> Callable[[], Awaitable[bool]]:
    """Ready once the bot polls, or sets its webhook (after its web server is up)."""
    method = "setWebhook" if mode == "webhook" else "getUpdates"
    before = len(server.calls_to(method))

    async def ready() -> bool:
        return len(server.calls_to(method)) > before

    return ready


def listening(process: BotProcess) -> Callable[[], Awaitable[bool]]:
    """Ready once the process logged that its web server listens (another process may
    already answer on a shared port)."""

    async def ready() -> bool:
        with contextlib.suppress(OSError):
            return "webhooks listening on" in process.log_path.read_text(errors="replace")
        return False

    return ready
