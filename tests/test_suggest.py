"""`/assign ID` without a name suggests mediators (issue 23.2): specialists first, then the
fewest open cases; never one linked to the employer. Run from the Telegram work group."""

from __future__ import annotations

from sqlalchemy import select

from bot.config import Settings
from handlers.staff.suggest import employer_key
from storage.db import Database
from storage.models import Case, Staff
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, running_bot, texts
from tests.harness import in_group as group
from tests.test_sessions import ADMIN, MEDIATOR, T0, WORKER, Clock, english, seed

LI, ZHAO, QIAN = 9201, 9202, 9203


async def add_roster(db: Database) -> None:
    """王调解 (MEDIATOR) has the seeded cases; 李, 赵 and 钱 join the roster."""
    async with db.session() as s:
        for member, name in ((LI, "李调解"), (ZHAO, "赵调解"), (QIAN, "钱调解")):
            s.add(Staff(member=f"telegram:{member}", role="mediator", name=name))


async def test_suggestions_rank_by_specialty_and_workload_and_skip_linked_mediators(
    settings: Settings, db: Database, server: FakeTelegramServer
) -> None:
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.default_locale = "en"
    new = {"state": "accepted", "mediator_id": None}
    await seed(
        db,
        [
            {"number": "LJ-2026-000001", "respondent_name": "示例制造有限公司（广州分公司）"} | new,
            {"number": "LJ-2026-000002"},  # 王调解's open cases: two
            {"number": "LJ-2026-000003", "state": "in_mediation"},
            {"number": "LJ-2026-000004", "state": "closed"},  # not open: does not count
            {"number": "LJ-2026-000005", "respondent_name": "另一家公司", **new},
        ],
    )
    await add_roster(db)
    async with running_bot(settings, server, clock=Clock(T0)) as bot:
        await english(bot)
        for line in (
            f"/mediators specialty telegram:{LI} pay overtime",
            f"/mediators specialty telegram:{ZHAO} pay",
            f"/mediators link telegram:{ZHAO} 示例制造 有限公司",
            f"/mediators add telegram:{QIAN} 钱调解",  # already there: stays one row
        ):
            assert "Usage" not in await group(bot, ADMIN, line), line
        # 李 in another case so that workload and specialty pull different ways
        async with db.session() as s:
            li = (await s.execute(select(Staff).where(Staff.name == "李调解"))).scalar_one()
            fifth = await s.get(Case, 5)
            assert fifth is not None
            fifth.state, fifth.mediator_id = "assigned", li.id

        suggestion = await bot.send(ADMIN, "/assign 1", chat_id=STAFF_GROUP, chat_type="supergroup")
        text = texts(suggestion)
        order = [text.index(name) for name in ("1. 李调解", "2. 钱调解", "3. 王调解")]
        assert order == sorted(order), text
        assert "1 open case · specialty: Unpaid wages" in text
        assert "3. 王调解 · 2 open cases" in text
        assert "Not suggested (linked to a party): 赵调解 (示例制造 有限公司)" in text
        labels = server.button_labels(server.last_message(STAFF_GROUP))
        assert labels[:3] == ["★ 李调解 (1)", "钱调解 (0)", "王调解 (2)"], labels
        assert not any("赵调解" in label for label in labels)

        assigned = texts(await bot.press(ADMIN, "★ 李调解 (1)", chat_id=STAFF_GROUP))
        assert "assigned to 李调解" in assigned
        await bot.deliver_outbox()
        assert "李调解" in texts(server.sent_messages(WORKER)[-1:])
        assert "You have been assigned case LJ-2026-000001" in texts(server.sent_messages(LI))

        # the conflict holds when named directly, and for the button on a new-case notice
        refused = await group(bot, ADMIN, "/assign 1 赵调解")
        assert "赵调解 is linked to 示例制造 有限公司 and cannot mediate" in refused
        other = await group(bot, ADMIN, "/assign 5")
        assert "赵调解" in other and "Not suggested" not in other  # another employer
        # bad input: polite answers
        assert "not on the roster" in await group(bot, ADMIN, "/mediators link telegram:1 某公司")
        unknown = await group(bot, ADMIN, f"/mediators specialty telegram:{LI} wages")
        assert "Unknown category wages" in unknown and "pay" in unknown
        assert "Only an admin" in await group(bot, MEDIATOR, f"/mediators link telegram:{LI} X")
        closed = await group(bot, ADMIN, "/assign 4")
        assert "cannot become assigned" in closed
        unlinked = await group(bot, ADMIN, f"/mediators unlink telegram:{ZHAO} 示例制造有限公司")
        assert "no longer linked" in unlinked
        assert "赵调解" in await group(bot, ADMIN, "/assign 1")

    async with db.session() as s:
        case = await s.get(Case, 1)
        li = (await s.execute(select(Staff).where(Staff.name == "李调解"))).scalar_one()
    assert case is not None and case.mediator_id == li.id and case.state == "assigned"


def test_employer_names_compare_without_spaces_widths_or_brackets() -> None:
    # the same key the risk ledger uses: the company form and a branch go too
    assert employer_key("示例制造 有限公司（广州分公司）") == employer_key("示例制造有限公司")
    assert employer_key("示例制造有限公司柳江分公司") == employer_key("示例製造有限公司")
    assert employer_key("ＡＢＣ Co., Ltd.") == "abccoltd"
