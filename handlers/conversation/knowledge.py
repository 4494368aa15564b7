"""The FAQ knowledge base a bot process answers from, and its rebuilding after a change.

Building it (the index, jieba, the domain model) takes about two seconds. After ``/faq link``
the new one is built in the background as soon as the link is committed — not at the next
question, which would then wait for it; questions asked while it is being built wait for it.
The rebuild is tied to the link's own transaction (:meth:`Core.rebuild_knowledge_after`), not
to whichever message commits next: a question handled in between would otherwise build from
the links before this one and leave it out. ``/faq reload`` (the files changed) rebuilds at
once, in its own handling.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.faq import KnowledgeBase, forget_shared, load_kb_shared
from storage.db import Database
from storage.models import FaqLink

log = logging.getLogger(__name__)


class KnowledgeHolder:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.kb: KnowledgeBase | None = None
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

    async def _rebuild_now(self) -> None:
        try:
            async with self._lock:
                forget_shared()  # the links are part of its key: only the old one would stay
                self.kb = await self._build(None)
                self._stale = False
        except Exception:  # the next link or reload builds it again
            log.exception("rebuilding the FAQ knowledge base failed")

    async def _build(self, session: AsyncSession | None) -> KnowledgeBase:
        if session is None:
            async with self.db.session() as own:
                links = (await own.execute(select(FaqLink))).scalars().all()
        else:
            links = (await session.execute(select(FaqLink))).scalars().all()
        extra: dict[str, list[str]] = {}
        for link in links:
            extra.setdefault(link.entry_id, []).append(link.phrasing)
        return await asyncio.to_thread(load_kb_shared, extra)
