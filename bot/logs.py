"""Log lines an operator can use and that never carry a person's numbers.

format "text": one readable line each; "json": one JSON object per line with time, level,
logger, message, and (while a message is handled) channel, update_id and case.

Every line at every level, tracebacks included, goes through handlers.casework.validators.mask_text:
mobile numbers, ID numbers and any run of 12+ digits (bank cards) keep at most their last 4
digits, wherever they come from. Libraries that log whole messages or SQL parameters at
debug level (python-telegram-bot, httpx, SQLAlchemy, aiosqlite) stay at INFO or above even
with -v; the engine also hides statement parameters from its errors (storage/db.py).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

from handlers.conversation import log_context
from handlers.conversation.masking import mask_text

CASE_REF = re.compile(r"\b[A-Z]{1,6}-\d{4}-\d{6}\b")
#: Libraries whose debug lines carry message texts, names, tokens or SQL parameters.
QUIET = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "sqlalchemy": logging.WARNING,
    "aiosqlite": logging.INFO,
    "asyncpg": logging.INFO,
    "alembic": logging.WARNING,
    "jieba": logging.WARNING,
    "matplotlib": logging.WARNING,
    "PIL": logging.INFO,
}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Context(logging.Filter):
    """Adds the handled update's channel, update id and case number to the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.channel = log_context.channel.get()
        record.update_id = log_context.update_id.get()
        record.case = log_context.case_number.get()
        return True


class MaskedText(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


class Json(logging.Formatter):
    """One JSON object per line; the message and any traceback masked."""

    def format(self, record: logging.LogRecord) -> str:
        message = mask_text(record.getMessage())
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        channel = getattr(record, "channel", None)
        if channel:
            line["channel"] = channel
            line["update_id"] = mask_text(str(getattr(record, "update_id", "") or ""))
        case = getattr(record, "case", None)
        found = CASE_REF.search(message)
        if case:
            line["case"] = case
        elif found:
            line["case"] = found.group(0)
        if record.exc_info:
            line["traceback"] = mask_text(self.formatException(record.exc_info))
        elif record.exc_text:
            line["traceback"] = mask_text(record.exc_text)
        return json.dumps(line, ensure_ascii=False)


def configure(
    fmt: str = "text",
    *,
    verbose: bool = False,
    console: bool = False,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Install the one handler on the root logger (replacing any other); returns it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(Context())
    handler.setFormatter(Json() if fmt == "json" else MaskedText(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else (logging.WARNING if console else logging.INFO))
    for name, level in QUIET.items():
        logging.getLogger(name).setLevel(level)
    return handler
