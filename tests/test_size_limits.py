"""The attachment limit holds on the bytes, not on what the platform says: a 50 MB file
whose Telegram update omits its size, or declares a small one, is refused after the first
megabyte or so arrives; nothing of it is kept; the person is told the limit. Same for WeChat
media served without a Content-Length."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.config import Settings
from storage.db import Database
from storage.models import Attachment
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.wechat_api import FakeWeChatApi
from tests.harness import TelegramBot, running_bot, texts
from tests.test_intake_e2e import ID_NUMBER, screen_in_scope
from tests.wechat_harness import WeChatUser, media_xml, running_wechat_bot, wechat_settings

WORKER = 7001
BIG = b"\xff\xd8\xff" + b"x" * (50 * 1024 * 1024)  # 50 MB
LIMIT = "the limit is 1 MB"


def kept_files(settings: Settings) -> list[Path]:
    folder = Path(settings.storage.files_dir)
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


async def attachments(db: Database) -> int:
    async with db.session() as s:
        return int((await s.execute(select(func.count()).select_from(Attachment))).scalar_one())


async def to_evidence_on_telegram(bot: TelegramBot) -> None:
    await screen_in_scope(bot)
    await bot.press(WORKER, "File my case now")
    await bot.press(WORKER, "I agree")
    for answer in ("张测试", "13912345678", ID_NUMBER, "示例制造有限公司", "示例区示例路1号"):
        await bot.send(WORKER, answer)
    await bot.press(WORKER, "Skip")
    await bot.press(WORKER, "Skip")
    await bot.press(WORKER, "Done")
    for answer in ("支付拖欠的工资", "1.25万", "2024-03", "2026-09-30", "老板不发工资。"):
        await bot.send(WORKER, answer)


async def test_telegram_limit_holds_on_the_bytes(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.storage.max_attachment_mb = 1
    async with running_bot(settings, server) as bot:
        await to_evidence_on_telegram(bot)
        assert kept_files(settings) == []
        for declared in (None, 1000):  # the size left out; a small size declared
            got = await bot._roundtrip(
                WORKER,
                lambda d=declared: server.user_sends_document(
                    WORKER, BIG, "contract.pdf", "application/pdf", declared_size=d
                ),
            )
            assert LIMIT in texts(got), texts(got)
        got = await bot._roundtrip(
            WORKER, lambda: server.user_sends_photo(WORKER, BIG, declared_size=None)
        )
        assert LIMIT in texts(got)
        assert kept_files(settings) == []  # not even a partial file
        assert await attachments(bot.app.db) == 0
        # the bot hung up after about 1 MB of each; what the server got written before it saw
        # that is what the sockets' buffers took, far from the 3 x 50 MB offered
        assert server.streamed_bytes < 3 * 10 * 1024 * 1024
        small = b"%PDF-1.4 a real contract"
        got = await bot._roundtrip(
            WORKER,
            lambda: server.user_sends_document(
                WORKER, small, "ok.pdf", "application/pdf", declared_size=None
            ),
        )
        assert "1 file so far" in texts(got)
        (kept,) = kept_files(settings)
        assert kept.read_bytes() == small and await attachments(bot.app.db) == 1


async def test_telegram_declared_size_over_the_limit_is_not_downloaded(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.storage.max_attachment_mb = 1
    async with running_bot(settings, server) as bot:
        await to_evidence_on_telegram(bot)
        got = await bot.send_document(WORKER, BIG, "contract.pdf", "application/pdf")
        assert LIMIT in texts(got)
        assert not server.calls_to("getFile")  # the stated size was enough to refuse
    assert kept_files(settings) == []


async def test_wechat_media_without_a_length_stops_at_the_limit(settings: Settings) -> None:
    settings.storage.max_attachment_mb = 1
    async with FakeWeChatApi() as api:
        wechat_settings(settings, api)
        api.stream_media = True
        api.media["BIG"] = (BIG, "image/jpeg")
        api.media["SMALL"] = (b"\xff\xd8\xff small pay slip", "image/jpeg")
        async with running_wechat_bot(settings, api) as (app, side):
            user = WeChatUser(side, "o_size_1")
            await to_evidence_on_wechat(user)
            got = await user.post(media_xml(user.openid, "image", "BIG"))
            assert LIMIT in got, got
            assert kept_files(settings) == [] and await attachments(app.db) == 0
            got = await user.post(media_xml(user.openid, "image", "SMALL"))
            assert "1 file so far" in got
            assert len(kept_files(settings)) == 1


async def to_evidence_on_wechat(user: WeChatUser) -> None:
    await user.send("/lang en")
    await user.send("/start")
    for label in (
        "File a dispute",
        "I am the worker (employee)",
        "No, neither",
        "A company, factory, shop or other enterprise",
        "Unpaid or underpaid wages or overtime pay",
        "No",
        "示例街道",
        "No, I have left",
    ):
        await user.choose(label)
    await user.send("2026-10-01")
    for label in ("Just me", "File my case now", "I agree"):
        await user.choose(label)
    for answer in ("张测试", "139 1234 5678", ID_NUMBER, "示例制造有限公司", "示例区示例路1号"):
        await user.send(answer)
    await user.choose("Skip")
    await user.choose("Skip")
    await user.choose("Done")
    for answer in ("支付拖欠的工资", "1.25万", "2024-03", "2026-09-30", "老板不发工资。"):
        await user.send(answer)
