"""What the core needs from a channel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from handlers.conversation.messages import Reply


class DeliveryHeld(Exception):
    """The platform cannot reach this person now (WeChat: outside the 48-hour window and no
    template message configured). The push is kept and released when the person writes."""


class Channel(Protocol):
    """A transport: it turns platform payloads into Inbound and Replies into platform calls."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> str | None:
        """Send replies to a chat (used by the outbox); raise on failure so it is retried,
        raise DeliveryHeld to keep it until the person writes. May return the route taken."""
        ...
