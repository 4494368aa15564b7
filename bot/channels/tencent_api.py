"""What the WeChat and WeCom server APIs share, over aiohttp: errcode answers, an access
token passed as a query parameter and shared by every instance (storage.tokens), and media
downloads with a size limit.

wechatpy's clients are synchronous (requests), so they are not used on the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp

from storage.db import Database
from storage.tokens import TokenStore

log = logging.getLogger(__name__)

# The access token was rejected: invalid (40001, 40014; e.g. voided by a newer one) or
# expired (42001). Fetched again once.
INVALID_TOKEN = frozenset({40001, 40014, 42001})

T = TypeVar("T")


class ApiError(Exception):
    """The API answered with an errcode other than 0."""

    platform = "API"

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"{self.platform} errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class MediaTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"media of {size} bytes is over the limit")
        self.size = size


class TokenApi:
    """A client whose calls carry the shared access token; subclasses fetch the token."""

    error: type[ApiError] = ApiError

    def __init__(self, base_url: str, db: Database, token_name: str, timeout: float) -> None:
        self.base = base_url.rstrip("/")
        self.tokens = TokenStore(db, token_name, self._fetch_token)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _fetch_token(self) -> tuple[str, int]:
        raise NotImplementedError

    def _check(self, body: dict[str, Any]) -> dict[str, Any]:
        errcode = int(body.get("errcode") or 0)
        if errcode:
            raise self.error(errcode, str(body.get("errmsg", "")))
        return body

    async def _json(self, method: str, url: str, **kw: Any) -> dict[str, Any]:
        async with self.session.request(method, url, **kw) as resp:
            resp.raise_for_status()
            return self._check(await resp.json(content_type=None))

    async def _authed(self, attempt: Callable[[str], Awaitable[T]]) -> T:
        """Run `attempt(token)`; when the token is rejected, once more with a fresh one."""
        token = await self.tokens.get()
        try:
            return await attempt(token)
        except ApiError as exc:
            if exc.errcode not in INVALID_TOKEN:
                raise
            log.info("%s access token rejected (%s); fetching anew", exc.platform, exc.errcode)
        return await attempt(await self.tokens.get(stale=token))

    async def _download(self, path: str, media_id: str, max_bytes: int) -> tuple[bytes, str, str]:
        """media/get: (content, file name, mime type); MediaTooLarge over `max_bytes`."""

        async def attempt(token: str) -> tuple[bytes, str, str]:
            params = {"access_token": token, "media_id": media_id}
            async with self.session.get(f"{self.base}{path}", params=params) as resp:
                resp.raise_for_status()
                mime = resp.content_type
                if mime in ("application/json", "text/plain"):  # an error, not the file
                    self._check(await resp.json(content_type=None))
                if (resp.content_length or 0) > max_bytes:
                    raise MediaTooLarge(resp.content_length or 0)
                data = await resp.content.read(max_bytes + 1)
                while len(data) <= max_bytes and not resp.content.at_eof():
                    data += await resp.content.read(max_bytes + 1 - len(data))
                if len(data) > max_bytes:
                    raise MediaTooLarge(len(data))
                name = resp.content_disposition.filename if resp.content_disposition else ""
                return data, name or "", mime

        return await self._authed(attempt)
