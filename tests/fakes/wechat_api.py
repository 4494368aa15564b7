"""A fake WeChat Official Account API server on 127.0.0.1, for tests.

It behaves like the real one where the bot depends on it: a new access token voids the
previous one (errcode 40001), customer-service messages can be refused (45015: outside the
48-hour window, 45047: over the count), and media can be downloaded by id.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.local import serve_locally


@dataclass
class ApiCall:
    path: str
    token: str
    body: dict[str, Any] = field(default_factory=dict)


class FakeWeChatApi:
    def __init__(self, *, app_id: str = "wx_test_app", secret: str = "test-secret") -> None:
        self.app_id = app_id
        self.secret = secret
        self.calls: list[ApiCall] = []
        self.token_fetches = 0
        self.valid_token = ""
        self.media: dict[str, tuple[bytes, str]] = {}
        self.stream_media = False  # serve media chunked, without Content-Length
        #: errcode the next customer-service sends get (e.g. 45015), None to accept them.
        self.refuse_customer_service: int | None = None
        self._tokens = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._changed = asyncio.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeWeChatApi:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        app.router.add_post("/cgi-bin/message/template/send", self._template_send)
        app.router.add_get("/cgi-bin/media/get", self._media_get)
        app.router.add_post("/cgi-bin/qrcode/create", self._qrcode)
        app.router.add_post("/cgi-bin/menu/create", self._menu_create)
        self._runner, self.port = await serve_locally(app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner:
            await self._runner.cleanup()

    # --- what the tests read -------------------------------------------------------------
    def sent(self, path: str, openid: str | None = None) -> list[dict[str, Any]]:
        return [
            c.body
            for c in self.calls
            if c.path == path and (openid is None or c.body.get("touser") == openid)
        ]

    def customer_texts(self, openid: str) -> list[str]:
        return [b["text"]["content"] for b in self.sent("/cgi-bin/message/custom/send", openid)]

    def templates(self, openid: str) -> list[dict[str, Any]]:
        return self.sent("/cgi-bin/message/template/send", openid)

    async def wait_for(self, path: str, count: int, timeout: float = 5.0) -> None:
        async def _wait() -> None:
            while len(self.sent(path)) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(_wait(), timeout)

    # --- endpoints -----------------------------------------------------------------------
    def _record(self, request: web.Request, body: dict[str, Any]) -> None:
        self.calls.append(ApiCall(request.path, request.query.get("access_token", ""), body))
        self._changed.set()

    def _token_ok(self, request: web.Request) -> bool:
        return bool(self.valid_token) and request.query.get("access_token") == self.valid_token

    @staticmethod
    def _error(code: int, msg: str) -> web.Response:
        return web.json_response({"errcode": code, "errmsg": msg})

    async def _token(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("appid") != self.app_id or q.get("secret") != self.secret:
            return self._error(40125, "invalid appsecret")
        self.token_fetches += 1
        self.valid_token = f"ACCESS_TOKEN_{next(self._tokens)}"  # the old one is void now
        return web.json_response({"access_token": self.valid_token, "expires_in": 7200})

    async def _json_body(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        return dict(json.loads(raw.decode("utf-8")))

    async def _custom_send(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        if not self._token_ok(request):
            return self._error(40001, "invalid credential, access_token is invalid")
        if self.refuse_customer_service is not None:
            return self._error(self.refuse_customer_service, "response out of time limit")
        self._record(request, body)
        return self._error(0, "ok")

    async def _template_send(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        if not self._token_ok(request):
            return self._error(40001, "invalid credential, access_token is invalid")
        self._record(request, body)
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": len(self.calls)})

    async def _media_get(self, request: web.Request) -> web.Response:
        if not self._token_ok(request):
            return self._error(40001, "invalid credential, access_token is invalid")
        media = self.media.get(request.query.get("media_id", ""))
        if media is None:
            return self._error(40007, "invalid media_id")
        self._record(request, {"media_id": request.query["media_id"]})
        data, mime = media
        if not self.stream_media:
            return web.Response(body=data, content_type=mime)
        resp = web.StreamResponse(headers={"Content-Type": mime})  # no Content-Length
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for start in range(0, len(data), 256 * 1024):
            try:
                await resp.write(data[start : start + 256 * 1024])
            except (ConnectionResetError, RuntimeError):  # the bot stopped reading
                return resp
        await resp.write_eof()
        return resp

    async def _qrcode(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        if not self._token_ok(request):
            return self._error(40001, "invalid credential, access_token is invalid")
        self._record(request, body)
        scene = body["action_info"]["scene"]["scene_str"]
        return web.json_response(
            {"ticket": f"TICKET-{scene}", "url": f"http://weixin.qq.com/q/fake-{scene}"}
        )

    async def _menu_create(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        if not self._token_ok(request):
            return self._error(40001, "invalid credential, access_token is invalid")
        self._record(request, body)
        return self._error(0, "ok")
