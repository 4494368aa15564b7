"""What the log lines of the message being handled carry: its channel, its update id and,
once known, the case number (bot/logs.py writes them as fields of each JSON line)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

channel: ContextVar[str | None] = ContextVar("log_channel", default=None)
update_id: ContextVar[str | None] = ContextVar("log_update_id", default=None)
case_number: ContextVar[str | None] = ContextVar("log_case_number", default=None)


@contextmanager
def handling(channel_name: str, update_key: str) -> Iterator[None]:
    """Log lines written while one update is handled name it."""
    tokens = (
        channel.set(channel_name),
        update_id.set(update_key),
        case_number.set(None),
    )
    try:
        yield
    finally:
        case_number.reset(tokens[2])
        update_id.reset(tokens[1])
        channel.reset(tokens[0])


def bind_case(number: str | None) -> None:
    """The case the rest of this update's handling is about (staff commands, the party's)."""
    if number:
        case_number.set(number)
