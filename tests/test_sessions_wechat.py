"""Session reminders to a party on WeChat (issue 23.1), through signed XML and the fake WeChat
API: outside the 48-hour window a customer-service message cannot go out. With a template
message configured the person gets that (the full text waits until they write); without one
the reminder is kept, written into the case history, and the work group is asked to phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.config import Settings
from handlers.staff import digest
from storage.db import Database
from storage.models import CaseEvent, OutboxMessage
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.wechat_api import FakeWeChatApi
from tests.harness import STAFF_GROUP, TelegramBot, telegram_settings, texts
from tests.harness import in_group as group
from tests.test_sessions import EMPLOYER, LINK, MEDIATOR, configure, english, seed
from tests.wechat_harness import WeChatUser, running_wechat_bot, wechat_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    """`hour`:`minute` in Shanghai on `day`'s date, as UTC."""
    return datetime.combine(day.date(), datetime.min.time(), SHANGHAI).replace(
        hour=hour, minute=minute
    )


async def test_wechat_reminders_outside_the_window_template_or_staff_are_told(
    settings: Settings, db: Database, server: FakeTelegramServer
) -> None:
    configure(settings)
    stale = datetime.now(UTC) - timedelta(days=3)  # they last wrote three days ago
    await seed(
        db,
        [{"number": "LJ-2026-000001"}],
        parties=(("wechat", "o_worker_1"), ("telegram", str(EMPLOYER))),
        last_seen=stale,
    )
    await seed(
        db,
        [{"number": "LJ-2026-000002"}],
        parties=(("wechat", "o_worker_2"), ("telegram", "7012")),
        last_seen=stale,
    )
    today = datetime.now(SHANGHAI)
    first, second = today + timedelta(days=3), today + timedelta(days=4)
    async with FakeWeChatApi() as api:
        wechat_settings(settings, api)
        telegram_settings(settings, server)
        async with running_wechat_bot(settings, api, ("wechat", "telegram")) as (app, side):
            bot = TelegramBot(server, app)
            await english(bot)
            for n, day in ((1, first), (2, second)):
                when = day.strftime("%Y-%m-%d")
                assert "set for" in await group(bot, MEDIATOR, f"/schedule {n} {when} 10:00 video")
            await bot.deliver_outbox()

            # no template message: the day-before reminder is kept, and staff are told once
            await digest.tick(app.core, at(first - timedelta(days=1), 18))
            await bot.deliver_outbox()
            await digest.tick(app.core, at(first - timedelta(days=1), 18, 1))
            await digest.tick(app.core, at(first - timedelta(days=1), 18, 2))
            await bot.deliver_outbox()
            assert api.customer_texts("o_worker_1") == [] and api.templates("o_worker_1") == []
            assert "Reminder:" in texts(server.sent_messages(EMPLOYER)[-1:])  # Telegram: sent
            notices = [
                m.get("text") or ""
                for m in server.sent_messages(STAFF_GROUP)
                if "could not be delivered" in (m.get("text") or "")
            ]
            about_one = [n for n in notices if "LJ-2026-000001" in n]
            # the session notice and the reminder, each reported once
            assert len(about_one) == 2, notices
            assert all("the applicant" in n and "phone" in n for n in about_one)
            assert "meet.example.org" not in texts(server.sent_messages(STAFF_GROUP))

            # with a template message configured, the person gets that instead
            settings.wechat.template_ids["case_update"] = "TPL_CASE_UPDATE"
            await digest.tick(app.core, at(second - timedelta(days=1), 18))
            await bot.deliver_outbox()
            templates = api.templates("o_worker_2")
            assert templates and templates[-1]["template_id"] == "TPL_CASE_UPDATE"
            assert templates[-1]["data"]["keyword1"]["value"] == "LJ-2026-000002"

            # the first worker writes: the kept messages arrive, the link with the reminder
            await WeChatUser(side, "o_worker_1").send("你好")
            await bot.deliver_outbox()
            await api.wait_for("/cgi-bin/message/custom/send", 1)
            pushed = "\n".join(api.customer_texts("o_worker_1"))
            assert "Reminder:" in pushed and LINK.search(pushed), pushed

    async with db.session() as s:
        events = (
            await s.execute(select(CaseEvent).where(CaseEvent.action == "session_undelivered"))
        ).scalars()
        held = (
            await s.execute(select(OutboxMessage).where(OutboxMessage.status == "held"))
        ).scalars()
        # case 1: its session notice and its reminder; case 2: its session notice (sent before
        # the template was configured)
        assert sorted(e.case_id for e in events) == [1, 1, 2]
        assert all(m.chat_id != "o_worker_1" for m in held)  # released when they wrote
