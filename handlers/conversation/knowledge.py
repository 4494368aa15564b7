"""The FAQ knowledge base a bot process answers from, and its rebuilding after a change.

Building it (the index, jieba, the domain and entry models) takes several seconds: about
six on a quiet machine of two cores, or about half a second to read back when this very build
was made before (knowledge/kb_cache.py). It is built once before the first question (at start,
`Core.warm_knowledge`); every later build — after ``/faq link``, ``/faq reload`` or a change
seen by :meth:`KnowledgeHolder.sync` — runs in the background while the old one goes on
answering, and the new one replaces it when it is ready. (Questions used to wait for the
rebuild: every link or reload held up everyone's questions for those seconds, and a reload
held the database too.) A rebuild starts once the change has committed
(:meth:`Core.rebuild_knowledge_after`), not at whichever message commits next: a question
handled in between would otherwise build from the links before this one and leave it out;
a change made while a rebuild runs gets one more rebuild after it.

Several processes can share one database (two WeChat processes on one port): each remembers
what its knowledge base was built from — the links (their number and largest id: links are
only ever added) and the files (modification times and sizes) — and :meth:`sync`, every
minute from the housekeeping loop, rebuilds it in the background when another process linked
a phrasing or the files changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.faq import KnowledgeBase
from knowledge.faq_check import check_kb
from knowledge.faq_files import DEFAULT_FOLDER
from knowledge.kb_shared import build_files, load_kb_shared
from knowledge.referrals import REFERRALS_PATH
from knowledge.search_process import BuildSpec
from storage.db import Database
from storage.models import FaqLink

log = logging.getLogger(__name__)

LinksSignature = tuple[int, int]  # (how many links, the largest id; 0 when none)
FilesSignature = tuple[tuple[str, int, int], ...]  # (path, mtime in ns, size), by path
# Told how a rebuild went: the new knowledge base (None: it failed, the old one stays) and
# the problems in the files (what `mediation-bot kb check` prints; on a failure its error
# first — as the check names it when it can, else its first line)
Report = Callable[[KnowledgeBase | None, Sequence[str]], Awaitable[None]]
# Told of each knowledge base the holder answers from now, what it was built from, and how to
# check later that the files are still those (handlers/conversation/search_ahead.py)
OnBuilt = Callable[[KnowledgeBase, BuildSpec, Callable[[], Awaitable[bool]]], None]


def files_signature(folder: Path, referrals: Path) -> FilesSignature:
    """What the knowledge files a build reads look like now (knowledge.kb_shared.build_files, the
    files the disk cache names a build by). A file that is gone or unreadable is (-1, -1):
    its coming back is a change too, and never fails a build."""
    found: list[tuple[str, int, int]] = []
    for _, path in build_files(folder, referrals):
        try:
            st = path.stat()
        except OSError:
            found.append((str(path), -1, -1))
        else:
            found.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(found)


async def links_signature(session: AsyncSession) -> LinksSignature:
    """The links in the database, in one cheap query."""
    count, largest = (
        await session.execute(select(func.count(FaqLink.id), func.max(FaqLink.id)))
    ).one()
    return int(count or 0), int(largest or 0)


@dataclass(frozen=True)
class BuiltFrom:
    links: LinksSignature
    files: FilesSignature
    spec: BuildSpec  # what another process needs to build the same


class KnowledgeHolder:
    """``folder`` and ``referrals``: other knowledge files than the packaged ones (tests); the
    packaged ones are built once per process for all holders (knowledge.kb_shared)."""

    def __init__(
        self, db: Database, *, folder: Path | None = None, referrals: Path | None = None
    ) -> None:
        self.db = db
        self.kb: KnowledgeBase | None = None
        self.built_from: BuiltFrom | None = None  # what ``kb`` was built from
        self._own_files = folder is not None or referrals is not None
        self._folder = folder or DEFAULT_FOLDER
        self._referrals = referrals or REFERRALS_PATH
        self._first = asyncio.Lock()  # the first build: questions wait for it (nothing else)
        self._rebuild: asyncio.Task[None] | None = None
        self._again = False  # a change came: (once more) after the rebuild under way
        self._reports: list[Report] = []
        self.on_built: OnBuilt | None = None

    async def get(self, session: AsyncSession | None = None) -> KnowledgeBase:
        """The knowledge base with the staff-linked phrasings; built on first use."""
        if self.kb is not None:  # a rebuild under way: this one answers until it is done
            return self.kb
        async with self._first:
            if self.kb is None:
                kb, built = await self._build(session)
                if self.kb is None:  # a rebuild may have finished meanwhile: it is newer
                    self._answer_from(kb, built)
            assert self.kb is not None
            return self.kb

    def watch(self, on_built: OnBuilt) -> None:
        """Tell ``on_built`` of the knowledge base answered from now, and of every later one."""
        self.on_built = on_built
        if self.kb is not None and self.built_from is not None:
            self._answer_from(self.kb, self.built_from)

    def _answer_from(self, kb: KnowledgeBase, built: BuiltFrom) -> None:
        self.kb, self.built_from = kb, built
        if self.on_built is not None:
            self.on_built(kb, built.spec, lambda: self._files_unchanged(built))

    async def _files_unchanged(self, built: BuiltFrom) -> bool:
        """The knowledge files are still as they were when ``built`` was read."""
        try:
            files = await asyncio.to_thread(files_signature, self._folder, self._referrals)
        except Exception:
            log.exception("checking the FAQ knowledge files failed")
            return False
        return files == built.files

    def rebuild(self, report: Report | None = None) -> None:
        """A committed change (a link, the files): build the knowledge base again now, in the
        background; ``report`` hears how it went."""
        if report is not None:
            self._reports.append(report)
        self._again = True
        if self._rebuild is None or self._rebuild.done():
            self._rebuild = asyncio.create_task(self._rebuild_until_current())

    async def close(self) -> None:
        """At shutdown: a rebuild under way is given up before the database is closed (its
        build finishes in its thread, unused; the next start builds from the files anyway)."""
        task = self._rebuild
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def sync(self) -> bool:
        """Rebuild in the background if another process linked a phrasing or the files changed
        since the knowledge base was built; True when it is being rebuilt. Before the first
        question nothing is built (that question builds it). Never raises: a failure is logged
        and the next call tries again."""
        built = self.built_from
        if self.kb is None or built is None:
            return False
        try:
            async with self.db.session() as session:
                links = await links_signature(session)
            files = await asyncio.to_thread(files_signature, self._folder, self._referrals)
        except Exception:
            log.exception("checking the FAQ knowledge base for changes failed; trying again")
            return False
        if links == built.links and files == built.files:
            return False
        if files != built.files:
            log.info("the FAQ knowledge files changed: rebuilding the knowledge base")
        else:
            log.info("FAQ links added by another process: rebuilding the knowledge base")
        self.rebuild()  # one under way already: it builds once more after it
        return True

    async def _rebuild_until_current(self) -> None:
        while self._again:
            self._again = False
            reports, self._reports = self._reports, []
            kb: KnowledgeBase | None = None
            failure: list[str] = []
            try:
                kb = await self._rebuild_now()
            except Exception as exc:  # the next link, reload or sync builds it again
                log.exception("rebuilding the FAQ knowledge base failed")
                failure = [(str(exc).strip().splitlines() or [type(exc).__name__])[0]]
            if reports:
                await self._report(reports, kb, failure)

    async def _report(
        self, reports: list[Report], kb: KnowledgeBase | None, failure: list[str]
    ) -> None:
        try:  # a broken entry file is skipped by the build, not failed: the check names it
            problems = await asyncio.to_thread(check_kb, self._folder, self._referrals)
        except Exception as exc:
            problems = [str(exc)]
        if failure:  # the check's line for the error names its file; else the error itself
            named = [p for p in problems if failure[0] in p]
            problems = [*(named or failure), *(p for p in problems if p not in named)]
        for report in reports:
            try:
                await report(kb, problems)
            except Exception:
                log.exception("reporting a rebuild of the FAQ knowledge base failed")

    async def _rebuild_now(self) -> KnowledgeBase:
        async with self.db.session() as own:
            links = await _links(own)
        kb, built = await self._build_from(links)
        self._answer_from(kb, built)
        return kb

    async def _build(self, session: AsyncSession | None) -> tuple[KnowledgeBase, BuiltFrom]:
        if session is None:
            async with self.db.session() as own:
                return await self._build_from(await _links(own))
        return await self._build_from(await _links(session))

    async def _build_from(
        self, links: Sequence[tuple[int, str, str]]
    ) -> tuple[KnowledgeBase, BuiltFrom]:
        extra: dict[str, list[str]] = {}
        for _id, entry_id, phrasing in links:
            extra.setdefault(entry_id, []).append(phrasing)
        # taken before the files are read: a change while they are read is seen next time
        files = await asyncio.to_thread(files_signature, self._folder, self._referrals)
        kb = await asyncio.to_thread(load_kb_shared, extra, self._folder, self._referrals)
        largest = max((link_id for link_id, _, _ in links), default=0)
        spec = BuildSpec(extra)
        if self._own_files:
            spec = BuildSpec(extra, str(self._folder), str(self._referrals))
        return kb, BuiltFrom((len(links), largest), files, spec)


async def _links(session: AsyncSession) -> list[tuple[int, str, str]]:
    """Every linked phrasing: (id, entry id, phrasing)."""
    rows = await session.execute(select(FaqLink.id, FaqLink.entry_id, FaqLink.phrasing))
    return [(link_id, entry_id, phrasing) for link_id, entry_id, phrasing in rows]
