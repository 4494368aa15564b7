"""The event loop the bot runs on: uvloop where it is installed, else asyncio's own.

uvloop does the loop's socket and thread hand-offs in C: in the load benchmark it took
about a tenth off the bot's CPU per update. It is not available on Windows; the bot then
runs on the standard loop, unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the fastest loop available."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
