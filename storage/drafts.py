"""Unfinished applications: deleting a draft's evidence, and purging abandoned drafts.

Evidence files are named by checksum, so one file can back several attachment rows (the same
photo sent twice, or by two people): a file is removed only once no row points to it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Attachment, Conversation, utcnow


async def _unused(session: AsyncSession, paths: Iterable[str]) -> list[str]:
    """The paths no attachment row points to."""
    unused = []
    for path in sorted(set(paths)):
        used = await session.execute(select(Attachment.id).where(Attachment.path == path).limit(1))
        if used.first() is None:
            unused.append(path)
    return unused


def _remove(paths: Iterable[str]) -> int:
    removed = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
            removed += 1
    return removed


async def _delete_unfiled_rows(session: AsyncSession, conversation_id: int) -> list[str]:
    """Delete the evidence rows of a draft that was never filed; their file paths."""
    unfiled = (Attachment.conversation_id == conversation_id, Attachment.case_id.is_(None))
    paths = (await session.execute(select(Attachment.path).where(*unfiled))).scalars().all()
    await session.execute(delete(Attachment).where(*unfiled))
    return list(paths)


async def delete_unfiled_attachments(session: AsyncSession, conversation_id: int) -> int:
    """Remove evidence sent during a draft that was never filed (and its file if unshared)."""
    paths = await _delete_unfiled_rows(session, conversation_id)
    _remove(await _unused(session, paths))
    return len(paths)


async def remove_unused_files(db: Database, paths: Iterable[str]) -> int:
    """After the rows are gone (committed): delete each file no other row still uses."""
    async with db.session() as session:
        return _remove(await _unused(session, paths))


#: handlers.conversation.flow.DRAFT: the answers key of an application parked beside other talk.
PARKED = "_draft"


def _idle(cutoff: datetime) -> ColumnElement[bool]:
    return Conversation.updated_at < cutoff


def _holds_a_draft(conv: Conversation) -> bool:
    """In the middle of a flow, or with an application parked while `flow` is empty. Checked
    on the loaded row: the answers are encrypted at rest, so SQL cannot look inside them."""
    return conv.flow is not None or PARKED in (conv.answers or {})


async def stale_drafts(session: AsyncSession, cutoff: datetime) -> list[int]:
    """Ids of conversations holding a draft and idle since before `cutoff`."""
    stmt = select(Conversation).where(_idle(cutoff)).order_by(Conversation.id)
    return [conv.id for conv in (await session.execute(stmt)).scalars() if _holds_a_draft(conv)]


async def reset_stale_drafts(db: Database, cutoff: datetime) -> tuple[int, list[str]]:
    """Reset each stale draft in its own transaction (re-checked under a row lock, so a person
    typing right now keeps theirs); returns the count and the paths of deleted evidence rows,
    whose files the caller removes with `remove_unused_files` once this is committed."""
    async with db.session() as session:
        ids = await stale_drafts(session, cutoff)
    count, paths = 0, []
    for conv_id in ids:
        async with db.session() as session:
            stmt = select(Conversation).where(Conversation.id == conv_id, _idle(cutoff))
            conv = (await session.execute(stmt.with_for_update())).scalar_one_or_none()
            if conv is None or not _holds_a_draft(conv):
                continue
            paths += await _delete_unfiled_rows(session, conv.id)
            conv.flow = None
            conv.step = None
            conv.answers = {}
            conv.history = []
            count += 1
    return count, paths


async def purge_old_drafts(db: Database, max_age: timedelta) -> int:
    """Reset conversations idle longer than max_age and delete their unfiled evidence."""
    count, paths = await reset_stale_drafts(db, utcnow() - max_age)
    await remove_unused_files(db, paths)
    return count
