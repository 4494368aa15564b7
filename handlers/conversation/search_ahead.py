"""Searching ahead: a text message is searched in the search process while it waits for its
turn at the database, so the bot's event loop does not do the search itself.

The search is a third of the CPU a question costs the bot, all of it on the event loop,
and on SQLite inside the transaction that holds the one write lock. With a second core a
child process (knowledge/search_process.py) does it instead: `Core.handle` sends every text
message there as it arrives, waits for the answer once the message's turn in its chat has
come (so a chat's messages keep their order, whether or not each was searched there), before
it takes a handling slot and the database, and `Ctx.search` takes the answer when the FAQ
asks for that same text in that same locale, against that same knowledge base. Anything else
— a button, a command, a person whose stored language differs, a knowledge base rebuilt
since, a process that is still building, slow, gone or out of step — and the message
searches on the event loop as before: results are the same either way, only where the CPU
is spent differs.

A text that turns out not to be a question (a name typed into an application) was searched
for nothing, on the other core. A process that dies is started again after a few seconds
and builds the current knowledge base again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import knowledge
from handlers.conversation.knowledge import KnowledgeHolder
from handlers.conversation.messages import Inbound
from knowledge.faq import KnowledgeBase, SearchResult
from knowledge.search_process import HEADER, BuildSpec, Packed, frame, unpack

log = logging.getLogger(__name__)

WAIT_SECONDS = 1.0  # a message waits this long for its search, then searches itself
MAX_WAITING = 512  # searches sent and not yet answered: past that, messages search themselves
RESTART_SECONDS = 5.0  # after the process died
STOP_SECONDS = 3.0  # at shutdown, before it is killed
MAX_QUESTION = 1000  # what the FAQ searches of a message (handlers/party/faq.py)


@dataclass(frozen=True)
class Ahead:
    """A message's text, searched in the search process against ``kb``."""

    kb: KnowledgeBase
    question: str
    locale: str
    result: SearchResult

    def answers(self, kb: KnowledgeBase, question: str, locale: str) -> SearchResult | None:
        """The result, if it is for this very search; None otherwise."""
        if kb is self.kb and question == self.question and locale == self.locale:
            return self.result
        return None


@dataclass
class Searching:
    """A search sent to the process, its answer to come."""

    owner: SearchAhead
    request: int
    answer: asyncio.Future[Packed | None]
    kb: KnowledgeBase
    question: str
    locale: str

    async def result(self) -> Ahead | None:
        """The answer (waiting up to WAIT_SECONDS); None when there is none to use."""
        try:
            packed = await asyncio.wait_for(self.answer, WAIT_SECONDS)
        except TimeoutError:
            return None
        finally:
            self.owner._forget(self.request)
        if packed is None or self.kb is not self.owner._kb:
            return None
        result = unpack(self.kb, packed)
        return Ahead(self.kb, self.question, self.locale, result) if result is not None else None


class SearchAhead:
    """The parent's side of the search process: start it, tell it what to build, ask it."""

    def __init__(self) -> None:
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._restart: asyncio.Task[None] | None = None
        self._checks: set[asyncio.Task[None]] = set()
        self._waiting: dict[int, asyncio.Future[Packed | None]] = {}
        self._requests = 0
        self._generation = 0
        self._kb: KnowledgeBase | None = None  # the knowledge base the process builds
        self._spec: BuildSpec | None = None
        self._verify: Callable[[], Awaitable[bool]] | None = None
        self._ready = False  # the process answers for ``_kb``
        self._closed = False

    @property
    def ready(self) -> bool:
        return self._ready and self._proc is not None

    async def until_ready(self, seconds: float) -> bool:
        """Wait (up to ``seconds``) until the process answers for the current knowledge base."""
        async with asyncio.timeout(seconds):
            while not self.ready:
                await asyncio.sleep(0.05)
        return True

    async def start(self) -> None:
        """Start the process (it builds once it is told what, by :meth:`built`)."""
        root = str(Path(knowledge.__file__).resolve().parent.parent)
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "knowledge.search_process",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
        )
        self._reader = asyncio.create_task(self._read(self._proc))
        if self._spec is not None:
            self._send_build()

    def built(
        self, kb: KnowledgeBase, spec: BuildSpec, verify: Callable[[], Awaitable[bool]]
    ) -> None:
        """The bot answers from ``kb`` now, built from ``spec``: the process builds the same.
        ``verify`` says, once it has, that the files are still those ``kb`` was built from."""
        self._generation += 1
        self._kb, self._spec, self._verify = kb, spec, verify
        self._ready = False
        if self._proc is not None:
            self._send_build()

    def send(self, question: str, locale: str) -> Searching | None:
        """Send ``question`` (its first 1,000 characters) to the process at once; None when it
        cannot take it (then the message searches on its own)."""
        question = question[:MAX_QUESTION]
        proc, kb = self._proc, self._kb
        if not self.ready or proc is None or kb is None or len(self._waiting) >= MAX_WAITING:
            return None
        assert proc.stdin is not None
        self._requests += 1
        request = self._requests
        answer: asyncio.Future[Packed | None] = asyncio.get_running_loop().create_future()
        self._waiting[request] = answer
        proc.stdin.write(frame(("search", request, question, locale)))
        return Searching(self, request, answer, kb, question, locale)

    async def search(self, question: str, locale: str) -> Ahead | None:
        """The process's search of ``question``, or None when it cannot give it."""
        searching = self.send(question, locale)
        return await searching.result() if searching is not None else None

    def _forget(self, request: int) -> None:
        self._waiting.pop(request, None)

    async def close(self) -> None:
        """Stop the process: it ends when its input does."""
        self._closed = True
        self._ready = False
        for task in (self._restart, *self._checks):
            if task is not None:
                task.cancel()
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), STOP_SECONDS)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    def _send_build(self) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(frame(("build", self._generation, self._spec)))

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        try:
            while True:
                header = await proc.stdout.readexactly(HEADER.size)
                (size,) = HEADER.unpack(header)
                message = pickle.loads(await proc.stdout.readexactly(size))  # our own child's
                self._on_message(message)
        except (asyncio.IncompleteReadError, ConnectionError, pickle.UnpicklingError) as exc:
            if not self._closed:
                log.warning("the search process stopped (%r); searching here meanwhile", exc)
        finally:
            self._gone(proc)

    def _on_message(self, message: tuple[object, ...]) -> None:
        if message[0] == "found":
            _, request, generation, packed = message
            answer = self._waiting.get(request)  # type: ignore[call-overload]
            if answer is not None and not answer.done():
                answer.set_result(packed if generation == self._generation else None)
        elif message[0] == "built":
            _, generation, error = message
            if error:
                log.warning("the search process could not build the FAQ: %s", error)
            elif generation == self._generation:
                check = asyncio.create_task(self._confirm(generation))
                self._checks.add(check)
                check.add_done_callback(self._checks.discard)

    async def _confirm(self, generation: int) -> None:
        """Answer from the process only if the files did not change while it built."""
        same = self._verify is not None and await self._verify()
        if generation == self._generation and same:
            self._ready = True
            log.info("the search process is ready")
        elif generation == self._generation:
            log.info("the FAQ files changed while the search process built; searching here")

    def _gone(self, proc: asyncio.subprocess.Process) -> None:
        if self._proc is proc:
            self._proc = None
            self._ready = False
        for answer in self._waiting.values():
            if not answer.done():
                answer.set_result(None)
        if not self._closed and self._restart is None:
            self._restart = asyncio.create_task(self._start_again())

    async def _start_again(self) -> None:
        try:
            await asyncio.sleep(RESTART_SECONDS)
            if not self._closed:
                await self.start()
        except Exception:
            log.exception("starting the search process again failed; searching here")
        finally:
            self._restart = None


async def start_beside(holder: KnowledgeHolder) -> SearchAhead | None:
    """A search process that builds every knowledge base ``holder`` answers from; None when
    it could not be started."""
    ahead = SearchAhead()
    try:
        await ahead.start()
    except OSError as exc:
        log.warning("could not start the search process (%s); searching here", exc)
        return None
    holder.watch(ahead.built)
    return ahead


def search_first(ahead: SearchAhead | None, inbound: Inbound, locale: str) -> Searching | None:
    """A text message's search, sent to the search process as the message arrives; its
    result is awaited once the message's turn in its chat has come, so a chat's messages
    keep their order (None: not a text, or no process to take it)."""
    if ahead is None or not ahead.ready or inbound.button is not None or inbound.is_command:
        return None
    if not inbound.text.strip():
        return None
    return ahead.send(inbound.text, locale)
