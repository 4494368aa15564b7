"""Bot configurations for the load benchmark and the two-instance test.

Each bot runs in its own process, as in production (`python -m bot run` with a config file,
started by tests/local.py's BotProcess), so the fake Telegram server and the simulated people
do not share its CPU.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.telegram_api import FakeTelegramServer

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
    search_process: bool = True  # [faq] search_process: search text in a child process

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
            "faq": {"search_process": self.search_process},
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
