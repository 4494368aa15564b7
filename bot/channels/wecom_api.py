"""The WeCom (企业微信) server API over aiohttp: access token, app messages, media, robot.

wechatpy's client is synchronous, so it is not used on the event loop. The access token is
shared by every instance through the database (storage.tokens): fetching a new one voids
the old one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from bot.config import WeComSettings
from storage.db import Database
from storage.tokens import TokenStore

log = logging.getLogger(__name__)

# The access token was rejected: invalid (40001, 40014) or expired (42001).
INVALID_TOKEN = frozenset({40001, 40014, 42001})
TIMEOUT = aiohttp.ClientTimeout(total=30)

T = TypeVar("T")


class WeComError(Exception):
    """The API answered with an errcode other than 0."""

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"WeCom errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class MediaTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"media of {size} bytes is over the limit")
        self.size = size


def _check(body: dict[str, Any]) -> dict[str, Any]:
    errcode = int(body.get("errcode") or 0)
    if errcode:
        raise WeComError(errcode, str(body.get("errmsg", "")))
    return body


class WeComApi:
    """Calls to the app API (with the access token) and to the group robot's webhook."""

    def __init__(self, settings: WeComSettings, db: Database) -> None:
        self.settings = settings
        self.base = settings.api_base_url.rstrip("/")
        name = f"wecom:{settings.corp_id}:{settings.agent_id}"
        self.tokens = TokenStore(db, name, self._fetch_token)
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- plumbing ----------------------------------------------------------------------
    async def _json(self, method: str, url: str, **kw: Any) -> dict[str, Any]:
        async with self.session.request(method, url, **kw) as resp:
            resp.raise_for_status()
            return _check(await resp.json(content_type=None))

    async def _fetch_token(self) -> tuple[str, int]:
        params = {"corpid": self.settings.corp_id, "corpsecret": self.settings.secret}
        body = await self._json("GET", f"{self.base}/cgi-bin/gettoken", params=params)
        return str(body["access_token"]), int(body.get("expires_in") or 7200)

    async def _authed(self, attempt: Callable[[str], Awaitable[T]]) -> T:
        """Run `attempt(token)`; when WeCom rejects the token, once more with a fresh one."""
        token = await self.tokens.get()
        try:
            return await attempt(token)
        except WeComError as exc:
            if exc.errcode not in INVALID_TOKEN:
                raise
            log.info("wecom access token rejected (%s); getting a new one", exc.errcode)
        return await attempt(await self.tokens.get(stale=token))

    # --- the app -----------------------------------------------------------------------
    async def send(self, user_id: str, msgtype: str, content: dict[str, Any]) -> None:
        """message/send to one member in the app's chat."""
        payload = {
            "touser": user_id,
            "msgtype": msgtype,
            "agentid": self.settings.agent_id,
            msgtype: content,
            "safe": 0,
        }

        async def attempt(token: str) -> dict[str, Any]:
            url = f"{self.base}/cgi-bin/message/send"
            return await self._json("POST", url, params={"access_token": token}, json=payload)

        body = await self._authed(attempt)
        if body.get("invaliduser"):  # accepted, but not delivered to this member
            raise WeComError(81013, f"member not reachable by the app: {body['invaliduser']}")

    async def upload(self, kind: str, path: str, file_name: str) -> str:
        """media/upload ('image' or 'file'); returns the media_id (valid for three days)."""
        data = Path(path).read_bytes()

        async def attempt(token: str) -> dict[str, Any]:
            # Raw UTF-8 file names, as browsers and wechatpy (requests) send them: quoted
            # ones would show as "%E9%80%9A..." in the chat.
            form = aiohttp.FormData(quote_fields=False)
            form.add_field("media", data, filename=file_name)
            url = f"{self.base}/cgi-bin/media/upload"
            params = {"access_token": token, "type": kind}
            return await self._json("POST", url, params=params, data=form)

        return str((await self._authed(attempt))["media_id"])

    async def download(self, media_id: str, max_bytes: int) -> tuple[bytes, str, str]:
        """media/get: (content, file name, mime type); MediaTooLarge over `max_bytes`."""

        async def attempt(token: str) -> tuple[bytes, str, str]:
            url = f"{self.base}/cgi-bin/media/get"
            params = {"access_token": token, "media_id": media_id}
            async with self.session.get(url, params=params) as resp:
                resp.raise_for_status()
                mime = resp.content_type
                if mime in ("application/json", "text/plain"):  # an error, not the file
                    _check(await resp.json(content_type=None))
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

    # --- the group robot ---------------------------------------------------------------
    async def robot(self, payload: dict[str, Any]) -> None:
        """Post one message through the group robot's webhook."""
        if not self.settings.robot_webhook_url:
            raise RuntimeError("wecom.robot_webhook_url is not configured")
        await self._json("POST", self.settings.robot_webhook_url, json=payload)
