"""The FAQ knowledge base a bot process answers from, and its rebuilding after a change.

Building it (the index, jieba, the domain model) takes about two seconds. After ``/faq link``
the new one is built in the background as soon as the link is committed — not at the next
question, which would then wait for it; questions asked while it is being built wait for it.
The rebuild is tied to the link's own transaction (:meth:`Core.rebuild_knowledge_after`), not
to whichever message commits next: a question handled in between would otherwise build from
the links before this one and leave it out. ``/faq reload`` (the files changed) rebuilds at
once, in its own handling.

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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.faq import KnowledgeBase, forget_shared, load_kb, load_kb_shared
from knowledge.faq_files import DEFAULT_FOLDER
from knowledge.referrals import REFERRALS_PATH
from storage.db import Database
from storage.models import FaqLink

log = logging.getLogger(__name__)

LinksSignature = tuple[int, int]  # (how many links, the largest id; 0 when none)
FilesSignature = tuple[tuple[str, int, int], ...]  # (path, mtime in ns, size), by path


def files_signature(folder: Path, referrals: Path) -> FilesSignature:
    """What the knowledge files look like now: every ``*.toml`` under ``folder`` (entries,
    laws, synonyms, phrasings/, model_words/) and the referral routes. A file that is gone
    or unreadable is (-1, -1): its coming back is a change too, and never fails a build."""
    found: list[tuple[str, int, int]] = []
    for path in [*sorted(folder.rglob("*.toml")), referrals]:
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


class KnowledgeHolder:
    """``folder`` and ``referrals``: other knowledge files than the packaged ones (tests); the
    packaged ones are built once per process for all holders (knowledge.faq.load_kb_shared)."""

    def __init__(
        self, db: Database, *, folder: Path | None = None, referrals: Path | None = None
    ) -> None:
        self.db = db
        self.kb: KnowledgeBase | None = None
        self.built_from: BuiltFrom | None = None  # what ``kb`` was built from
        self._own_files = folder is not None or referrals is not None
        self._folder = folder or DEFAULT_FOLDER
        self._referrals = referrals or REFERRALS_PATH
        self._lock = asyncio.Lock()
        self._stale = False  # the files changed: rebuilt at the next use
        self._rebuild: asyncio.Task[None] | None = None

    async def get(self, session: AsyncSession | None = None) -> KnowledgeBase:
        """The knowledge base with the staff-linked phrasings; built on first use."""
        async with self._lock:  # a rebuild holds it: questions wait for the new one
            if self.kb is None or self._stale:
                self.kb = await self._build(session)
                self._stale = False
            return self.kb

    def invalidate(self) -> None:
        """The files changed: rebuild at the next use."""
        forget_shared()
        self._stale = True

    def rebuild(self) -> None:
        """A committed change (a link): build the knowledge base again now, in the background."""
        if self._rebuild is None or self._rebuild.done():
            self._rebuild = asyncio.create_task(self._rebuild_now())

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
        # the rebuild forgets the shared copies, built from the old files and links; one in
        # progress already: the next call compares again
        self.rebuild()
        return True

    async def _rebuild_now(self) -> None:
        try:
            # The links are read before the lock is taken: on SQLite a question holds the
            # database (one writer) while it waits for the lock, so reading them under the
            # lock deadlocked both for 30 s and the rebuild failed.
            async with self.db.session() as own:
                links = await _links(own)
            async with self._lock:
                forget_shared()  # the links are part of its key: only the old one would stay
                self.kb = await self._build_from(links)
                self._stale = False
        except Exception:  # the next link, reload or sync builds it again
            log.exception("rebuilding the FAQ knowledge base failed")

    async def _build(self, session: AsyncSession | None) -> KnowledgeBase:
        if session is None:
            async with self.db.session() as own:
                return await self._build_from(await _links(own))
        return await self._build_from(await _links(session))

    async def _build_from(self, links: Sequence[tuple[int, str, str]]) -> KnowledgeBase:
        extra: dict[str, list[str]] = {}
        for _id, entry_id, phrasing in links:
            extra.setdefault(entry_id, []).append(phrasing)
        # taken before the files are read: a change while they are read is seen next time
        files = await asyncio.to_thread(files_signature, self._folder, self._referrals)
        if self._own_files:
            kb = await asyncio.to_thread(
                load_kb, self._folder, extra_phrasings=extra, referrals=self._referrals
            )
        else:
            kb = await asyncio.to_thread(load_kb_shared, extra)
        largest = max((link_id for link_id, _, _ in links), default=0)
        self.built_from = BuiltFrom((len(links), largest), files)
        return kb


async def _links(session: AsyncSession) -> list[tuple[int, str, str]]:
    """Every linked phrasing: (id, entry id, phrasing)."""
    rows = await session.execute(select(FaqLink.id, FaqLink.entry_id, FaqLink.phrasing))
    return [(link_id, entry_id, phrasing) for link_id, entry_id, phrasing in rows]
