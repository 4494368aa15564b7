"""The composition root: the engine with every feature registered.

Importing this module imports the party side and the staff side, which register their
commands, buttons and flows with the engine (handlers/conversation/registry.py). Build the
core from here (`from handlers.app import Core`), not from handlers.conversation.core.
"""

from __future__ import annotations

import handlers.party.commands
import handlers.staff.routes  # noqa: F401  (both register themselves when imported)
from handlers.conversation.core import Core

__all__ = ["Core"]
