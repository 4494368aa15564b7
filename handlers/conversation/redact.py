"""What a group sees: phone, ID and card numbers in any text are masked on the way there.

Parties type numbers anywhere (a /human message, the narrative, an address). Everything
addressed to a group — work-group notices, the digest, staff commands answered in a group —
passes through :func:`for_group`, so a number typed in free text never reaches a group in
full, whichever handler wrote the text. Full values are shown only in a private chat with
staff, where the view is logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from handlers.conversation.masking import mask_text
from handlers.conversation.messages import Button, Reply


def for_group(replies: Iterable[Reply]) -> list[Reply]:
    """The replies with every number in their text and button labels masked."""
    return [
        replace(
            r,
            text=mask_text(r.text),
            buttons=tuple(
                tuple(Button(mask_text(b.label), b.payload) for b in row) for row in r.buttons
            ),
        )
        for r in replies
    ]


def group_payload(replies: Iterable[Reply]) -> dict[str, Any]:
    """An outbox payload for a group: masked, so the stored row never holds a full number."""
    return {"replies": [r.to_dict() for r in for_group(replies)]}
