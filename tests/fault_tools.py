"""For the fault tests: the bot as a real process that can be killed, a Telegram fake whose
calls can be held in flight, and a user who plays against both."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.conftest import TEST_DATA_KEY
from tests.fakes.telegram_api import FakeTelegramServer
from tests.local import BotProcess, asked_for_updates

STAFF_GROUP = -100200300
_PARAMS = web.RequestKey("params", tuple)


class HoldingTelegramServer(FakeTelegramServer):
    """The fake Bot API, plus: calls of one method to one chat can be held in flight.

    With `reached=True` a held call takes effect (the message is sent) but its answer is held
    back, as if the connection died just after Telegram received it; with `reached=False` it
    is held before it takes effect, and dropped when released.
    """

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._hold: tuple[str, int | None, bool, str | None] | None = None
        self._gate = asyncio.Event()
        self.held: list[dict[str, Any]] = []

    def hold(
        self,
        method: str,
        chat_id: int | None = None,
        *,
        reached: bool = True,
        text: str | None = None,
    ) -> None:
        """Hold the next such call (only one with this text, if given)."""
        self._hold = (method.lower(), chat_id, reached, text)
        self._gate = asyncio.Event()

    def release(self) -> None:
        self._hold = None
        self._gate.set()

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
        """Read once: the body cannot be read twice."""
        if _PARAMS not in request:
            request[_PARAMS] = await super()._read_params(request)
        return request[_PARAMS]

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        hold = self._hold
        if hold is None or request.match_info["method"].lower() != hold[0]:
            return await super()._handle_api(request)
        params, _ = await self._read_params(request)
        if hold[1] is not None and params.get("chat_id") != hold[1]:
            return await super()._handle_api(request)
        if hold[3] is not None and params.get("text") != hold[3]:
            return await super()._handle_api(request)
        gate = self._gate
        response = await super()._handle_api(request) if hold[2] else web.Response(status=502)
        self.held.append(params)
        self._notify()
        await gate.wait()
        return response

    def confirmed_offset(self) -> int:
        """The highest offset the bot has asked for: every update below it is confirmed."""
        offsets = [c.params.get("offset") or 0 for c in self.calls if c.method == "getUpdates"]
        return max(offsets, default=0)

    def delivered(self, update_id: int) -> bool:
        """Telegram has handed this update to the bot (at least once)."""
        return any(update_id in batch for batch in self.deliveries)

    def texts_to(self, chat_id: int) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.sent_messages(chat_id)]


def write_config(
    tmp_path: Path,
    server: FakeTelegramServer,
    db_url: str,
    *,
    search_process: bool = False,
    **outbox: float,
) -> Path:
    """A config.toml for `python -m bot run` against the fake server. Without the search
    process unless asked: it has tests of its own (test_search_ahead.py), and here it would
    only add a second process's start to every start and restart."""
    lines = [
        "[center]",
        'name = "测试调解中心"',
        "[database]",
        f'url = "{db_url}"',
        "[telegram]",
        'token = "123:TEST"',
        f'base_url = "{server.base_url}"',
        f'base_file_url = "{server.base_file_url}"',
        f"staff_chat_id = {STAFF_GROUP}",
        "[storage]",
        f'files_dir = "{tmp_path / "files"}"',
        "[security]",
        f'data_key = "{TEST_DATA_KEY}"',
        "[outbox]",
        *(f"{key} = {value}" for key, value in {"poll_seconds": 0.2, **outbox}.items()),
        "[faq]",
        f"search_process = {str(search_process).lower()}",
    ]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bot_process(config: Path, server: HoldingTelegramServer) -> BotProcess:
    """`python -m bot run` with `config`, in its folder, logging to bot.log there; started when
    it asks the fake server for updates."""
    return BotProcess.ours(
        config,
        log_path=config.parent / "bot.log",
        cwd=config.parent,
        env={"PTB_TIMEDELTA": "true"},
        ready=lambda: asked_for_updates(server),
    )


class RemoteUser:
    """A Telegram user talking to the bot process through the fake server."""

    def __init__(self, server: HoldingTelegramServer, user_id: int) -> None:
        self.server = server
        self.id = user_id

    def send_nowait(self, text: str) -> int:
        """Queue a message; returns its update id."""
        return int(self.server.user_sends(self.id, text)["update_id"])

    def press_nowait(self, label: str) -> int:
        """Queue a press of the newest button labelled `label` (else containing it)."""
        for message in reversed(self.server.sent_messages(self.id)):
            pairs = list(
                zip(
                    self.server.button_labels(message),
                    self.server.button_data(message),
                    strict=False,
                )
            )
            data = next((d for lab, d in pairs if lab == label), None) or next(
                (d for lab, d in pairs if label in lab), None
            )
            if data is not None:
                return int(self.server.user_presses(self.id, message, data)["update_id"])
        raise AssertionError(f"no button labelled {label!r}; the bot said {self.texts()!r}")

    async def handled(self, update_id: int, timeout: float = 15) -> None:
        """Wait until the bot confirmed the update (it does so after handling it)."""
        await self.server.wait_for(
            lambda: self.server.confirmed_offset() > update_id,
            timeout=timeout,
            message=f"update {update_id} was not handled; the bot said {self.texts()[-3:]!r}",
        )

    async def send(self, text: str) -> list[str]:
        """Send and return the texts the bot answered with."""
        before = len(self.texts())
        await self.handled(self.send_nowait(text))
        return self.texts()[before:]

    async def press(self, label: str) -> list[str]:
        before = len(self.texts())
        await self.handled(self.press_nowait(label))
        return self.texts()[before:]

    def texts(self) -> list[str]:
        return self.server.texts_to(self.id)


async def eventually(
    check: Callable[[], Awaitable[bool]], message: str, timeout: float = 20
) -> None:
    """Wait until `check()` is true (polled every 0.1 s)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(message)
        await asyncio.sleep(0.1)
