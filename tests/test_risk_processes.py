"""Two bot processes (`python -m bot run`) on one PostgreSQL evaluate the risk ledger when they
start: each employer's warning reaches the liaison and the work group once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import RiskWarning
from tests.conftest import PG_URL
from tests.databases import MigratedDatabases
from tests.fault_tools import HoldingTelegramServer, bot_process, eventually, write_config
from tests.harness import STAFF_GROUP
from tests.test_risk_ledger import LIAISON, a_case, seed

pytestmark = pytest.mark.skipif(not PG_URL, reason="two processes need PostgreSQL")


async def test_two_processes_send_each_warning_once(
    tmp_path: Path, databases: MigratedDatabases
) -> None:
    db = Database(await databases.postgresql())
    await seed(
        db,
        *(a_case("示例制造有限公司") for _ in range(3)),  # orange
        a_case("示例建筑工程有限公司", workers_count=20),  # red
    )
    async with HoldingTelegramServer() as server:
        processes = []
        for name in ("a", "b"):
            folder = tmp_path / name
            folder.mkdir()
            processes.append(bot_process(write_config(folder, server, PG_URL), server))
        try:
            await asyncio.gather(*(p.start() for p in processes))

            async def both_told() -> bool:
                return len(server.texts_to(LIAISON)) >= 2

            await eventually(both_told, "the liaison was not warned")
            await asyncio.sleep(3)  # time for a duplicate to arrive, if one were sent
            liaison = server.texts_to(LIAISON)
            group = [t for t in server.texts_to(STAFF_GROUP) if "风险预警" in t]
        finally:
            for process in processes:
                await process.stop()
        problems = [line for p in processes for line in p.problems()]
    assert len(liaison) == 2 and len(group) == 2, (liaison, group)
    assert sum("示例制造" in t and "橙色" in t for t in liaison) == 1
    assert sum("示例建筑工程" in t and "红色" in t for t in liaison) == 1
    assert not problems, problems
    async with db.session() as s:
        rows = (await s.execute(select(RiskWarning.level))).scalars().all()
    assert sorted(rows) == ["orange", "red"]
    await db.dispose()
