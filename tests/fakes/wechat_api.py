"""A fake WeChat Official Account API server on 127.0.0.1, for tests.

It behaves like the real one where the bot depends on it: a new access token voids the
previous one (errcode 40001), customer-service messages can be refused (45015: outside the
48-hour window, 45047: over the count), and media can be downloaded by id. For broadcasts:
tags (create, get, delete, members tagged 50 at a time: 40032 over that), and the mass send
to a tag with its monthly quota (45028 when spent) and `clientmsgid` (45065 for a repeat);
`window` (openid -> last message time) makes it refuse customer-service messages outside
48 hours itself.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
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
        #: openid -> when they last wrote (time.time()); None: every window is open
        self.window: dict[str, float] | None = None
        self.tags: dict[int, str] = {}
        self.tag_members: dict[int, set[str]] = {}
        self.mass_quota = 4  # mass sends the account may still make this month
        self.mass_sends: list[dict[str, Any]] = []  # each: tag_id, text, openids
        self._tag_ids = itertools.count(100)
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
        app.router.add_get("/cgi-bin/tags/get", self._tags_get)
        app.router.add_post("/cgi-bin/tags/create", self._tags_create)
        app.router.add_post("/cgi-bin/tags/delete", self._tags_delete)
        app.router.add_post("/cgi-bin/tags/members/batchtagging", self._batch_tag)
        app.router.add_post("/cgi-bin/tags/members/batchuntagging", self._batch_untag)
        app.router.add_post("/cgi-bin/message/mass/sendall", self._mass_sendall)
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
        if self.window is not None:
            wrote = self.window.get(str(body.get("touser")))
            if wrote is None or time.time() - wrote > 48 * 3600:
                return self._error(45015, "response out of time limit or subscription is canceled")
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

    # --- tags and the mass send ----------------------------------------------------------
    def received_by_mass(self, openid: str) -> int:
        return sum(1 for m in self.mass_sends if openid in m["openids"])

    async def _tags_get(self, request: web.Request) -> web.Response:
        if not self._token_ok(request):
            return self._error(40001, "invalid credential, access_token is invalid")
        tags = [
            {"id": i, "name": n, "count": len(self.tag_members.get(i, ()))}
            for i, n in self.tags.items()
        ]
        return web.json_response({"tags": tags})

    async def _tags_create(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        if not self._token_ok(request):
            return self._error(40001, "invalid credential, access_token is invalid")
        name = body["tag"]["name"]
        if name in self.tags.values():
            return self._error(45157, "invalid tag name")
        if len(self.tags) >= 100:
            return self._error(45056, "too many tags")
        tag_id = next(self._tag_ids)
        self.tags[tag_id] = name
        self._record(request, body)
        return web.json_response({"tag": {"id": tag_id, "name": name}})

    async def _tags_delete(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        if not self._token_ok(request):
            return self._error(40001, "invalid credential, access_token is invalid")
        tag_id = int(body["tag"]["id"])
        self.tags.pop(tag_id, None)
        self.tag_members.pop(tag_id, None)
        self._record(request, body)
        return self._error(0, "ok")

    async def _batch(self, request: web.Request, add: bool) -> web.Response:
        body = await self._json_body(request)
        if not self._token_ok(request):
            return self._error(40001, "invalid credential, access_token is invalid")
        openids, tag_id = body.get("openid_list", []), int(body.get("tagid", 0))
        if tag_id not in self.tags:
            return self._error(45159, "invalid tag id")
        if len(openids) > 50:
            return self._error(40032, "invalid openid list size, at most 50")
        members = self.tag_members.setdefault(tag_id, set())
        if add:
            members.update(openids)
        else:
            members.difference_update(openids)
        self._record(request, body)
        return self._error(0, "ok")

    async def _batch_tag(self, request: web.Request) -> web.Response:
        return await self._batch(request, True)

    async def _batch_untag(self, request: web.Request) -> web.Response:
        return await self._batch(request, False)

    async def _mass_sendall(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        if not self._token_ok(request):
            return self._error(40001, "invalid credential, access_token is invalid")
        client_id = body.get("clientmsgid")
        if client_id and any(m["clientmsgid"] == client_id for m in self.mass_sends):
            return self._error(45065, "clientmsgid exist")
        if self.mass_quota <= 0:
            return self._error(45028, "has no masssend quota")
        tag_id = int(body["filter"]["tag_id"])
        if body["filter"].get("is_to_all") or tag_id not in self.tags:
            return self._error(40050, "invalid tag id")
        self.mass_quota -= 1
        self.mass_sends.append(
            {
                "tag_id": tag_id,
                "text": body["text"]["content"],
                "openids": set(self.tag_members.get(tag_id, ())),
                "clientmsgid": client_id,
            }
        )
        self._record(request, body)
        msg_id = 1000 + len(self.mass_sends)
        return web.json_response(
            {
                "errcode": 0,
                "errmsg": "send job submission success",
                "msg_id": msg_id,
                "msg_data_id": msg_id,
            }
        )
