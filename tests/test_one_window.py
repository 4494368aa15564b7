"""One window: desk registrations, court delegations, joint mediation across departments."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.config import Settings
from storage.db import Database
from storage.models import Case
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import TelegramBot, running_bot, texts
from tests.harness import in_group as group

DESK = 9100
PARTY = 7700
HRSS = 9400
COURT = 9500
UNION = 9600


async def private(bot: TelegramBot, user: int, text: str) -> str:
    return texts(await bot.send(user, text))


async def register(
    bot: TelegramBot, source: str, court: str | None = None, period: str | None = None
) -> tuple[str, str]:
    """The desk registers a walk-in (or a court delegation) for a party; returns number, code.

    `period` is what the desk types for the court's letter (e.g. "委托 15"); without it the
    desk presses the default button (委派, 30 days)."""
    await private(bot, DESK, "/register")
    await bot.press(DESK, source)
    if court:
        asked = await private(bot, DESK, court)
        assert "委派" in asked and "委托" in asked
        if period is None:
            await bot.press(DESK, "Pre-filing (委派), 30 days")
        else:
            assert "委托" in await private(bot, DESK, "委托")  # days missing: asked again
            await private(bot, DESK, period)
    for label in (
        "I am the worker (employee)",
        "No, neither",
        "A company, factory, shop or other enterprise",
        "Unpaid or underpaid wages or overtime pay",
        "No",
        "示例街道",
        "Yes, still working there",
    ):
        await bot.press(DESK, label)
    await private(bot, DESK, "2026-10-01")
    await bot.press(DESK, "Just me")
    await bot.press(DESK, "File my case now")
    consent = texts(server_last(bot, DESK))
    assert "Does the party agree" in consent
    await bot.press(DESK, "The party agrees")
    for text in ("王来访", "13700002222"):
        await private(bot, DESK, text)
    await bot.press(DESK, "Skip")
    for text in ("示例建筑有限公司", "示例区示例路9号"):
        await private(bot, DESK, text)
    await bot.press(DESK, "Skip")
    await bot.press(DESK, "Skip")
    await bot.press(DESK, "Done")
    for text in ("支付工资", "8000", "2025-06", "来访人称工地欠薪两个月。"):
        await private(bot, DESK, text)
    await bot.press(DESK, "Done")
    await bot.press(DESK, "Any time")
    receipt = texts(await bot.press(DESK, "Submit"))
    number = re.search(r"LJ-\d{4}-\d{6}", receipt).group(0)  # type: ignore[union-attr]
    code = re.search(r"one-time code: (\d{6})", receipt).group(1)  # type: ignore[union-attr]
    return number, code


def server_last(bot: TelegramBot, chat: int) -> list[dict]:  # type: ignore[type-arg]
    return bot.server.sent_messages(chat)[-1:]


async def test_walk_in_registered_then_bound_receives_the_next_push(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.staff.admins = [f"telegram:{DESK}"]
    settings.center.default_locale = "en"
    async with running_bot(settings, server) as bot:
        await private(bot, DESK, "/lang en")
        assert "private chat" in await group(bot, DESK, "/register")
        number, code = await register(bot, "walk-in visit")
        await private(bot, PARTY, "/lang en")
        await private(bot, PARTY, "/bind")
        await private(bot, PARTY, number)
        bound = await private(bot, PARTY, code)
        assert f"You can now follow case {number}" in bound
        await group(bot, DESK, f"/accept {number}")
        await bot.deliver_outbox()
        assert f"has accepted case {number}" in texts(server.sent_messages(PARTY)[-1:])
        today = await group(bot, DESK, "/today")
        assert number in today and "walk-in visit" in today
    db = Database(settings.database.url)
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
    await db.dispose()
    assert case.source_channel == "desk" and case.intake_source == "walk_in"
    assert case.registered_by == f"telegram:{DESK}" and case.applicant_code_hash is None


async def test_court_delegation_has_30_days_and_a_report(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.staff.admins = [f"telegram:{DESK}"]
    settings.center.default_locale = "en"
    async with running_bot(settings, server) as bot:
        await private(bot, DESK, "/lang en")
        number, _ = await register(
            bot, "delegated by a court", court="示例区人民法院 （2026）示0101民诉前调123号"
        )
        accepted = await group(bot, DESK, f"/accept {number}")
        db = Database(settings.database.url)
        async with db.session() as s:
            case = (await s.execute(select(Case))).scalar_one()
        await db.dispose()
        assert case.court_delegated and case.court_delegation == "pre_filing"
        assert case.court_period_days == 30
        # 30 days from the center receiving the court's materials, end of the day
        assert (case.due_at - case.received_at).days in (30, 31)
        assert "mediation period ends" in accepted
        await group(bot, DESK, f"/mediators add telegram:{COURT} 法调解")
        await group(bot, DESK, f"/assign {number} 法调解")
        await bot.send(COURT, f"/schedule {number} 2099-01-05 09:30 调解室二")
        await bot.send(COURT, f"/outcome {number} agreement 8000 2099-02-01")
        report = await group(bot, DESK, f"/report {number}")
        assert "示例区人民法院" in report and "（2026）示0101民诉前调123号" in report
        assert "Court's period: 30 days" in report
        assert "CN¥8,000.00" in report and "agreement reached" in report
        sent = await bot.send(DESK, f"/report {number}")  # in private: also the document
        documents = [m for m in sent if m.get("method") == "sendDocument"]
        names = [m["document"]["file_name"] for m in documents]
        assert any(name.endswith(".docx") for name in names)  # (and a PDF where LibreOffice is)
        assert "（2026）示0101民诉前调123号" in texts(sent)


async def test_in_suit_delegation_takes_the_period_from_the_courts_letter(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.staff.admins = [f"telegram:{DESK}"]
    settings.center.default_locale = "en"
    async with running_bot(settings, server) as bot:
        await private(bot, DESK, "/lang en")
        number, _ = await register(
            bot,
            "delegated by a court",
            court="示例区人民法院 （2026）示0101民初456号",
            period="委托 15",
        )
        receipt = texts(server.sent_messages(DESK)[-1:])
        assert "in-suit delegation (委托)" in receipt and "within 15 days" in receipt
        await group(bot, DESK, f"/accept {number}")
        report = await group(bot, DESK, f"/report {number}")
        assert "Court's period: 15 days" in report and "in-suit delegation (委托)" in report
    db = Database(settings.database.url)
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
    await db.dispose()
    assert (case.court_delegation, case.court_period_days) == ("in_suit", 15)
    assert (case.due_at - case.received_at).days in (15, 16)


async def test_joint_mediation_notifies_only_the_departments_involved(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.staff.admins = [f"telegram:{DESK}"]
    settings.staff.departments = ["petition=信访局"]
    settings.center.default_locale = "en"
    async with running_bot(settings, server) as bot:
        for who in (DESK, HRSS, COURT, UNION):
            await private(bot, who, "/lang en")
        number, _ = await register(bot, "phone call")
        for member, dept, name in (
            (HRSS, "hrss", "人社联络"),
            (COURT, "court", "法院联络"),
            (UNION, "union", "工会联络"),
        ):
            await group(bot, DESK, f"/staff add telegram:{member} liaison {dept} {name}")
        shared = await group(bot, DESK, f"/joint {number} hrss court")
        assert "HR and social security bureau" in shared and "people's court" in shared
        await bot.deliver_outbox()
        for member in (HRSS, COURT):
            assert number in texts(server.sent_messages(member))
        assert number not in texts(server.sent_messages(UNION))
        assert number in await group(bot, COURT, "/dept")
        assert number not in await group(bot, UNION, "/dept")
        refused = await group(bot, UNION, f"/note {number} 工会想插一句")
        assert "your department is not part" in refused
        assert "Note added" in await group(bot, COURT, f"/note {number} 法院已联系单位")
        assert "leads case" in await group(bot, HRSS, f"/lead {number} court")
        assert "信访局" in await group(bot, DESK, f"/joint {number} petition")  # from config
        assert "your department is not part" in await group(bot, UNION, f"/accept {number}")
