"""Files that hold personal data: created readable by the bot's user only (0600), and
documents made for one chat removed once the channel has sent them."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

from handlers.conversation.messages import Reply

PRIVATE = 0o600


def create_private(path: Path) -> Path:
    """An empty file at `path` with mode 0600 (whatever the umask), replacing any old one;
    writers that truncate an existing file (open 'w', openpyxl) keep that mode."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    return path


def make_private(path: Path) -> Path:
    """Mode 0600 for a file another program wrote (LibreOffice's PDF)."""
    path.chmod(PRIVATE)
    return path


def remove_sent(replies: Sequence[Reply]) -> int:
    """Delete the temporary documents of replies a channel has just sent (or cannot send);
    the number removed. Anything left behind is pruned by age (handlers.office.documents.prune)."""
    removed = 0
    for reply in replies:
        if reply.temporary and reply.document:
            with contextlib.suppress(FileNotFoundError):
                os.remove(reply.document)
                removed += 1
    return removed
