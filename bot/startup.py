"""Starting while the database or Telegram cannot be reached yet.

After a power cut the bot may come up before PostgreSQL or the network. It then waits and
tries again (1 s, 2 s, 4 s ... at most a minute apart) until it gets through or is stopped,
saying so in one line each time, instead of dying with a traceback. What waiting cannot fix
(a wrong password, an unknown database, a token Telegram refuses) stops it with one line
naming what to correct. No line shows a password or the bot token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import DBAPIError

from bot.config import masked_url

log = logging.getLogger(__name__)

RETRY_FIRST = 1.0  # seconds before the first retry; doubled after each failure
RETRY_MOST = 60.0
# PostgreSQL states worth waiting out: connection failures (08...), starting up or shutting
# down (57P01-57P03), too many connections (53300).
_TRANSIENT_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


class StartupError(Exception):
    """The bot cannot start and waiting will not help; the message is one line to act on."""


class Unreachable(Exception):
    """Worth trying again: `reason` is one line; wait at least `wait` seconds."""

    def __init__(self, reason: str, wait: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


def one_line(exc: BaseException) -> str:
    """`Kind: first line of the message`, with any URL password masked."""
    text = str(exc).strip().splitlines()
    first = masked_url(text[0]) if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


async def keep_trying(
    what: str,
    attempt: Callable[[], Awaitable[object]],
    describe: Callable[[Exception], Unreachable],
    stop: asyncio.Event,
) -> bool:
    """Run `attempt` until it succeeds (True) or `stop` is set while waiting (False).

    `describe` turns a failure into Unreachable (retry), raises StartupError (give up), or
    re-raises it (a bug: the traceback is wanted).
    """
    delay = RETRY_FIRST
    while True:
        try:
            await attempt()
            return True
        except Exception as exc:
            problem = describe(exc)
        wait = max(delay, problem.wait)
        log.warning("%s not reachable (%s); retrying in %.0f s", what, problem.reason, wait)
        try:
            await asyncio.wait_for(stop.wait(), timeout=wait)
            return False
        except TimeoutError:
            pass
        delay = min(delay * 2, RETRY_MOST)


def database_problem(url: str) -> Callable[[Exception], Unreachable]:
    """How a failed first connection to the database at `url` is reported."""
    where = masked_url(url)

    def describe(exc: Exception) -> Unreachable:
        if isinstance(exc, OSError | TimeoutError):  # refused, no route, unknown host, slow
            return Unreachable(f"{where}: {one_line(exc)}")
        if isinstance(exc, DBAPIError):
            state = str(getattr(exc.orig, "sqlstate", None) or "")
            reason = one_line(exc.orig) if exc.orig is not None else one_line(exc)
            if exc.connection_invalidated or state.startswith(_TRANSIENT_SQLSTATES):
                return Unreachable(f"{where}: {reason}")
            raise StartupError(f"database.url: {where} refused the bot: {reason}") from None
        raise exc

    return describe
