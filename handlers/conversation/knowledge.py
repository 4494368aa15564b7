"""The FAQ knowledge base a bot process answers from, and its rebuilding after a change.

Building it (the index, jieba, the domain model) takes about two seconds. After ``/faq link``
or ``/faq reload`` the new one is built in the background as soon as the change is committed
— not at the next question, which would then wait for it — and questions asked while it is
being built wait for it, so none is answered from the knowledge base before the change.
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
        self._stale = False  # changed since built: rebuilt after the change commits
        self._rebuild: asyncio.Task[None] | None = None

    async def get(self, session: AsyncSession | None = None) -> KnowledgeBase:
        """The knowledge base with the staff-linked phrasings; built on first use."""
        async with self._lock:  # a rebuild holds it: questions wait for the new one
            if self.kb is None or self._stale:
                self.kb = await self._build(session)
                self._stale = False
            return self.kb

    def invalidate(self) -> None:
        """Files or links changed: rebuild once the change is committed (:meth:`committed`)."""
        forget_shared()
        self._stale = True

    def committed(self) -> None:
        """A message's transaction committed: start the rebuild a change asked for."""
        if self._stale and self._rebuild is None:
            self._rebuild = asyncio.create_task(self._rebuild_now())

    async def _rebuild_now(self) -> None:
        try:
            async with self._lock:
                if self._stale:
                    self.kb = await self._build(None)
                    self._stale = False
        except Exception:  # the next question builds it again
            log.exception("rebuilding the FAQ knowledge base failed")
        finally:
            self._rebuild = None

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
