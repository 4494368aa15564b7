"""Each person's rights over their data (个人信息保护法 art. 44-47): /mydata, /correct, /erase.

Telegram (a real Application against the fake Bot API) and the console (a real process);
retention removing people nobody needs runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from handlers.casework import terms
from storage import retention
from storage.data_requests import DataRequest
from storage.db import Database
from storage.models import AccessLog, Case, Conversation, Identity, Person
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.wechat_api import FakeWeChatApi
from tests.harness import STAFF_GROUP, running_bot, texts
from tests.harness import in_group as group
from tests.staff_harness import ADMIN, case_filed, database, the_case
from tests.test_agreement_terms import EMPLOYER as TERMS_EMPLOYER
from tests.test_agreement_terms import NUMBER as TERMS_NUMBER
from tests.test_agreement_terms import WORKER as TERMS_WORKER
from tests.test_agreement_terms import current_case as agreed_case
from tests.test_agreement_terms import seed as seed_agreed_case
from tests.test_console import run_console
from tests.test_documents import documents_in
from tests.test_intake_e2e import ID_NUMBER, PHONE, STRANGER, WORKER
from tests.test_wechat import PHONE as WECHAT_PHONE
from tests.test_wechat import WORKER as WECHAT_WORKER
from tests.test_wechat import file_case_over_wechat
from tests.wechat_harness import WeChatUser, passive_and_pushed, running_wechat_bot, wechat_settings

REQUEST = re.compile(r"R(\d+)")


async def test_mydata_correct_and_erase_on_telegram(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with case_filed(settings, server) as (bot, number):
        await bot.send(WORKER, "/human")
        await bot.send(WORKER, "请在周三下午回电")
        await bot.press(WORKER, "End")

        # a copy, as a file in the private chat
        sent = await bot.send(WORKER, "/mydata")
        assert "copy of the personal data" in texts(sent)
        (doc,) = documents_in(sent)
        copy = server.file_content(doc["document"]["file_id"]).decode("utf-8")
        for held in ("张测试", PHONE, ID_NUMBER, number, "示例制造有限公司", "示例区示例路1号"):
            assert held in copy, held
        assert "支付拖欠的三个月工资和加班费" in copy and "老板从七月开始不发工资" in copy
        assert "contract.pdf" in copy and "请在周三下午回电" in copy  # evidence, own messages
        assert f"telegram: {WORKER}" in copy  # the chat account
        # not in a group
        in_a_group = await bot.send(WORKER, "/mydata", chat_id=-777, chat_type="group")
        assert "private chat" in texts(in_a_group) and not documents_in(in_a_group)

        # a correction: staff get a masked task; a deletion: the case file is kept, with why
        fixed = texts(await bot.send(WORKER, "/correct 我的手机号应为 13800138000"))
        assert "correction request R" in fixed
        erased = texts(await bot.send(WORKER, "/erase"))
        assert "deletion request R" in erased
        assert number in erased and "个人信息保护法第四十七条" in erased
        await bot.deliver_outbox()
        tasks = texts(server.sent_messages(STAFF_GROUP))
        assert "Data request R" in tasks and "138****8000" in tasks and "13800138000" not in tasks
        assert number in tasks and "/dataclose" in tasks

        listed = await group(bot, ADMIN, "/datareqs")
        correction, deletion = REQUEST.findall(listed)[:2]
        assert "bad" not in listed and "13800138000" not in listed
        assert "Usage" in await group(bot, ADMIN, f"/dataclose R{correction} maybe")
        closed = await group(bot, ADMIN, f"/dataclose R{correction} done 手机号已更正")
        assert f"R{correction} closed" in closed
        again = await group(bot, ADMIN, f"/dataclose R{correction} done")
        assert "closed already" in again
        kept = await group(bot, ADMIN, f"/dataclose R{deletion} done 聊天记录已删除")
        assert "is kept while their cases are" in kept
        await bot.deliver_outbox()
        told = texts(server.sent_messages(WORKER)[-2:])
        assert "answered your correction request" in told and "手机号已更正" in told
        assert "answered your deletion request" in told and number in told

        # someone with no case asks for deletion: they and their chat account go
        await bot.send(STRANGER, "/lang en")
        await bot.send(STRANGER, "/erase 不再使用")
        (stranger_request,) = REQUEST.findall(texts(server.sent_messages(STRANGER)[-1:]))
        gone = await group(bot, ADMIN, f"/dataclose R{stranger_request} done")
        assert "chat accounts were deleted" in gone
        await bot.deliver_outbox()
        assert "answered your deletion request" in texts(server.sent_messages(STRANGER)[-1:])

    async with database(settings) as s:
        requests = (await s.execute(select(DataRequest).order_by(DataRequest.id))).scalars().all()
        logged = (await s.execute(select(AccessLog.action, AccessLog.detail))).all()
        strangers = await s.scalar(
            select(func.count()).select_from(Identity).where(Identity.external_id == str(STRANGER))
        )
    case = await the_case(settings)
    assert [(r.kind, r.status) for r in requests] == [
        ("copy", "done"),
        ("correction", "done"),
        ("deletion", "done"),
        ("deletion", "done"),
    ]
    assert requests[2].kept == number and requests[3].person_id is None  # the row stays
    actions = [a for a, _ in logged]
    assert actions.count("data_copy") == 1 and actions.count("data_request") == 3
    assert actions.count("data_request_closed") == 3
    assert strangers == 0
    assert case.applicant_person_id is not None  # the case still reaches the worker


def test_mydata_and_requests_on_the_console(tmp_path: Path) -> None:
    out = run_console(
        tmp_path, ["/lang en", "/mydata", "/correct 电话是13800138000", "/correct", "/erase"]
    )
    path = re.search(r"📄 (\S+mydata-\w+\.txt)", out)
    assert path, out
    copy = Path(path.group(1)).read_text(encoding="utf-8")
    assert "the personal data we hold about you" in copy and "console" in copy
    assert Path(path.group(1)).stat().st_mode & 0o777 == 0o600
    assert "correction request R2" in out and "deletion request R3" in out
    assert "Please say what is wrong" in out  # /correct with nothing to correct
    assert "📋 [工作群] 🗂 个人信息请求 R2" in out  # the task, in the center's language
    assert "138****8000" in out and "13800138000" not in out  # masked for the work group


NOW = datetime(2027, 6, 1, 3, 0, tzinfo=UTC)


async def test_retention_removes_people_nobody_needs(settings: Settings, db: Database) -> None:
    old, recent = NOW - timedelta(days=400), NOW - timedelta(days=3)
    async with db.session() as s:
        people = {}
        for name, seen in (("idle", old), ("recent", recent), ("draft", old), ("party", old)):
            person = Person(created_at=old)
            s.add(person)
            await s.flush()
            people[name] = person.id
            s.add(
                Identity(
                    person_id=person.id,
                    channel="telegram",
                    external_id=name,
                    chat_id=name,
                    last_seen_at=seen,
                )
            )
        s.add(
            Conversation(
                channel="telegram",
                chat_id="draft",
                person_id=people["draft"],
                flow="dispute",
                step="facts",
                answers={},
                history=[],
                updated_at=recent,
            )
        )
        s.add(
            Case(
                number="LJ-2026-000001",
                applicant_person_id=people["party"],
                applicant_name="张测试",
                applicant_phone=PHONE,
                respondent_name="示例公司",
            )
        )
    planned = await retention.plan(db, settings, NOW)
    assert planned.people == 1
    went = await retention.apply(db, settings, planned)
    assert went.people == 1
    async with db.session() as s:
        left = set((await s.execute(select(Person.id))).scalars())
        identities = set((await s.execute(select(Identity.external_id))).scalars())
    assert left == {people["recent"], people["draft"], people["party"]}
    assert identities == {"recent", "draft", "party"}
    assert (await retention.purge(db, settings, NOW)).people == 0  # nothing more the next time


@pytest.fixture
async def wechat_api() -> AsyncIterator[FakeWeChatApi]:
    async with FakeWeChatApi() as fake:
        yield fake


async def test_mydata_over_wechat_comes_as_text(
    settings: Settings, wechat_api: FakeWeChatApi
) -> None:
    """WeChat cannot carry a file in a reply: the copy comes as text, in parts if long."""
    wechat_settings(settings, wechat_api)
    async with running_wechat_bot(settings, wechat_api) as (_app, side):
        user = WeChatUser(side, WECHAT_WORKER)
        number = await file_case_over_wechat(user, wechat_api)
        first = await user.send("/mydata")
        assert "copy of the personal data" in first
        await asyncio.sleep(0.5)  # the rest of a long copy goes out as pushes
        copy = passive_and_pushed(user, wechat_api)
        for held in (number, WECHAT_PHONE, "支付拖欠的三个月工资和加班费", "示例区示例路1号"):
            assert held in copy, held
        # only WeChat is configured, so no work group would see a request: none is stored
        assert "no staff channel" in await user.send("/erase")
    async with database(settings) as s:
        kinds = (await s.execute(select(DataRequest.kind))).scalars().all()
    assert kinds == ["copy"]


async def test_mydata_lists_the_terms_a_party_read(
    settings: Settings, server: FakeTelegramServer, db: Database
) -> None:
    """Each "I have read these terms" is the party's own record (terms_readings): /mydata lists
    it with the time, the side and the SHA-256 of the text read, and says when the terms have
    changed since; the other side's copy has only their own readings."""
    await seed_agreed_case(db)
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.default_locale = "en"
    async with running_bot(settings, server) as bot:
        for user in (ADMIN, TERMS_WORKER, TERMS_EMPLOYER):
            await bot.send(user, "/lang en")
        await group(bot, ADMIN, "/outcome 1 agreement 12000 2026-12-31 银行转账一次付清")
        await bot.deliver_outbox()
        assert "Recorded" in texts(await bot.press(TERMS_WORKER, "I have read these terms"))
        first = hashlib.sha256(terms.terms_text(await agreed_case(db)).encode()).hexdigest()
        await group(bot, ADMIN, "/terms 1 13000 2026-12-31 银行转账一次付清")
        await bot.deliver_outbox()
        assert "Recorded" in texts(await bot.press(TERMS_WORKER, "I have read these terms"))
        second = hashlib.sha256(terms.terms_text(await agreed_case(db)).encode()).hexdigest()

        async def copy_of(user: int) -> str:
            (doc,) = documents_in(await bot.send(user, "/mydata"))
            return server.file_content(doc["document"]["file_id"]).decode("utf-8")

        worker_copy, employer_copy = await copy_of(TERMS_WORKER), await copy_of(TERMS_EMPLOYER)
    section = worker_copy.split("Agreed terms you read")[1].split("\n\n")[0]
    old_line, new_line = [line for line in section.splitlines() if TERMS_NUMBER in line]
    assert "as the applicant" in old_line and f"SHA-256 {first}" in old_line
    assert "the terms have changed since" in old_line
    assert f"SHA-256 {second}" in new_line and "changed since" not in new_line
    employer_section = employer_copy.split("Agreed terms you read")[1].split("\n\n")[0]
    assert employer_section.splitlines()[1:] == ["  —"]  # the employer read nothing
