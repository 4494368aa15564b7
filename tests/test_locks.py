"""Per-chat locks keep one chat's messages in order and are forgotten afterwards."""

from __future__ import annotations

import asyncio

from handlers.conversation.locks import KeyedLocks


async def test_same_key_runs_in_arrival_order_other_keys_concurrently() -> None:
    locks = KeyedLocks()
    seen: list[str] = []

    async def work(key: str, name: str, delay: float) -> None:
        async with locks.hold(key):
            seen.append(f"start {name}")
            await asyncio.sleep(delay)
            seen.append(f"end {name}")

    await asyncio.gather(
        work("a", "a1", 0.03), work("a", "a2", 0), work("a", "a3", 0), work("b", "b1", 0)
    )
    assert seen.index("end a1") < seen.index("start a2") < seen.index("start a3")
    assert seen.index("end b1") < seen.index("end a1")  # b did not wait for a
    assert len(locks) == 0  # nothing kept once every chat is idle
