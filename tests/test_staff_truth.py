"""Issue 20 (staff tell the truth): staff replies say exactly who was told and who to phone,
staff views speak in phrases, not codes.

Through the real Telegram Application against the fake Bot API.
"""

from __future__ import annotations

import re

from bot.config import Settings
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, TelegramBot, in_group, running_bot, texts
from tests.staff_harness import ADMIN, case_filed, set_respondent_phone, the_case
from tests.test_intake_e2e import WORKER

OTHER = 9202


async def test_staff_are_told_who_heard_and_whom_to_phone(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with case_filed(settings, server) as (bot, number):
        accepted = await in_group(bot, ADMIN, f"/accept {number}")
        # the respondent never linked and gave no phone: staff must find another way
        assert "Told through the bot: the applicant." in accepted, accepted
        assert "Please reach the respondent 示例制造有限公司 another way" in accepted
        assigned = await in_group(bot, ADMIN, f"/assign {number} union")
        assert "Told through the bot: the applicant." in assigned
        await set_respondent_phone(settings, "13987654321")
        scheduled = await in_group(bot, ADMIN, f"/schedule {number} 2099-01-05 14:30 调解室一")
        assert "both sides" not in scheduled
        assert "Told through the bot: the applicant." in scheduled
        # in the group the number to call is masked; privately an admin sees it in full
        assert "Please phone the respondent 示例制造有限公司 (139****4321)" in scheduled
        private = texts(await bot.send(ADMIN, f"/extend {number} 5 双方同意延期"))
        assert "Please phone the respondent 示例制造有限公司 (13987654321)" in private
        failed = await in_group(bot, ADMIN, f"/outcome {number} failed")
        assert "Told through the bot: the applicant." in failed


async def test_staff_views_speak_in_phrases_not_codes(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with case_filed(settings, server) as (bot, number):
        await in_group(bot, ADMIN, f"/accept {number}")
        await in_group(bot, ADMIN, f"/assign {number} union")
        await in_group(bot, ADMIN, f"/schedule {number} 2099-01-05 14:30 调解室一")
        await in_group(bot, ADMIN, f"/schedule {number} 2099-01-06 10:00 video")
        await in_group(bot, ADMIN, f"/extend {number} 5 双方同意延期")
        shown = texts(await bot.send(ADMIN, f"/case {number}")).replace("\u202f", " ")
        assert not re.search(r"(?<!by )video", shown)
        for code in ("in_scope", "in_mediation", "submitted →", "T14:30", "rescheduled"):
            assert code not in shown, (code, shown)
        assert "application filed · screening: The center can mediate this dispute" in shown
        assert "accepted by the center → assigned to trade union" in shown
        assert "January 5, 2099 2:30 PM 调解室一" in shown  # the session, in words, no seconds
        assert "session moved · January 6, 2099 10:00 AM by video" in shown
        assert "Session: January 6, 2099 10:00 AM, by video" in shown
        assert "+5 days, both parties consented: 双方同意延期" in shown
        assert not re.search(r"\d:\d\d:\d\d", shown)  # no seconds anywhere
        await bot.send(ADMIN, "/export")
        audit = texts(await bot.send(ADMIN, f"/audit {number}"))
        assert "viewed the case" in audit and "view_case" not in audit
        assert "exported the ledger all cases" in audit and "export_ledger" not in audit


async def test_case_has_what_staff_need_to_call_and_the_evidence_comes_privately(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with case_filed(settings, server) as (bot, number):
        await set_respondent_phone(settings, "13987654321")
        shown = await in_group(bot, ADMIN, f"/case {number}")
        assert "Respondent's address: 示例区示例路1号" in shown
        assert "Respondent's phone: 139****4321" in shown  # masked in the group
        assert "Employment: March 2024 to September 30, 2026" in shown  # given as "2024-03"
        assert "Best time to call: Weekday mornings" in shown
        assert "Evidence (2):" in shown and "contract.pdf" in shown
        # the button in the group does not send files there: it says where to ask
        pressed = texts(await bot.press(ADMIN, "Evidence files", chat_id=STAFF_GROUP))
        assert "only send it in a private chat" in pressed
        assert not [m for m in server.sent_messages(STAFF_GROUP) if m["method"] == "sendDocument"]
        private = texts(await bot.send(ADMIN, f"/case {number}"))
        assert "Respondent's phone: 13987654321" in private
        got = await bot.send(ADMIN, f"/evidence {number}")
        docs = [m["document"]["file_name"] for m in got if m["method"] == "sendDocument"]
        assert "contract.pdf" in docs and len(docs) == 2, docs
        again = await bot.send(ADMIN, f"/evidence {number}")  # the files are kept, not consumed
        assert len([m for m in again if m["method"] == "sendDocument"]) == 2
        await in_group(bot, ADMIN, f"/staff add telegram:{OTHER} mediator 乙调解")
        refused = texts(await bot.send(OTHER, f"/evidence {number}"))
        assert "只有管理员、本案调解员和参与部门的联络员" in refused
        audit = texts(await bot.send(ADMIN, f"/audit {number}"))
        assert "received the evidence files" in audit


async def _state(settings: Settings) -> str:
    return (await the_case(settings)).state


async def test_failed_takes_a_reason_and_a_refusal_says_what_comes_first(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with case_filed(settings, server) as (bot, number):
        reason = "劳动者不同意返还培训费"
        early = await in_group(bot, ADMIN, f"/outcome {number} failed {reason}")
        assert f"Accept it first: /accept {number}" in early, early
        await in_group(bot, ADMIN, f"/accept {number}")
        await in_group(bot, ADMIN, f"/assign {number} union")
        refused = await in_group(bot, ADMIN, f"/outcome {number} failed {reason}")
        assert "is assigned to trade union" in refused and "mediator" not in refused
        assert f"Schedule a session first: /schedule {number}" in refused
        await in_group(bot, ADMIN, f"/schedule {number} 2099-01-05 14:30 调解室一")
        done = await in_group(bot, ADMIN, f"/outcome {number} failed {reason}")
        assert "recorded: mediation did not succeed" in done, done
        history = await in_group(bot, ADMIN, f"/case {number}")
        assert f"in mediation → mediation did not succeed · {reason}" in history
        assert "in mediation → assigned" not in history
        assert "accepted by the center → assigned to trade union" in history
    assert await _state(settings) == "failed"


async def test_withdrawn_is_confirmed_with_a_button_first(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with case_filed(settings, server) as (bot, number):
        await in_group(bot, ADMIN, f"/accept {number}")
        asked = await in_group(bot, ADMIN, f"/outcome {number} withdrawn 申请人已与单位和解")
        assert "This cannot be undone" in asked and "申请人已与单位和解" in asked
        assert await _state(settings) == "accepted"  # nothing recorded until confirmed
        kept = texts(await bot.press(ADMIN, "No, keep it", chat_id=STAFF_GROUP))
        assert "Nothing changed" in kept
        assert await _state(settings) == "accepted"
        await in_group(bot, ADMIN, f"/outcome {number} withdrawn 申请人已与单位和解")
        done = texts(await bot.press(ADMIN, "Yes, withdraw it", chat_id=STAFF_GROUP))
        assert "recorded: withdrawn" in done, done
        assert await _state(settings) == "withdrawn"
        again = texts(await bot.press(ADMIN, "Yes, withdraw it", chat_id=STAFF_GROUP))
        assert "no longer in use" in again
        await bot.deliver_outbox()
        assert "has been withdrawn" in texts(server.sent_messages(WORKER))


async def _file_old_dispute(bot: TelegramBot, user: int, employer: str) -> str:
    """A worker who left over a year ago files about unpaid wages (the short way)."""
    await bot.send(user, "/lang en")
    await bot.press(user, "File a dispute")
    await bot.press(user, "I am the worker (employee)")
    await bot.press(user, "No, neither")
    await bot.press(user, "A company, factory, shop or other enterprise")
    await bot.press(user, "Unpaid or underpaid wages or overtime pay")
    await bot.press(user, "No")
    await bot.press(user, "示例街道")
    await bot.press(user, "No, I have left")
    await bot.send(user, "2025-06-01")
    warned = texts(await bot.press(user, "Just me"))
    assert "more than a year ago" in warned  # the party is warned about the time limit
    await bot.press(user, "File my case now")
    await bot.press(user, "I agree")
    for answer in ("李测试", "13912345678"):
        await bot.send(user, answer)
    await bot.press(user, "Skip")  # ID number
    await bot.send(user, employer)
    await bot.send(user, "示例区示例路2号")
    await bot.press(user, "Skip")
    await bot.press(user, "Skip")
    await bot.press(user, "Done")
    await bot.send(user, "支付拖欠的工资")
    await bot.send(user, "5000")
    await bot.send(user, "2024-03")
    await bot.send(user, "2025-06-01")
    await bot.send(user, "老板一直拖欠工资。")
    await bot.press(user, "Done")
    await bot.press(user, "Weekday mornings")
    receipt = texts(await bot.press(user, "Submit"))
    match = re.search(r"LJ-\d{4}-\d{6}", receipt)
    assert match, receipt
    return match.group(0)


async def test_the_work_group_sees_the_time_limit_warning_and_human_asks_which_case(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.center.default_locale = "en"
    async with running_bot(settings, server) as bot:
        first = await _file_old_dispute(bot, WORKER, "示例制造有限公司")
        await bot.deliver_outbox()
        notice = texts(server.sent_messages(STAFF_GROUP))
        assert f"New filing {first}" in notice
        assert "You left more than a year ago, so the limit may have run out" in notice
        second = await _file_old_dispute(bot, WORKER, "另一家示例公司")
        await bot.deliver_outbox()
        asked = texts(await bot.send(WORKER, "/human"))
        assert "Which case is your message about?" in asked
        labels = server.button_labels(server.last_message(WORKER))
        assert any(first in label for label in labels) and any(second in x for x in labels)
        before = len(server.sent_messages(STAFF_GROUP))
        # typing first loses nothing: the message waits until the case is chosen
        again = texts(await bot.send(WORKER, "请问什么时候调解？"))
        assert "Which case is your message about?" in again
        assert len(server.sent_messages(STAFF_GROUP)) == before
        sent = texts(await bot.press(WORKER, first))
        assert "Sent to staff" in sent
        await bot.deliver_outbox()
        relayed = texts(server.sent_messages(STAFF_GROUP)[before:])
        assert f"case {first}" in relayed and "请问什么时候调解？" in relayed
        assert second not in relayed


async def test_no_court_report_for_a_case_no_court_delegated(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with case_filed(settings, server) as (bot, number):
        refused = await in_group(bot, ADMIN, f"/report {number}")
        assert f"Case {number} was not delegated by a court" in refused
        assert "Report on case" not in refused
        got = await bot.send(ADMIN, f"/doc {number} report")
        assert "not delegated by a court" in texts(got)
        assert not [m for m in got if m["method"] == "sendDocument"]
        got = await bot.send(ADMIN, f"/report {number}")
        assert not [m for m in got if m["method"] == "sendDocument"]
