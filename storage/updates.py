"""Inbound update ids: recorded before handling so a redelivery is ignored."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundUpdate


async def record_update(session: AsyncSession, channel: str, update_key: str) -> bool:
    """True when this update is new; False when it was handled (or is being handled) already."""
    try:
        async with session.begin_nested():
            session.add(InboundUpdate(channel=channel, update_key=update_key))
            await session.flush()
    except IntegrityError:
        return False
    return True
