"""Numbered choices for text-only chats (WeChat): what "2" means is what was shown last.

A channel marks such messages `Inbound.text_only`; the core then reads the choices it showed
that chat last, turns a typed number (or the item's words) into the button it stands for,
and remembers the new replies' buttons, all in the transaction that handles the message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from handlers.conversation.messages import Reply

_NUMBER = re.compile(r"^(?:第)?\s*(\d{1,3})\s*(?:[.、。号个项]|\))?$")


def shown(replies: Sequence[Reply]) -> list[list[str]]:
    """[label, payload] of every button, numbered 1, 2, … in this order across replies."""
    return [[b.label, b.payload] for reply in replies for b in reply.flat_buttons]


def resolve(text: str, choices: Sequence[Sequence[str]]) -> str | None:
    """The payload the person chose by number ("2", "２", "第2项") or by label, if any."""
    clean = unicodedata.normalize("NFKC", text).strip()
    match = _NUMBER.match(clean)
    if match:
        index = int(match.group(1))
        if 1 <= index <= len(choices):
            return choices[index - 1][1]
        return None
    folded = clean.casefold()
    for label, payload in choices:
        if folded and unicodedata.normalize("NFKC", label).strip().casefold() == folded:
            return payload
    return None
