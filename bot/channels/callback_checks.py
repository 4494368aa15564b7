"""Checks every WeChat and WeCom callback passes before anything of it is read or handled."""

from __future__ import annotations

import re

from aiohttp import web

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
