"""The few WeChat Official Account API calls the bot needs, made with aiohttp.

wechatpy's client is synchronous (requests) and keeps its token per process; here the calls
are async and the access token is shared by every instance through the database (the
plumbing shared with WeCom's API is in bot.channels.tencent_api).
"""

from __future__ import annotations

import json
from typing import Any

from bot.channels.tencent_api import ApiError, MediaTooLarge, TokenApi
from bot.config import WeChatSettings
from storage.db import Database

# Customer-service messages refused: outside the 48-hour window / over the count in it.
OUT_OF_WINDOW = {45015, 45047}


class WeChatApiError(ApiError):
    """The WeChat API answered with an errcode other than 0."""

    platform = "WeChat"


class WeChatApi(TokenApi):
    error = WeChatApiError

    def __init__(self, settings: WeChatSettings, db: Database) -> None:
        super().__init__(settings.api_base_url, db, f"wechat:{settings.app_id}", timeout=10)
        self.settings = settings

    async def _fetch_token(self) -> tuple[str, int]:
        params = {
            "grant_type": "client_credential",
            "appid": self.settings.app_id,
            "secret": self.settings.app_secret,
        }
        body = await self._json("GET", f"{self.base}/cgi-bin/token", params=params)
        return str(body["access_token"]), int(body.get("expires_in") or 7200)

    async def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST JSON to an API path (UTF-8 as it is: WeChat shows \\u escapes literally)."""
        body = json.dumps(payload, ensure_ascii=False).encode()

        async def attempt(token: str) -> dict[str, Any]:
            url = f"{self.base}{path}"
            return await self._json("POST", url, params={"access_token": token}, data=body)

        return await self._authed(attempt)

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
        try:
            data, _name, mime = await self._download("/cgi-bin/media/get", media_id, max_bytes)
        except MediaTooLarge:
            return None
        return data, mime

    async def create_qr(self, scene: str) -> str:
        """A permanent parametric QR code for `scene`; returns the URL the code encodes."""
        data = await self.call(
            "/cgi-bin/qrcode/create",
            {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}},
        )
        return str(data["url"])
