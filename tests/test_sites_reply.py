"""Issue 21: a party's /human thread belongs to a site. The party's latest case's site (no
case: the district center); a station's staff answering another site's party with /reply is
refused politely and the refusal logged; the station that has the case and the district staff
answer. Driven through the real Telegram Application against the fake Bot API."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.config import Settings
from storage.db import Database
from storage.models import AccessLog
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, running_bot, texts
from tests.harness import in_group as center_group
from tests.test_intake_e2e import WORKER, file_case
from tests.test_sites import (
    ADMIN,
    HEXI_GROUP,
    HEXI_HEAD,
    JIEDAO_GROUP,
    JIEDAO_HEAD,
    in_group,
    network,
)

STRANGER = 4242  # a party without a case


def reference(group_text: str) -> str:
    found = re.findall(r"#(P\d+) \(", group_text)
    assert found, group_text
    return found[-1]


async def test_a_station_answers_only_the_parties_of_its_own_cases(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(network(settings), server) as bot:
        for member in (ADMIN, JIEDAO_HEAD, HEXI_HEAD):
            await bot.send(member, "/lang en")
        number = await file_case(bot, server)  # 示例街道: the jiedao station's case
        for member, site in ((JIEDAO_HEAD, "jiedao"), (HEXI_HEAD, "hexi")):
            await center_group(bot, ADMIN, f"/staff add telegram:{member} admin 站长{site}")
            await center_group(bot, ADMIN, f"/staff site telegram:{member} {site}")

        await bot.send(WORKER, "/human")
        assert "Sent to staff" in texts(await bot.send(WORKER, "请问什么时候调解？"))
        await bot.deliver_outbox()
        relayed = texts(server.sent_messages(JIEDAO_GROUP))
        assert number in relayed and "asks for a person" in relayed
        worker = reference(relayed)
        seen = len(server.sent_messages(WORKER))

        # another station: refused, privately and in its own group, nothing reaches the worker
        refused = texts(await bot.send(HEXI_HEAD, f"/reply {worker} 我们是河西镇"))
        assert f"Case {number} is handled by Shili Street Station" in refused
        assert "Hexi Town Station only" in refused
        refused = await in_group(bot, HEXI_HEAD, HEXI_GROUP, f"/reply {worker} 我们是河西镇")
        assert "handled by Shili Street Station" in refused
        await bot.deliver_outbox()
        assert len(server.sent_messages(WORKER)) == seen

        # the station with the case answers in its group; the district from its own
        sent = await in_group(bot, JIEDAO_HEAD, JIEDAO_GROUP, f"/reply {worker} 明天上午九点")
        assert f"Sent to #{worker}" in sent
        assert f"Sent to #{worker}" in await center_group(bot, ADMIN, f"/reply {worker} 请带材料")
        await bot.deliver_outbox()
        answers = texts(server.sent_messages(WORKER)[seen:])
        assert "明天上午九点" in answers and "请带材料" in answers and "我们是河西镇" not in answers

        # a party without a case: the district center's to answer
        await bot.send(STRANGER, "/human")
        await bot.send(STRANGER, "我还没有立案，想问问")
        await bot.deliver_outbox()
        stranger = reference(texts(server.sent_messages(STAFF_GROUP)))
        assert stranger != worker
        for head in (JIEDAO_HEAD, HEXI_HEAD):
            refused = texts(await bot.send(head, f"/reply {stranger} 你好"))
            assert f"#{stranger} has no case" in refused and "district center" in refused
        assert f"Sent to #{stranger}" in texts(await bot.send(ADMIN, f"/reply {stranger} 您好"))
        await bot.deliver_outbox()
        told = texts(server.sent_messages(STRANGER))
        assert "您好" in told and "你好" not in told

    db = Database(settings.database.url)
    async with db.session() as s:
        refusals = (
            (await s.execute(select(AccessLog).where(AccessLog.action == "refused")))
            .scalars()
            .all()
        )
    await db.dispose()
    replies = [(r.actor, r.detail) for r in refusals if r.detail.startswith("/reply")]
    assert replies.count((f"telegram:{HEXI_HEAD}", "/reply (site jiedao)")) == 2
    no_case = f"/reply {stranger} (no case: the district's)"
    assert {a for a, d in replies if d == no_case} == {
        f"telegram:{HEXI_HEAD}",
        f"telegram:{JIEDAO_HEAD}",
    }
