"""Staff run a case from the Telegram work group; the worker hears of every step, once."""

from __future__ import annotations

from sqlalchemy import select

from bot.config import Settings
from storage.models import AccessLog, CaseEvent, OutboxMessage
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, texts
from tests.harness import in_group as group
from tests.staff_harness import ADMIN, MEDIATOR, case_filed, database, the_case
from tests.test_intake_e2e import WORKER

OUTSIDER = 9300
OTHER_GROUP = -555


async def test_staff_run_a_case_and_the_worker_hears_each_step_once(
    settings: Settings, server: FakeTelegramServer
) -> None:
    # the work group reads English in these tests
    async with case_filed(settings, server, english=(ADMIN, MEDIATOR)) as (bot, number):
        await bot.deliver_outbox()
        worker_seen = len(server.sent_messages(WORKER))

        accepted = texts(await bot.press(ADMIN, "Accept", chat_id=STAFF_GROUP))
        assert f"Case {number} accepted" in accepted
        added = await group(bot, ADMIN, f"/mediators add telegram:{MEDIATOR} 王调解")
        assert "王调解" in added
        await bot.press(ADMIN, "Assign", chat_id=STAFF_GROUP)
        assigned = texts(await bot.press(ADMIN, "王调解", chat_id=STAFF_GROUP))
        assert "王调解" in assigned
        queue = await group(bot, ADMIN, "/queue")
        assert number not in queue  # accepted and assigned: no longer waiting

        scheduled = await group(bot, MEDIATOR, f"/schedule {number} 2099-01-05 14:30 调解室一")
        assert number in scheduled
        done = await group(bot, MEDIATOR, f"/outcome {number} agreement 1.2万 2099-02-01")
        assert number in done
        await bot.deliver_outbox()

        updates = [m["text"] for m in server.sent_messages(WORKER)[worker_seen:]]
        # accepted, assigned, session, agreement, the agreed terms to read: once each
        assert len(updates) == 5, updates
        # acceptance: the center's own period and, separately, the statutory 15 days (art. 14)
        assert "aims to finish mediation by" in updates[0]
        assert "either side may apply for labour dispute arbitration from" in updates[0]
        assert "has accepted case" in updates[0]
        assert "王调解" in updates[1]
        assert "调解室一" in updates[2]
        assert "agreement" in updates[3] and "CN¥12,000.00" in updates[3]
        assert "payment order" in updates[3]
        assert "please read the agreed terms" in updates[4] and "NOT a signature" in updates[4]
        # after reading them, once, the offer to subscribe to policy updates and typical
        # cases (issue 22), which subscribes nobody by itself
        read = texts(await bot.press(WORKER, "I have read these terms"))
        assert "Recorded" in read and "policy updates and typical cases" in read
        mediator_note = texts(server.sent_messages(MEDIATOR))
        assert number in mediator_note  # the mediator was told privately

        history = await group(bot, ADMIN, f"/case {number}")
        assert "139****5678" in history and "13912345678" not in history  # masked in group
        for state in ("accepted by the center", "assigned to a mediator", "in mediation"):
            assert state in history  # states in words (issue 20.2), not their codes
        assert "agreement reached" in history and "in_mediation" not in history
        private = texts(await bot.send(ADMIN, f"/case {number}"))
        assert "13912345678" in private  # full details in a private chat, and logged

    case = await the_case(settings)
    async with database(settings) as s:
        events = (await s.execute(select(CaseEvent).order_by(CaseEvent.id))).scalars().all()
        views = await s.execute(select(AccessLog).where(AccessLog.action == "view_case"))
        pending = (
            (await s.execute(select(OutboxMessage).where(OutboxMessage.status != "delivered")))
            .scalars()
            .all()
        )
    assert case.state == "agreement" and str(case.outcome_amount) == "12000.00"
    assert [e.to_state for e in events if e.to_state] == [
        "submitted",
        "accepted",
        "assigned",
        "in_mediation",
        "agreement",
    ]
    assert len(views.scalars().all()) == 1
    assert pending == []


async def test_permissions(settings: Settings, server: FakeTelegramServer) -> None:
    # the work group reads English in these tests
    async with case_filed(settings, server, english=(ADMIN, MEDIATOR)) as (bot, number):
        await group(bot, ADMIN, f"/mediators add telegram:{MEDIATOR} 王调解")
        # someone in the group who is not staff
        refused = await group(bot, OUTSIDER, f"/accept {number}")
        assert "只有" in refused  # in the outsider's own language
        # staff, but in another group
        elsewhere = texts(
            await bot.send(ADMIN, f"/accept {number}", chat_id=OTHER_GROUP, chat_type="group")
        )
        assert "work group" in elsewhere
        # a mediator doing an admin's job
        assert "cannot use /staff" in await group(
            bot, MEDIATOR, f"/staff add telegram:{OUTSIDER} admin"
        )
        assert "cannot use /accept" in await group(bot, MEDIATOR, f"/accept {number}")
        # wrong arguments get the usage line
        assert "/accept ID" in await group(bot, ADMIN, "/accept")
        assert "LJ-2026-000123" in await group(bot, ADMIN, "/accept 999")
        # an illegal transition is refused with the reason
        illegal = await group(bot, ADMIN, f"/outcome {number} agreement")
        assert number in illegal and "cannot become agreement reached" in illegal
        audit = await group(bot, ADMIN, "/audit")
        # staff by registered name and role; an unknown account's id masked in the group
        assert "王调解 (mediator) · was refused /accept" in audit
        assert "telegram:93** · was refused" in audit and f"telegram:{OUTSIDER}" not in audit
        assert "telegram:91** (admin)" in audit  # registered without a name
        private = texts(await bot.send(ADMIN, "/audit"))
        assert f"telegram:{OUTSIDER} · was refused" in private
    assert (await the_case(settings)).state == "submitted"


async def test_party_talks_to_a_person_through_the_group(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with case_filed(settings, server) as (bot, number):
        await bot.send(WORKER, "/human")
        sent = texts(await bot.send(WORKER, "老板说下周才能来，可以改时间吗？"))
        assert "Sent to staff" in sent
        await bot.deliver_outbox()
        relayed = server.last_message(STAFF_GROUP)
        assert "老板说下周才能来" in relayed["text"] and number in relayed["text"]
        assert "13912345678" not in relayed["text"]
        # a staff member answers by replying to the relayed message in the group
        answer = {
            "message": {
                "message_id": 5000,
                "date": 1700000000,
                "text": "可以，改到下周三上午。",
                "chat": {"id": STAFF_GROUP, "type": "supergroup"},
                "from": {"id": ADMIN, "is_bot": False, "first_name": "管理员"},
                "reply_to_message": relayed,
            }
        }
        ok = await bot._roundtrip(STAFF_GROUP, lambda: server.queue_update(answer))
        assert "Sent to #P" in texts(ok)
        # an outsider replying the same way is refused
        forged = dict(
            answer["message"],
            message_id=5001,
            text="假消息",
            **{"from": {"id": OUTSIDER, "is_bot": False, "first_name": "x"}},
        )
        refused = await bot._roundtrip(
            STAFF_GROUP, lambda: server.queue_update({"message": forged})
        )
        assert "Only registered staff" in texts(refused)  # no language hint: the default
        await bot.deliver_outbox()
        got = texts(server.sent_messages(WORKER)[-1:])
        assert "可以，改到下周三上午。" in got and "假消息" not in texts(
            server.sent_messages(WORKER)
        )
        history = await group(bot, ADMIN, f"/case {number}")
        assert "message from a party" in history and "staff replied" in history


async def test_the_other_commands(settings: Settings, server: FakeTelegramServer) -> None:
    staff = (ADMIN, MEDIATOR, OUTSIDER)
    async with case_filed(settings, server, english=staff) as (bot, number):
        await bot.deliver_outbox()
        seen = len(server.sent_messages(WORKER))

        assert number in await group(bot, ADMIN, "/find 5678")  # last digits of the phone
        assert number in await group(bot, ADMIN, "/find 示例制造")
        assert "No case matches" in await group(bot, ADMIN, "/find 不存在的公司")

        staff_list = await group(bot, ADMIN, f"/staff add telegram:{OUTSIDER} liaison court 李联络")
        assert "李联络" in staff_list and "people's court" in staff_list
        assert "李联络" in await group(bot, ADMIN, "/staff list")
        assert number in await group(bot, OUTSIDER, "/queue")  # now staff
        assert "Removed" in await group(bot, ADMIN, f"/staff remove telegram:{OUTSIDER}")
        assert "Only registered staff" in await group(bot, OUTSIDER, "/queue")

        await group(bot, ADMIN, f"/mediators add telegram:{MEDIATOR} 王调解")
        await group(bot, ADMIN, f"/accept {number}")
        await group(bot, ADMIN, f"/assign {number} 王调解")
        assert number in await group(bot, MEDIATOR, "/mine")
        extended = await group(bot, MEDIATOR, f"/extend {number} 10 双方同意延期")
        assert "both parties consented" in extended
        assert "reason is required" in await group(bot, MEDIATOR, f"/extend {number} 10")
        assert "Note added" in await group(bot, MEDIATOR, f"/note {number} 已电话联系单位")
        assert "Nothing is overdue" in await group(bot, ADMIN, "/overdue")
        assert "Retired" in await group(bot, ADMIN, f"/mediators retire telegram:{MEDIATOR}")
        assert "retired" in await group(bot, ADMIN, "/mediators")
        await bot.deliver_outbox()
        updates = [m["text"] for m in server.sent_messages(WORKER)[seen:]]
        assert len(updates) == 3  # accepted, assigned, extended
        assert "extended by 10 days" in updates[2]
        assert "does not suspend your right to apply for arbitration" in updates[2]
        history = await group(bot, ADMIN, f"/case {number}")
        assert "已电话联系单位" in history and "both parties consented" in history


async def test_refer_tells_the_worker_where_to_go(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with case_filed(settings, server) as (bot, number):
        await bot.deliver_outbox()
        await bot.press(ADMIN, "Refer", chat_id=STAFF_GROUP)
        done = texts(await bot.press(ADMIN, "people's mediation", chat_id=STAFF_GROUP))
        assert "referred" in done
        await bot.deliver_outbox()
        told = texts(server.sent_messages(WORKER)[-1:])
        assert number in told and "people's mediation committee" in told
        assert "12348" in told and "Legal Aid Law, art. 42" in told  # legal aid on every route
        assert "cannot become" in await group(bot, ADMIN, f"/accept {number}")
