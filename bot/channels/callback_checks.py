"""Checks every WeChat and WeCom callback passes before anything of it is read or handled."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime, timedelta

from aiohttp import web

from storage import nonces
from storage.db import Database

#: How far a callback's signed timestamp may be from our clock, either way. WeChat and WeCom
#: sign a fresh timestamp for every call (their retries come within about 15 s).
FRESH_SECONDS = 300
_SLACK = timedelta(seconds=60)  # kept a little longer than the window, for clock steps

# No DTDs at all: they are how entity-expansion and external-entity attacks start.
_DECLARATION = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class Refused(Exception):
    """Answer the call with `status` and process nothing."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_body(request: web.Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is larger than `limit`."""
    if (request.content_length or 0) > limit:
        raise Refused(413, f"body of {request.content_length} bytes")
    body = bytearray()
    async for chunk in request.content.iter_any():
        body += chunk
        if len(body) > limit:
            raise Refused(413, "body over the limit")
    return bytes(body)


def declares_entities(xml: str | bytes) -> bool:
    """True for XML with a DOCTYPE or ENTITY declaration (refused, never parsed)."""
    text = xml.decode("utf-8", "replace") if isinstance(xml, bytes) else xml
    return bool(_DECLARATION.search(text))


def now() -> float:
    """The clock the freshness check uses (tests replay WeChat's published samples)."""
    return time.time()


class ReplayGuard:
    """Refuses signed calls whose timestamp is not within FRESH_SECONDS of now, and a
    (timestamp, nonce) seen before with another body. Run after the signature check, so
    that unsigned calls cannot fill the memory or block a genuine nonce."""

    def __init__(self, db: Database, source: str, window: float = FRESH_SECONDS) -> None:
        self.db = db
        self.source = source
        self.window = window
        self._next_cleanup = 0.0

    async def check(self, timestamp: str, nonce: str, body: bytes) -> None:
        if not timestamp.isdecimal() or len(timestamp) > 12:
            raise Refused(403, "no valid timestamp")
        if not nonce or len(nonce) > 100:
            raise Refused(403, "no valid nonce")
        current = now()
        if abs(current - int(timestamp)) > self.window:
            raise Refused(403, f"timestamp {timestamp} is not within {self.window:.0f} s of now")
        digest = hashlib.sha256(body).hexdigest()
        expires = datetime.fromtimestamp(int(timestamp) + self.window, UTC)
        async with self.db.session() as session:
            fresh = await nonces.first_use(
                session, self.source, timestamp, nonce, digest, expires + _SLACK
            )
            if current >= self._next_cleanup:
                self._next_cleanup = current + 60
                await nonces.forget_expired(session, datetime.fromtimestamp(current, UTC))
        if not fresh:
            raise Refused(403, "a nonce seen before, with another body (a replayed signature)")
