"""The few WeChat Official Account API calls the bot needs, made with aiohttp.

wechatpy's client is synchronous (requests) and keeps its token per process; here the calls
are async and the access token is shared by every instance through the database.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp

from bot.config import WeChatSettings
from storage.db import Database
from storage.tokens import TokenStore

log = logging.getLogger(__name__)

# The token was voided (another fetch replaced it) or expired: fetch again once.
TOKEN_ERRORS = {40001, 40014, 42001}
# Customer-service messages refused: outside the 48-hour window / over the count in it.
OUT_OF_WINDOW = {45015, 45047}
TIMEOUT = aiohttp.ClientTimeout(total=10)


class WeChatApiError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatApi:
    def __init__(self, settings: WeChatSettings, db: Database) -> None:
        self.settings = settings
        self.base = settings.api_base_url.rstrip("/")
        self.tokens = TokenStore(db, f"wechat:{settings.app_id}", self._fetch_token)
        self._http: aiohttp.ClientSession | None = None

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def _fetch_token(self) -> tuple[str, int]:
        params = {
            "grant_type": "client_credential",
            "appid": self.settings.app_id,
            "secret": self.settings.app_secret,
        }
        async with self.http.get(f"{self.base}/cgi-bin/token", params=params) as resp:
            data = await resp.json(content_type=None)
        if "access_token" not in data:
            raise WeChatApiError(int(data.get("errcode", -1)), str(data.get("errmsg", "")))
        log.info("fetched a new WeChat access token")
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    async def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST JSON to an API path; retries once with a fresh token if it was voided."""
        token = await self.tokens.get()
        for attempt in range(2):
            body = json.dumps(payload, ensure_ascii=False).encode()
            url = f"{self.base}{path}"
            async with self.http.post(url, params={"access_token": token}, data=body) as resp:
                data = await resp.json(content_type=None)
            code = int(data.get("errcode", 0) or 0)
            if code in TOKEN_ERRORS and attempt == 0:
                token = await self.tokens.get(stale=token)
                continue
            if code:
                raise WeChatApiError(code, str(data.get("errmsg", "")))
            return dict(data)
        raise AssertionError("unreachable")

    async def send_text(self, openid: str, text: str) -> None:
        """A customer-service message (only inside the window after the person wrote)."""
        await self.call(
            "/cgi-bin/message/custom/send",
            {"touser": openid, "msgtype": "text", "text": {"content": text}},
        )

    async def send_template(self, openid: str, template_id: str, data: dict[str, str]) -> None:
        """A template message: reaches the person at any time, with a short structured text."""
        await self.call(
            "/cgi-bin/message/template/send",
            {
                "touser": openid,
                "template_id": template_id,
                "data": {key: {"value": value} for key, value in data.items()},
            },
        )

    async def download_media(self, media_id: str, max_bytes: int) -> tuple[bytes, str] | None:
        """The bytes of a file a person sent (and its type); None when over max_bytes."""
        token = await self.tokens.get()
        for attempt in range(2):
            if attempt:
                token = await self.tokens.get(stale=token)
            params = {"access_token": token, "media_id": media_id}
            async with self.http.get(f"{self.base}/cgi-bin/media/get", params=params) as resp:
                mime = resp.headers.get("Content-Type", "").split(";")[0].strip()
                if mime in ("application/json", "text/plain"):
                    data = await resp.json(content_type=None)
                    code = int(data.get("errcode", -1))
                    if code in TOKEN_ERRORS and attempt == 0:
                        continue
                    raise WeChatApiError(code, str(data.get("errmsg", "")))
                if (resp.content_length or 0) > max_bytes:
                    return None
                body = await resp.content.read(max_bytes + 1)
                if len(body) > max_bytes:
                    return None
                return body, mime
        raise AssertionError("unreachable")

    async def create_qr(self, scene: str) -> str:
        """A permanent parametric QR code for `scene`; returns the URL the code encodes."""
        data = await self.call(
            "/cgi-bin/qrcode/create",
            {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}},
        )
        return str(data["url"])
