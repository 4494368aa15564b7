"""Sending to WeCom: replies to a member through the app, notices to the group's robot.

A delivery of several messages that fails half-way is retried by the outbox; the parts that
went out are remembered here, so the retry continues where it stopped instead of posting
them again (per process, for a few hours).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from bot.channels.numbered import texts_for
from bot.channels.wecom_api import WeComApi
from bot.channels.wecom_render import app_steps, case_ids, robot_messages
from handlers.conversation.messages import Reply
from handlers.conversation.private_files import remove_sent
from storage.db import Database
from storage.models import Case

RESUME_SECONDS = 6 * 3600
RESUME_MAX = 1000


class PartsSent:
    """How far each unfinished multi-part delivery got."""

    def __init__(self) -> None:
        self._done: dict[str, tuple[int, float]] = {}

    @staticmethod
    def key(scope: str, parts: list[Any]) -> str:
        raw = json.dumps([scope, parts], ensure_ascii=False, sort_keys=True).encode()
        return hashlib.sha256(raw).hexdigest()

    def resume_at(self, key: str) -> int:
        done, at = self._done.get(key, (0, 0.0))
        return done if time.monotonic() - at < RESUME_SECONDS else 0

    def stopped(self, key: str, done: int) -> None:
        self._done.pop(key, None)
        self._done[key] = (done, time.monotonic())
        while len(self._done) > RESUME_MAX:
            self._done.pop(next(iter(self._done)))

    def finished(self, key: str) -> None:
        self._done.pop(key, None)


class WeComOutbound:
    def __init__(self, api: WeComApi, db: Database) -> None:
        self.api = api
        self.db = db
        self.progress = PartsSent()

    async def _in_order(
        self, scope: str, parts: list[Any], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        key = self.progress.key(scope, parts)
        start = self.progress.resume_at(key)
        for index in range(start, len(parts)):
            try:
                await send(parts[index])
            except Exception:
                self.progress.stopped(key, index)
                raise
        self.progress.finished(key)

    async def to_member(self, user_id: str, replies: list[Reply]) -> None:
        """Texts (numbered buttons, 2048-byte parts), images and files, via message/send."""
        settings = self.api.settings
        if not (settings.corp_id and settings.secret and settings.agent_id):
            raise RuntimeError("wecom app (corp_id, agent_id, secret) is not configured")

        async def send(step: list[str]) -> None:
            if step[0] == "text":
                await self.api.send(user_id, "text", {"content": step[1]})
                return
            media_id = await self.api.upload(step[0], step[1], step[2])
            await self.api.send(user_id, step[0], {"media_id": media_id})

        await self._in_order(f"app:{user_id}", app_steps(replies), send)
        remove_sent(replies)  # generated documents hold personal data: gone once sent

    async def to_group(self, replies: list[Reply], url: str = "") -> None:
        """Through the robot (a site's, given its `url`; default the center's); buttons
        become the commands to type in the app chat."""
        numbers = await self._case_numbers(case_ids(replies))
        t = texts_for(replies)
        payloads = [p for reply in replies for p in robot_messages(reply, numbers, t)]

        async def post(payload: dict[str, Any]) -> None:
            await self.api.robot(payload, url)

        await self._in_order(f"robot:{url}" if url else "robot", payloads, post)
        remove_sent(replies)

    async def _case_numbers(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        async with self.db.session() as session:
            rows = await session.execute(select(Case.id, Case.number).where(Case.id.in_(ids)))
            return {case_id: number for case_id, number in rows if number}
