"""python-telegram-bot's network layer on aiohttp instead of httpx.

PTB lets a bot bring its own `BaseRequest`. httpx cost about 1.5 ms of CPU per Bot API call
in the load benchmark, most of the channel's time (a button press makes three calls); aiohttp,
which the bot already runs its webhooks on, does the same request for a fraction of that.
Calls without files go as JSON, which the Bot API accepts: one json.dumps in C, where a form
meant encoding every value as JSON and then URL-quoting it in Python. A proxy comes from the
environment (HTTPS_PROXY / HTTP_PROXY, NO_PROXY), as it did with httpx; it is looked up once
per host, not on every call as aiohttp's trust_env would.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One aiohttp session per request object (PTB uses one for getUpdates, one for the rest)."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _proxy(self, url: str) -> str | None:
        """The environment's proxy for this URL's scheme and host, looked up once."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._proxies:
            found = getproxies().get(parts.scheme)
            self._proxies[key] = None if proxy_bypass(parts.hostname or "") else found
        return self._proxies[key]

    def _seconds(self, given: Any, default: float | None) -> float | None:
        return default if given is BaseRequest.DEFAULT_NONE else given

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        write = self._seconds(
            write_timeout, self._media_write_timeout if files else self._write_timeout
        )
        read = self._seconds(read_timeout, self._read_timeout)
        connect = self._seconds(connect_timeout, self._connect_timeout)
        # aiohttp has no separate write timeout: a request may take connect + write + read.
        parts = [t for t in (connect, write, read) if t is not None]
        timeout = aiohttp.ClientTimeout(
            total=sum(parts) if len(parts) == 3 else None, sock_connect=connect, sock_read=read
        )
        body: Any = None
        headers: dict[str, str] | None = None
        if files:
            form = aiohttp.FormData(quote_fields=False)
            # files come only with request data: request_data is set here
            for name, value in request_data.json_parameters.items():  # type: ignore[union-attr]
                form.add_field(name, value)
            for name, (filename, content, mime) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            body = form
        elif request_data and (params := request_data.parameters):
            body, headers = json.dumps(params, ensure_ascii=False).encode(), JSON
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=self._proxy(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
