"""Unfinished applications: deleting a draft's evidence, and purging abandoned drafts."""

from __future__ import annotations

import contextlib
import os
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Attachment, Conversation, utcnow


async def delete_unfiled_attachments(session: AsyncSession, conversation_id: int) -> int:
    """Remove evidence sent during a draft that was never filed (and its file if unshared)."""
    unfiled = (Attachment.conversation_id == conversation_id, Attachment.case_id.is_(None))
    rows = (await session.execute(select(Attachment).where(*unfiled))).scalars().all()
    for row in rows:
        shared = await session.execute(
            select(Attachment.id).where(Attachment.sha256 == row.sha256, Attachment.id != row.id)
        )
        if not shared.first():
            with contextlib.suppress(OSError):
                os.remove(row.path)
    await session.execute(delete(Attachment).where(*unfiled))
    return len(rows)


async def purge_old_drafts(db: Database, max_age: timedelta) -> int:
    """Reset conversations idle longer than max_age and delete their unfiled evidence."""
    cutoff = utcnow() - max_age
    async with db.session() as session:
        stale = select(Conversation).where(
            Conversation.flow.is_not(None), Conversation.updated_at < cutoff
        )
        rows = (await session.execute(stale)).scalars().all()
        for conv in rows:
            await delete_unfiled_attachments(session, conv.id)
            conv.flow = None
            conv.step = None
            conv.answers = {}
            conv.history = []
        return len(rows)
