"""A worker files a case on Telegram; staff see a masked notice; the employer binds and responds."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.config import Settings
from handlers.casework.validators import id_check_char
from storage.db import Database
from storage.models import Attachment, Case, CaseEvent, OutboxMessage
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, TelegramBot, running_bot, texts

WORKER = 7001
EMPLOYER = 7002
STRANGER = 7003
PHONE = "13912345678"
ID_BODY = "11010519900307123"
ID_NUMBER = ID_BODY + id_check_char(ID_BODY)  # synthetic, checksum-valid
CASE_NUMBER = re.compile(r"LJ-\d{4}-\d{6}")


async def screen_in_scope(bot: TelegramBot, user: int = WORKER) -> list[dict]:
    """Answer the screening as a worker with unpaid wages who has left the job."""
    await bot.send(user, "/start qr-hexi-street")  # came in through a QR code
    await bot.send(user, "/lang en")
    await bot.press(user, "File a dispute")
    await bot.press(user, "I am the worker (employee)")
    await bot.press(user, "No, neither")
    await bot.press(user, "A company, factory, shop or other enterprise")
    await bot.press(user, "Unpaid or underpaid wages or overtime pay")
    await bot.press(user, "No")
    await bot.press(user, "示例街道")
    await bot.press(user, "No, I have left")
    await bot.send(user, "2026-10-01")
    return await bot.press(user, "Just me")


async def file_case(bot: TelegramBot, server: FakeTelegramServer) -> str:
    outcome = await screen_in_scope(bot)
    assert "The center can mediate this dispute" in texts(outcome)
    await bot.press(WORKER, "File my case now")
    await bot.press(WORKER, "I agree")
    await bot.send(WORKER, "张测试")
    bad = await bot.send(WORKER, "12345")
    assert "not a mainland mobile number" in texts(bad)
    await bot.send(WORKER, "139 1234 5678")
    bad = await bot.send(WORKER, ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1"))
    assert "does not add up" in texts(bad)
    await bot.send(WORKER, ID_NUMBER)
    await bot.send(WORKER, "示例制造有限公司")
    await bot.send(WORKER, "示例区示例路1号")
    await bot.press(WORKER, "Skip")  # credit code
    await bot.press(WORKER, "Skip")  # employer phone
    claims = texts(server.sent_messages(WORKER)[-1:])
    assert "What is the dispute about" in claims
    assert "✅ Unpaid wages" in server.button_labels(server.last_message(WORKER))  # from screening
    await bot.press(WORKER, "Overtime pay")
    await bot.press(WORKER, "Done")
    await bot.send(WORKER, "支付拖欠的三个月工资和加班费")
    bad = await bot.send(WORKER, "a lot")
    assert "as a number" in texts(bad)
    await bot.send(WORKER, "1.25万")
    await bot.send(WORKER, "2024-03")
    bad = await bot.send(WORKER, "2024-01-01")
    assert "cannot be before the start date" in texts(bad)
    await bot.send(WORKER, "2026-09-30")
    await bot.send(WORKER, "老板从七月开始不发工资，说公司没钱。")
    got = await bot.send_photo(WORKER, b"\x89PNG fake pay slip photo")
    assert "1 file so far" in texts(got)
    got = await bot.send_document(WORKER, b"%PDF-1.4 contract", "contract.pdf", "application/pdf")
    assert "2 files so far" in texts(got)
    await bot.press(WORKER, "Done")
    summary = await bot.press(WORKER, "Weekday mornings")
    text = texts(summary)
    assert "张测试" in text and "CN¥12,500.00" in text and "Evidence: 2 files" in text
    # change one field from the summary, then come straight back to it
    await bot.press(WORKER, "Change something")
    await bot.press(WORKER, "Mobile")
    summary = await bot.send(WORKER, PHONE)
    assert PHONE in texts(summary) and "Please check your application" in texts(summary)
    receipt = await bot.press(WORKER, "Submit")
    match = CASE_NUMBER.search(texts(receipt))
    assert match, texts(receipt)
    assert "15 days" in texts(receipt)
    return match.group(0)


async def test_worker_files_and_staff_get_a_masked_notice(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        number = await file_case(bot, server)
        await bot.deliver_outbox()
        notice = texts(server.sent_messages(STAFF_GROUP))
        assert number in notice
        assert PHONE not in notice and "139****5678" in notice
        assert ID_NUMBER not in notice and ID_NUMBER[-4:] in notice
        assert {"查看", "受理", "转办", "指派"} <= set(  # the work group reads Chinese
            server.button_labels(server.last_message(STAFF_GROUP))
        )
        status = texts(await bot.send(WORKER, "/status"))
        assert number in status and "received, waiting for review" in status
        assert "either side may apply for arbitration from" in status

    db = Database(settings.database.url)
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
        assert case.number == number
        assert case.applicant_phone == PHONE
        assert case.applicant_id_number == ID_NUMBER
        assert str(case.amount_claimed) == "12500.00"
        assert case.categories == ["pay", "overtime"]
        assert case.source_channel == "telegram"
        assert case.entry_source == "qr-hexi-street"
        # the statutory 15 days run from receipt (art. 14); the center's period from acceptance
        assert case.received_at == case.submitted_at and case.due_at is None
        assert case.accept_by is not None and case.accept_by > case.submitted_at.date()
        files = (await s.execute(select(Attachment))).scalars().all()
        assert len(files) == 2 and all(f.case_id == case.id and len(f.sha256) == 64 for f in files)
        events = (await s.execute(select(CaseEvent))).scalars().all()
        assert [e.to_state for e in events] == ["submitted"]
    await db.dispose()


async def test_stranger_cannot_see_or_bind_without_the_code(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        number = await file_case(bot, server)
        await bot.send(STRANGER, "/lang en")
        assert number not in texts(await bot.send(STRANGER, "/status"))
        await bot.send(STRANGER, "/bind")
        await bot.send(STRANGER, number)
        for attempt in range(3):
            reply = texts(await bot.send(STRANGER, f"{attempt:06d}"))
        assert "wait until" in reply  # guessing is slowed down for this account
        assert number not in texts(await bot.send(STRANGER, "/status"))
        # a forged respond button does nothing either
        forged = await bot._roundtrip(
            STRANGER,
            lambda: server.queue_update(
                {
                    "callback_query": {
                        "id": "forged-1",
                        "from": {"id": STRANGER, "is_bot": False, "first_name": "x"},
                        "chat_instance": "1",
                        "data": f"case:{number}:decline_yes",
                        "message": {
                            "message_id": 1,
                            "date": 0,
                            "chat": {"id": STRANGER, "type": "private"},
                        },
                    }
                }
            ),
        )
        assert "linked to you" in texts(forged)
    db = Database(settings.database.url)
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
        assert case.state == "submitted" and case.respondent_person_id is None
    await db.dispose()


async def test_employer_binds_with_code_and_declines(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        number = await file_case(bot, server)
        await bot.deliver_outbox()
        notice = texts(server.sent_messages(STAFF_GROUP))
        code = re.search(r"(?:code: |验证码：)(\d{6})", notice).group(1)  # type: ignore[union-attr]
        await bot.send(EMPLOYER, "/lang en")
        await bot.press(EMPLOYER, "I am named in a case")
        await bot.send(EMPLOYER, number.lower())
        bound = texts(await bot.send(EMPLOYER, code))
        assert f"You can now follow case {number}" in bound
        assert "You are the respondent" in bound
        await bot.press(EMPLOYER, "Decline mediation")
        done = texts(await bot.press(EMPLOYER, "Yes, decline"))
        assert "The applicant has been told" in done
        await bot.deliver_outbox()
        told = texts(server.sent_messages(WORKER)[-1:])
        assert number in told and "arbitration" in told and "no later than" in told
        # the code was one-time: nobody else can use it now
        await bot.send(STRANGER, "/bind")
        await bot.send(STRANGER, number)
        assert "不匹配" in texts(await bot.send(STRANGER, code))  # a Chinese-speaking stranger
        status = texts(await bot.send(WORKER, "/status"))
        assert "declined mediation" in status
    db = Database(settings.database.url)
    async with db.session() as s:
        pushes = (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
        case = (await s.execute(select(Case))).scalar_one()
    await db.dispose()
    assert case.state == "declined_by_respondent"
    assert pushes == 3  # the staff notice, the worker's push and the staff update, each once


async def test_declining_consent_stores_nothing(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        await screen_in_scope(bot)
        await bot.press(WORKER, "File my case now")
        reply = texts(await bot.press(WORKER, "I do not agree"))
        assert "Nothing has been stored" in reply
    db = Database(settings.database.url)
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(Case))).scalar_one() == 0
        assert (await s.execute(select(func.count()).select_from(Attachment))).scalar_one() == 0
    await db.dispose()


async def test_unfinished_application_is_offered_to_continue(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        await screen_in_scope(bot)
        await bot.press(WORKER, "File my case now")
        await bot.press(WORKER, "I agree")
        await bot.send(WORKER, "张测试")
    async with running_bot(settings, server) as bot:
        offer = texts(await bot.send(WORKER, "/start"))
        assert "unfinished application" in offer
        again = texts(await bot.press(WORKER, "Continue"))
        assert "mobile number" in again


async def test_only_staff_can_open_a_case_from_the_group_and_it_stays_masked(
    settings: Settings, server: FakeTelegramServer
) -> None:
    admin = 9100
    settings.staff.admins = [f"telegram:{admin}"]
    async with running_bot(settings, server) as bot:
        await file_case(bot, server)
        await bot.deliver_outbox()
        refused = await bot.press(STRANGER, "查看", chat_id=STAFF_GROUP)
        assert "只有" in texts(refused) or "Only registered staff" in texts(refused)
        assert "张测试" not in texts(refused)
        shown = texts(await bot.press(admin, "查看", chat_id=STAFF_GROUP))
        assert "张测试" in shown and "老板从七月开始不发工资" in shown
        assert PHONE not in shown and ID_NUMBER not in shown and "139****5678" in shown
