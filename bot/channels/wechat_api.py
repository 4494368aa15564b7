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
TAG_BATCH = 50  # openids per tags/members/batchtagging call
MASS_DUPLICATE = 45065  # a mass send with this clientmsgid was made already


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

    # --- broadcasts (issue 22): tags and the mass send ----------------------------------
    async def tag_id(self, name: str, *, create: bool = True) -> int | None:
        """The id of the tag called `name` (made when missing and `create`)."""
        for tag in await self.tags():
            if tag.get("name") == name:
                return int(tag["id"])
        if not create:
            return None
        made = await self.call("/cgi-bin/tags/create", {"tag": {"name": name}})
        return int(made["tag"]["id"])

    async def tags(self) -> list[dict[str, Any]]:
        """The account's tags (a GET, unlike the other calls)."""

        async def attempt(token: str) -> dict[str, Any]:
            url = f"{self.base}/cgi-bin/tags/get"
            return await self._json("GET", url, params={"access_token": token})

        return list((await self._authed(attempt)).get("tags", []))

    async def delete_tag(self, tag_id: int) -> None:
        await self.call("/cgi-bin/tags/delete", {"tag": {"id": tag_id}})

    async def tag_members(self, tag_id: int, openids: list[str], *, remove: bool = False) -> None:
        """Tag (or untag) people, TAG_BATCH at a time (WeChat's limit per call)."""
        path = "/cgi-bin/tags/members/" + ("batchuntagging" if remove else "batchtagging")
        for start in range(0, len(openids), TAG_BATCH):
            await self.call(
                path, {"openid_list": openids[start : start + TAG_BATCH], "tagid": tag_id}
            )

    async def mass_send_text(self, tag_id: int, text: str, client_msg_id: str) -> str:
        """A mass send (群发) of a text to everyone with the tag; WeChat refuses a second one
        with the same client_msg_id (45065), which then counts as sent. Returns the msg_id."""
        try:
            sent = await self.call(
                "/cgi-bin/message/mass/sendall",
                {
                    "filter": {"is_to_all": False, "tag_id": tag_id},
                    "text": {"content": text},
                    "msgtype": "text",
                    "clientmsgid": client_msg_id,
                },
            )
        except WeChatApiError as exc:
            if exc.errcode != MASS_DUPLICATE:
                raise
            return "duplicate"
        return str(sent.get("msg_id", ""))
