"""A fake WeCom (企业微信) server API and group robot on 127.0.0.1, for tests.

It behaves like the real one where the bot depends on it: a new access token voids the
previous one (errcode 40014), texts over 2048 bytes are refused, media can be uploaded and
downloaded by id, and the robot checks an image's md5. Calls are recorded; ``fail(path,
errcode)`` makes the next call to an endpoint fail.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.local import serve_locally

TEXT_LIMIT = 2048
ROBOT_KEY = "robot-test-key"


@dataclass
class ApiCall:
    path: str
    token: str
    body: dict[str, Any] = field(default_factory=dict)


class FakeWeComApi:
    def __init__(
        self, *, corp_id: str = "ww_test_corp", secret: str = "test-secret", agent_id: int = 1000002
    ) -> None:
        self.corp_id = corp_id
        self.secret = secret
        self.agent_id = agent_id
        self.calls: list[ApiCall] = []
        self.token_fetches = 0
        self.valid_token = ""
        self.media: dict[str, tuple[bytes, str, str]] = {}  # id: (content, name, mime)
        self.uploads: dict[str, tuple[str, bytes, str]] = {}  # id: (type, content, name)
        self._failures: dict[str, list[int]] = {}
        self.robot_keys = {ROBOT_KEY}  # the center's group robot, and any site's
        self._tokens = itertools.count(1)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._changed = asyncio.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def robot_url(self) -> str:
        return f"{self.base_url}/cgi-bin/webhook/send?key={ROBOT_KEY}"

    def site_robot_url(self, key: str) -> str:
        """Another group's robot (a site's own staff group)."""
        self.robot_keys.add(key)
        return f"{self.base_url}/cgi-bin/webhook/send?key={key}"

    async def __aenter__(self) -> FakeWeComApi:
        app = web.Application()
        app.router.add_get("/cgi-bin/gettoken", self._gettoken)
        app.router.add_post("/cgi-bin/message/send", self._send)
        app.router.add_get("/cgi-bin/media/get", self._media_get)
        app.router.add_post("/cgi-bin/media/upload", self._media_upload)
        app.router.add_post("/cgi-bin/webhook/send", self._robot)
        self._runner, self.port = await serve_locally(app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner:
            await self._runner.cleanup()

    # --- test controls -----------------------------------------------------------------
    def fail(self, path: str, errcode: int, times: int = 1, *, after: int = 0) -> None:
        """`times` calls to `path` (e.g. '/cgi-bin/webhook/send') get `errcode`, once
        `after` more calls have gone through."""
        self._failures.setdefault(path, []).extend([0] * after + [errcode] * times)

    def add_media(self, content: bytes, name: str, mime: str) -> str:
        media_id = f"media-{next(self._ids)}"
        self.media[media_id] = (content, name, mime)
        return media_id

    def sent(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """Accepted message/send bodies (to one member when given)."""
        return [
            c.body
            for c in self.calls
            if c.path == "/cgi-bin/message/send"
            and c.body.get("accepted")
            and (user_id is None or c.body["touser"] == user_id)
        ]

    def texts(self, user_id: str) -> list[str]:
        return [m["text"]["content"] for m in self.sent(user_id) if m["msgtype"] == "text"]

    def robot_messages(self, key: str = ROBOT_KEY) -> list[dict[str, Any]]:
        return [
            c.body
            for c in self.calls
            if c.path == "/cgi-bin/webhook/send" and c.body["accepted"] and c.body["robot"] == key
        ]

    def robot_texts(self, key: str = ROBOT_KEY) -> list[str]:
        return [m["text"]["content"] for m in self.robot_messages(key) if m["msgtype"] == "text"]

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        async def loop() -> None:
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(loop(), timeout)

    # --- endpoints ---------------------------------------------------------------------
    def _record(self, request: web.Request, body: dict[str, Any]) -> ApiCall:
        call = ApiCall(request.path, request.query.get("access_token", ""), body)
        self.calls.append(call)
        self._changed.set()
        return call

    def _failure(self, path: str) -> web.Response | None:
        queued = self._failures.get(path)
        errcode = queued.pop(0) if queued else 0
        if errcode:
            return web.json_response({"errcode": errcode, "errmsg": "failure for tests"})
        return None

    def _token_error(self, request: web.Request) -> web.Response | None:
        if not self.valid_token or request.query.get("access_token") != self.valid_token:
            return web.json_response({"errcode": 40014, "errmsg": "invalid access_token"})
        return None

    async def _gettoken(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("corpid") != self.corp_id or q.get("corpsecret") != self.secret:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        self.token_fetches += 1
        self.valid_token = f"wecom-token-{next(self._tokens)}"
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "access_token": self.valid_token, "expires_in": 7200}
        )

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        call = self._record(request, {**body, "accepted": False})
        refused = self._token_error(request) or self._failure(request.path)
        if refused is not None:
            return refused
        if body.get("agentid") != self.agent_id:
            return web.json_response({"errcode": 40056, "errmsg": "invalid agentid"})
        if body.get("msgtype") == "text" and len(body["text"]["content"].encode()) > TEXT_LIMIT:
            return web.json_response({"errcode": 45002, "errmsg": "content size out of limit"})
        media = body.get(body.get("msgtype", ""), {}).get("media_id")
        if media is not None and media not in self.uploads:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        call.body["accepted"] = True
        return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": ""})

    async def _media_get(self, request: web.Request) -> web.StreamResponse:
        self._record(request, {"media_id": request.query.get("media_id", "")})
        refused = self._token_error(request) or self._failure(request.path)
        if refused is not None:
            return refused
        found = self.media.get(request.query.get("media_id", ""))
        if found is None:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        content, name, mime = found
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return web.Response(body=content, content_type=mime, headers=headers)

    async def _media_upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        media = form.get("media")
        kind = request.query.get("type", "")
        self._record(request, {"type": kind})
        refused = self._token_error(request) or self._failure(request.path)
        if refused is not None:
            return refused
        if not isinstance(media, web.FileField):
            return web.json_response({"errcode": 40005, "errmsg": "no media"})
        media_id = f"up-{next(self._ids)}"
        self.uploads[media_id] = (kind, media.file.read(), media.filename)
        return web.json_response({"errcode": 0, "type": kind, "media_id": media_id})

    async def _robot(self, request: web.Request) -> web.Response:
        body = await request.json()
        key = request.query.get("key")
        call = self._record(request, {**body, "accepted": False, "robot": key})
        if key not in self.robot_keys:
            return web.json_response({"errcode": 93000, "errmsg": "invalid webhook url"})
        refused = self._failure(request.path)
        if refused is not None:
            return refused
        kind = body.get("msgtype")
        if kind == "text" and len(body["text"]["content"].encode()) > TEXT_LIMIT:
            return web.json_response({"errcode": 40058, "errmsg": "content exceed max length"})
        if kind == "image":
            data = base64.b64decode(body["image"]["base64"])
            if hashlib.md5(data, usedforsecurity=False).hexdigest() != body["image"]["md5"]:
                return web.json_response({"errcode": 40009, "errmsg": "invalid image md5"})
        call.body["accepted"] = True
        return web.json_response({"errcode": 0, "errmsg": "ok"})
