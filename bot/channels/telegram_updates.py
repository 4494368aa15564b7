"""Reading Telegram updates one at a time, so that one the library cannot parse is skipped.

python-telegram-bot parses a whole `getUpdates` batch at once: a single update it cannot
parse (say a poll whose option lacks a field the installed version requires) fails the
batch, the offset never moves, and polling stops for everyone. Its own error message logs the
whole raw batch, other people's texts and phone numbers included. Here each update is parsed
on its own; one that fails is logged by its id and the reason only, and skipped.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Bot, Update

log = logging.getLogger(__name__)

# TypeError from a dataclass-like constructor: names the class and the field, never a value.
_SAFE_REASON = re.compile(
    r"[\w.]+\(\) (missing \d+ required [\w -]+ arguments?: [\w' ,]+"
    r"|got an unexpected keyword argument '\w+')"
)
_FIELD_NAME = re.compile(r"[a-z_]{1,40}")


def failure_reason(exc: BaseException) -> str:
    """What went wrong, without any of the update's content.

    A missing or unexpected field is named (that is all a TypeError from a constructor says);
    for anything else only the kind of error is given, as its message may quote a value.
    """
    message = str(exc)
    if isinstance(exc, TypeError) and _SAFE_REASON.fullmatch(message):
        return f"TypeError: {message}"
    return type(exc).__name__


def update_id_of(data: Any) -> int | None:
    """The update's id, if it has a proper one."""
    if isinstance(data, dict):
        value = data.get("update_id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def parse_update(data: Any, bot: Bot) -> Update | None:
    """The update, or None (logged by id and reason) when it cannot be parsed."""
    try:
        if not isinstance(data, dict):
            raise TypeError("an update must be a JSON object")
        update = Update.de_json(data, bot)
        if update is None:
            raise ValueError("empty update")
        return update
    except Exception as exc:
        kinds = sorted(k for k in data if _FIELD_NAME.fullmatch(str(k)) and k != "update_id")
        log.warning(
            "telegram update %s skipped: cannot be read (%s; carries %s)",
            update_id_of(data),
            failure_reason(exc),
            ", ".join(kinds[:5]) or "nothing",
        )
        return None


class _NoRawBatches(logging.Filter):
    """Drops python-telegram-bot's record of a batch it could not parse (the raw batch)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Error while parsing updates")


def quiet_library_logs() -> None:
    """Keep python-telegram-bot's raw data out of the logs, even with --verbose.

    At DEBUG the library logs every call's parameters and answer (whole update batches,
    messages sent, with other people's texts), and every update it processes; only INFO and
    above of its loggers are let through.
    """
    logging.getLogger("telegram").setLevel(logging.INFO)
    for name in ("telegram.Bot", "telegram.ext.ExtBot"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoRawBatches) for f in logger.filters):
            logger.addFilter(_NoRawBatches())
