"""Things handlers report for whoever counts them: bot/metrics.py subscribes at import.

So handlers never import bot/: an event nobody listens to is simply dropped.
"""

from __future__ import annotations

from collections.abc import Callable

#: A legal question answered from the FAQ, referred elsewhere, or refused as unsure.
FAQ_OUTCOME = "faq_outcome"

_LISTENERS: dict[str, list[Callable[[str], None]]] = {}


def subscribe(event: str, listener: Callable[[str], None]) -> None:
    """Call `listener(value)` on each `emit(event, value)`; subscribing twice counts once."""
    listeners = _LISTENERS.setdefault(event, [])
    if listener not in listeners:
        listeners.append(listener)


def emit(event: str, value: str) -> None:
    for listener in _LISTENERS.get(event, ()):
        listener(value)
