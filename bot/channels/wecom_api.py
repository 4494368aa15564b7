"""The WeCom (企业微信) server API over aiohttp: access token, app messages, media, robot.

wechatpy's client is synchronous, so it is not used on the event loop. The plumbing they
share with WeChat's is in bot.channels.tencent_api.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from bot.channels.tencent_api import ApiError, MediaTooLarge, TokenApi
from bot.config import WeComSettings
from storage.db import Database

__all__ = ["MediaTooLarge", "WeComApi", "WeComError"]


class WeComError(ApiError):
    """The WeCom API answered with an errcode other than 0."""

    platform = "WeCom"


class WeComApi(TokenApi):
    """Calls to the app API (with the access token) and to the group robot's webhook."""

    error = WeComError

    def __init__(self, settings: WeComSettings, db: Database) -> None:
        name = f"wecom:{settings.corp_id}:{settings.agent_id}"
        super().__init__(settings.api_base_url, db, name, timeout=30)
        self.settings = settings

    async def _fetch_token(self) -> tuple[str, int]:
        params = {"corpid": self.settings.corp_id, "corpsecret": self.settings.secret}
        body = await self._json("GET", f"{self.base}/cgi-bin/gettoken", params=params)
        return str(body["access_token"]), int(body.get("expires_in") or 7200)

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
        return await self._download("/cgi-bin/media/get", media_id, max_bytes)

    # --- the group robot ---------------------------------------------------------------
    async def robot(self, payload: dict[str, Any], url: str = "") -> None:
        """Post one message through a group robot's webhook (default: the center's)."""
        url = url or self.settings.robot_webhook_url
        if not url:
            raise RuntimeError("wecom.robot_webhook_url is not configured")
        await self._json("POST", url, json=payload)
