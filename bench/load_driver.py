"""Simulated people for the load benchmark: they write to a bot through the fake Telegram
server and time its replies.

A person sends one step (a text, a button press, or a burst of texts sent without waiting)
and waits until the bot's whole answer has arrived before the next step. How many messages
answer each update, and how each answer starts, is learnt once beforehand by a calibration
walk (one person, waiting for the bot to fall quiet after every update), so under load an
answer is complete when that many messages have arrived, and a burst's answers can be told
apart to count reordering.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram_api import Call, FakeTelegramServer

JSONDict = dict[str, Any]
SENDS = frozenset({"sendmessage", "senddocument", "sendphoto"})
EDITS = frozenset({"editmessagetext", "editmessagereplymarkup", "editmessagecaption"})
CASE_NUMBER = re.compile(r"[A-Z]{1,6}-\d{4}-\d{6}")
BUSY = ("the service is busy", "现在系统繁忙")
FAILED = ("something went wrong on our side", "我们这边出了点问题")


@dataclass(frozen=True)
class Step:
    """Texts sent one after another without waiting (a burst), or one button press."""

    texts: tuple[str, ...] = ()
    press: str = ""

    @property
    def updates(self) -> int:
        return len(self.texts) or 1


@dataclass(frozen=True)
class Expect:
    """The answer to one update: how many messages, and how the first one starts."""

    count: int
    start: str


def _text(message: JSONDict) -> str:
    return str(message.get("text") or message.get("caption") or "")


def _start(message: JSONDict) -> str:
    return _text(message).split("\n", 1)[0][:60]


@dataclass
class Stats:
    """What one run measured."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    reordered: int = 0
    sent: int = 0
    cases: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    missed_slots: int = 0

    @property
    def handled(self) -> int:
        return len(self.latencies)

    @property
    def seconds(self) -> float:
        return max(self.finished - self.started, 1e-9)

    @property
    def rate(self) -> float:
        return self.handled / self.seconds

    def percentile(self, q: float) -> float:
        """Latency in ms at quantile q (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    @property
    def p50(self) -> float:
        return 1000 * statistics.median(self.latencies) if self.latencies else float("nan")


class Inbox:
    """What the bot sent to one chat, in arrival order, and the current state of each message."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, JSONDict]] = []
        self.current: dict[int, JSONDict] = {}
        self.changed = asyncio.Event()

    async def wait_count(self, count: int, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.arrivals) < count:
            self.changed.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                return len(self.arrivals) >= count
        return True

    def button(self, label: str) -> tuple[JSONDict, str] | None:
        """The newest button labelled `label` (exactly, else the first containing it)."""
        for message_id in sorted(self.current, reverse=True):
            message = self.current[message_id]
            pairs = [
                (b.get("text", ""), b["callback_data"])
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row
                if "callback_data" in b
            ]
            data = next((d for text, d in pairs if text == label), None) or next(
                (d for text, d in pairs if label in text), None
            )
            if data is not None:
                return message, data
        return None


class Pacer:
    """A fixed offered rate: a send permit every 1/rate s. A permit is missed when nobody is
    ready to send (everyone is waiting for an answer) and the previous one is still untaken."""

    def __init__(self, rate: float, capacity: int) -> None:
        self.rate = rate
        self.permits: asyncio.Queue[None] = asyncio.Queue(maxsize=capacity)
        self.missed = 0
        self._task: asyncio.Task[None] | None = None

    async def _produce(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at += 1 / self.rate
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            try:
                self.permits.put_nowait(None)
            except asyncio.QueueFull:
                self.missed += 1

    def start(self) -> None:
        self._task = asyncio.create_task(self._produce())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


class Driver:
    """Plays people against one bot on one fake server."""

    def __init__(
        self, server: FakeTelegramServer, *, buttons: bool = True, timeout: float = 60.0
    ) -> None:
        self.server = server
        self.buttons = buttons  # False for the echo bot, whose messages have no buttons
        self.timeout = timeout
        self.inboxes: dict[int, Inbox] = {}
        server.listeners.append(self._on_call)

    def _on_call(self, call: Call) -> None:
        method = call.method.lower()
        result = call.result
        if not isinstance(result, dict) or method not in SENDS | EDITS:
            return
        inbox = self.inboxes.get(result["chat"]["id"])
        if inbox is None:
            return
        inbox.current[result["message_id"]] = result
        if method in SENDS:
            inbox.arrivals.append((time.perf_counter(), result))
            inbox.changed.set()

    def _send(self, user: int, inbox: Inbox, step: Step, text: str | None) -> None:
        if text is not None:
            self.server.user_sends(user, text, language_code="en")
            return
        if self.buttons:
            found = inbox.button(step.press)
            if found is None:
                raise LookupError(step.press)
            self.server.user_presses(user, found[0], found[1])
        else:  # the echo bot: press "a button" on its last message with the label as data
            message = inbox.arrivals[-1][1]
            self.server.user_presses(user, message, step.press[:64], strict=False)

    async def calibrate(
        self, user: int, script: list[Step], idle: float = 0.4
    ) -> list[list[Expect]]:
        """Walk once alone; after each update wait for the bot to fall quiet."""
        inbox = self.inboxes.setdefault(user, Inbox())
        expected: list[list[Expect]] = []
        for step in script:
            answers = []
            for text in step.texts or (None,):
                base = len(inbox.arrivals)
                self._send(user, inbox, step, text)
                if not await inbox.wait_count(base + 1, self.timeout):
                    raise RuntimeError(f"calibration: no answer to {text or step.press!r}")
                while await inbox.wait_count(len(inbox.arrivals) + 1, idle):
                    pass
                got = inbox.arrivals[base:]
                answers.append(Expect(len(got), _start(got[0][1])))
            expected.append(answers)
        return expected

    async def walk(
        self,
        user: int,
        script: list[Step],
        expected: list[list[Expect]],
        stats: Stats,
        pacer: Pacer | None = None,
    ) -> None:
        """One person's whole script, each step after the previous step's answer."""
        inbox = self.inboxes.setdefault(user, Inbox())
        for step, answers in zip(script, expected, strict=True):
            base = len(inbox.arrivals)
            sent_at = []
            for text in step.texts or (None,):
                if pacer is not None:
                    await pacer.permits.get()
                try:
                    self._send(user, inbox, step, text)
                except LookupError:
                    stats.errors["button missing"] += 1
                    return
                sent_at.append(time.perf_counter())
                stats.sent += 1
            if not await inbox.wait_count(base + sum(a.count for a in answers), self.timeout):
                stats.errors["answer missing"] += 1
                return
            self._score(inbox.arrivals[base:], sent_at, answers, stats, step)

    def _score(
        self,
        got: list[tuple[float, JSONDict]],
        sent_at: list[float],
        answers: list[Expect],
        stats: Stats,
        step: Step,
    ) -> None:
        position = 0
        starts = {a.start for a in answers}
        for sent, answer in zip(sent_at, answers, strict=True):
            part = got[position : position + answer.count]
            position += answer.count
            stats.latencies.append(part[-1][0] - sent)
            stats.finished = max(stats.finished, part[-1][0])
            text = "\n".join(_text(m) for _, m in part)
            if any(mark in text for mark in BUSY):
                stats.errors["busy"] += 1
            elif any(mark in text for mark in FAILED):
                stats.errors["failed"] += 1
            elif len(starts) > 1 and _start(part[0][1]) != answer.start:
                stats.reordered += 1
            if step.press == "Submit":
                stats.cases += CASE_NUMBER.findall(text)

    async def run(
        self,
        users: list[int],
        script: list[Step],
        expected: list[list[Expect]],
        rate: float = 0,
    ) -> Stats:
        """Everyone walks at once: closed loop, or at a fixed offered rate when `rate` > 0."""
        stats = Stats()
        for user in users:
            self.inboxes.setdefault(user, Inbox())
        pacer = Pacer(rate, capacity=1) if rate else None
        stats.started = time.perf_counter()
        if pacer:
            pacer.start()
        try:
            await asyncio.gather(*(self.walk(u, script, expected, stats, pacer) for u in users))
        finally:
            if pacer:
                await pacer.stop()
                stats.missed_slots = pacer.missed
        await asyncio.sleep(0.5)  # anything more is an unexpected (duplicate) answer
        wanted = sum(a.count for answers in expected for a in answers)
        extra = sum(max(0, len(self.inboxes[u].arrivals) - wanted) for u in users)
        if extra:
            stats.errors["extra answers"] += extra
        return stats
