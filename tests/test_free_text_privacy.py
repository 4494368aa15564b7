"""Numbers a party types into free text never reach the work group or a plaintext column.

A worker types a mobile and an ID number into the address, the request, the narrative and a
/human message. The staff group (a real python-telegram-bot Application against the fake
Bot API) sees them masked; the raw tables hold them only encrypted; staff in a private chat
with the bot see them in full, and that view is logged.
"""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import select, text

from bot.config import Settings
from storage import crypto
from storage.db import Database, _alembic_config
from storage.models import AccessLog, Base, Case, CaseEvent, Conversation, OutboxMessage
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, TelegramBot, running_bot, texts
from tests.harness import in_group as group
from tests.test_intake_e2e import CASE_NUMBER, ID_NUMBER, PHONE, WORKER, screen_in_scope

ADMIN = 9100
MOBILE, IDN = "13800138000", "11010519491231002X"  # synthetic, as in the issue
SECRET = f"请回电{MOBILE}，我的身份证{IDN}"
MASKED = ("138****8000", "110105********002X")
CARD = "6222021234567890123"


def leaks(value: str) -> bool:
    return MOBILE in value or IDN in value or CARD in value


async def file_with_numbers(bot: TelegramBot) -> str:
    """File a case with the numbers typed into the free-text steps."""
    await screen_in_scope(bot)
    await bot.press(WORKER, "File my case now")
    await bot.press(WORKER, "I agree")
    await bot.send(WORKER, "张测试")
    await bot.send(WORKER, PHONE)
    await bot.send(WORKER, ID_NUMBER)
    refused = texts(await bot.send(WORKER, f"示例制造有限公司 老板{MOBILE}"))
    assert "only the name" in refused  # names are searchable, so they hold no numbers
    await bot.send(WORKER, "示例制造有限公司")
    await bot.send(WORKER, f"示例区示例路1号，门卫电话{MOBILE}")  # address
    await bot.press(WORKER, "Skip")  # credit code
    await bot.press(WORKER, "Skip")  # employer phone
    await bot.press(WORKER, "Done")  # categories from screening
    await bot.send(WORKER, f"支付拖欠工资，打到卡号{CARD}。{SECRET}")  # request
    await bot.send(WORKER, "1.25万")
    await bot.send(WORKER, "2024-03")
    await bot.send(WORKER, "2026-09-30")
    await bot.send(WORKER, f"老板从七月开始不发工资。{SECRET}")  # what happened
    await bot.press(WORKER, "Done")  # no evidence
    summary = texts(await bot.press(WORKER, "Weekday mornings"))
    assert MOBILE in summary  # the person sees their own words in full, in their own chat
    receipt = texts(await bot.press(WORKER, "Submit"))
    match = CASE_NUMBER.search(receipt)
    assert match, receipt
    return match.group(0)


async def raw_rows(db: Database) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text value in every table, as stored."""
    found = []
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = (await conn.execute(text(f"SELECT * FROM {table.name}"))).mappings().all()
            for row in rows:
                for column, value in row.items():
                    if value is not None:
                        found.append((table.name, column, str(value)))
    return found


async def test_numbers_typed_in_free_text_stay_out_of_the_group_and_the_columns(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.default_locale = "en"
    async with running_bot(settings, server) as bot:
        await bot.send(ADMIN, "/lang en")
        number = await file_with_numbers(bot)
        await bot.send(WORKER, "/human")
        assert "Sent to staff" in texts(await bot.send(WORKER, SECRET))
        await bot.deliver_outbox()

        seen_by_group = texts(server.sent_messages(STAFF_GROUP))
        assert number in seen_by_group and "asks for a person" in seen_by_group
        assert not leaks(seen_by_group), seen_by_group
        assert all(m in seen_by_group for m in MASKED)  # masked, not dropped

        in_the_group = await group(bot, ADMIN, f"/case {number}")
        assert not leaks(in_the_group) and MASKED[0] in in_the_group
        assert "message from a party" in in_the_group  # the relayed message, masked in history

        private = texts(await bot.send(ADMIN, f"/case {number}"))
        assert MOBILE in private and IDN in private and CARD in private

    db = Database(settings.database.url)
    stored = await raw_rows(db)
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
        notes = (await s.execute(select(CaseEvent.note))).scalars().all()
        views = (await s.execute(select(AccessLog).where(AccessLog.action == "view_case"))).all()
        group_payloads = (
            (
                await s.execute(
                    select(OutboxMessage).where(OutboxMessage.chat_id == str(STAFF_GROUP))
                )
            )
            .scalars()
            .all()
        )
    await db.dispose()
    leaked = [(t, c) for t, c, v in stored if leaks(v)]
    assert leaked == []
    encrypted = {(t, c) for t, c, v in stored if v.startswith(crypto.PREFIX)}
    for column in ("respondent_address", "claims_text", "facts"):
        assert ("cases", column) in encrypted
    assert {("case_events", "note"), ("outbox", "payload")} <= encrypted
    # read through the data key, everything is there in full
    assert MOBILE in case.respondent_address and CARD in case.claims_text and IDN in case.facts
    assert any(SECRET in note for note in notes)
    assert len(views) == 1  # the private view is in the access log
    # group payloads were masked before they were written (not only encrypted)
    assert group_payloads and not any(leaks(str(row.payload)) for row in group_payloads)


INSERT_CASE = (
    "INSERT INTO cases (number, state, applicant_role, applicant_name, applicant_phone,"
    " applicant_phone_last4, respondent_name, respondent_address, categories, claims_text, facts,"
    " workers_count, collective, work_place, contact_time, screening, source_channel,"
    " created_at, updated_at, respondent_code_failures, court_delegated, extended_days,"
    " intake_source, departments, outcome_terms)"
    " VALUES ('LJ-2026-000009', 'submitted', 'worker', '李测试', '', '', '示例公司', :address,"
    " '[]', :claims, :facts, 1, false, '', '', '{}', 'bot', CURRENT_TIMESTAMP,"
    " CURRENT_TIMESTAMP, 0, false, 0, 'bot', '[]', '')"
)


def _payload(chat_text: str) -> str:
    return json.dumps({"replies": [{"text": chat_text, "buttons": []}]}, ensure_ascii=False)


@pytest.mark.empty_database  # migrates from no schema at all
async def test_migration_treats_rows_written_before(db_url: str) -> None:
    """Rows from schema 0007 (free text in clear) are encrypted; pending group pushes masked."""
    db = Database(db_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), "0007"))
        await conn.execute(
            text(INSERT_CASE), {"address": SECRET, "claims": SECRET, "facts": SECRET}
        )
        await conn.execute(
            text(
                "INSERT INTO case_events (case_id, at, actor, action, note)"
                " VALUES (1, CURRENT_TIMESTAMP, 'telegram:1', 'party_message', :secret)"
            ),
            {"secret": SECRET},
        )
        await conn.execute(
            text(
                "INSERT INTO people (display_name, created_at, survey_opt_out)"
                " VALUES ('', CURRENT_TIMESTAMP, false)"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO conversations (channel, chat_id, person_id, flow, step, answers,"
                " history, version, updated_at) VALUES ('telegram', '1', 1, 'dispute', 'facts',"
                " :answers, '[]', 1, CURRENT_TIMESTAMP)"
            ),
            {"answers": f'{{"facts": "{SECRET}"}}'},
        )
        for key, chat_id in (("g", "-100"), ("p", "1")):
            await conn.execute(
                text(
                    "INSERT INTO outbox (idempotency_key, channel, chat_id, payload, status,"
                    " attempts, last_error, next_attempt_at, created_at) VALUES (:key,"
                    " 'telegram', :chat, :payload, 'pending', 0, '', CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP)"
                ),
                {"key": key, "chat": chat_id, "payload": _payload(SECRET)},
            )
    await db.upgrade()
    stored = await raw_rows(db)
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
        note = (await s.execute(select(CaseEvent.note))).scalar_one()
        conv = (await s.execute(select(Conversation))).scalar_one()
        pushes = {
            row.idempotency_key: row.payload["replies"][0]["text"]
            for row in (await s.execute(select(OutboxMessage))).scalars()
        }
    async with db.engine.begin() as conn:  # and back down: the values come out in clear
        await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), "0007"))
        back = (await conn.execute(text("SELECT facts FROM cases"))).scalar_one()
    await db.dispose()
    assert [(t, c) for t, c, v in stored if leaks(v)] == []
    assert (case.respondent_address, case.claims_text, case.facts, note) == (SECRET,) * 4
    assert conv.answers == {"facts": SECRET}
    assert pushes["p"] == SECRET  # a private push is delivered as written (encrypted at rest)
    assert pushes["g"] == f"请回电{MASKED[0]}，我的身份证{MASKED[1]}"  # a group's is masked
    assert back == SECRET
