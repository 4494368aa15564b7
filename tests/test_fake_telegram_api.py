"""Self-test of the fake Telegram Bot API, driven by a real python-telegram-bot Application."""

from __future__ import annotations

import datetime as dtm
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.telegram_api import FakeTelegramServer

TOKEN = "123:ABC"
USER = 4242


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("是", callback_data="yes"),
                InlineKeyboardButton("否", callback_data="no"),
            ]
        ]
    )
    assert update.effective_message is not None
    await update.effective_message.reply_text("欢迎使用调解中心", reply_markup=keyboard)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def _button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("已收到")
    await query.edit_message_text(f"你选择了 {query.data}")


async def _attachment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    if message.document is not None:
        tg_file = await message.document.get_file()
        data = bytes(await tg_file.download_as_bytearray())
    else:
        tg_file = await message.photo[-1].get_file()
        target = Path(context.bot_data["download_dir"]) / "photo.jpg"
        await tg_file.download_to_drive(target)
        data = target.read_bytes()
    await message.reply_text(f"sha256={hashlib.sha256(data).hexdigest()} size={len(data)}")


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("errors", []).append(context.error)


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as srv:
        yield srv


@pytest.fixture
async def app(server: FakeTelegramServer, tmp_path: Path) -> AsyncIterator[Application]:
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(CallbackQueryHandler(_button))
    application.add_handler(MessageHandler(filters.PHOTO | filters.Document.ALL, _attachment))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    application.add_error_handler(_on_error)
    application.bot_data["download_dir"] = str(tmp_path)

    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def test_start_reply_and_echo(server: FakeTelegramServer, app: Application) -> None:
    server.user_sends(USER, "/start")
    [welcome] = await server.wait_for_messages(USER, 1)
    assert welcome["text"] == "欢迎使用调解中心"
    assert welcome["method"] == "sendMessage"
    assert welcome["chat"] == {"id": USER, "type": "private", "first_name": "测试"}
    assert welcome["from"]["is_bot"] is True
    assert server.button_labels(welcome) == ["是", "否"]
    assert server.button_data(welcome) == ["yes", "no"]

    server.user_sends(USER, "我被拖欠工资三个月")
    messages = await server.wait_for_messages(USER, 2)
    assert messages[-1]["text"] == "echo: 我被拖欠工资三个月"
    assert server.last_message(USER) == messages[-1]
    # message ids are shared by both sides of the chat: 1 /start, 2 reply, 3 text, 4 echo
    assert [m["message_id"] for m in messages] == [2, 4]
    # PTB sends plain form bodies, JSON-encoding non-string values one by one
    send = server.calls_to("sendMessage")[0]
    assert send.content_type == "application/x-www-form-urlencoded"
    assert send.params["chat_id"] == USER
    assert send.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"


async def test_button_press_answers_and_edits(server: FakeTelegramServer, app: Application) -> None:
    server.user_sends(USER, "/start")
    [welcome] = await server.wait_for_messages(USER, 1)

    update = server.user_presses(USER, welcome, "no")
    await server.wait_for(lambda: server.last_message(USER).get("edit_date") is not None)

    edited = server.last_message(USER)
    assert edited["message_id"] == welcome["message_id"]
    assert edited["text"] == "你选择了 no"
    # editMessageText without reply_markup drops the inline keyboard, as on Telegram
    assert server.button_data(edited) == []
    assert len(server.sent_messages(USER)) == 1
    [answer] = server.answered_callbacks
    assert answer["callback_query_id"] == update["callback_query"]["id"]
    assert answer["text"] == "已收到"
    assert answer["callback_data"] == "no"

    # the button is gone now, so a strict press is rejected
    with pytest.raises(ValueError, match="no button"):
        server.user_presses(USER, edited, "yes")


async def test_user_document_and_photo_download(
    server: FakeTelegramServer, app: Application
) -> None:
    pdf = b"%PDF-1.4 fake contract \x00\xff" * 100
    server.user_sends_document(USER, pdf, "劳动合同.pdf", "application/pdf")
    [reply] = await server.wait_for_messages(USER, 1)
    assert reply["text"] == f"sha256={hashlib.sha256(pdf).hexdigest()} size={len(pdf)}"

    jpeg = b"\xff\xd8\xff\xe0 fake jpeg" * 50
    update = server.user_sends_photo(USER, jpeg, caption="工资条")
    messages = await server.wait_for_messages(USER, 2)
    assert messages[-1]["text"] == f"sha256={hashlib.sha256(jpeg).hexdigest()} size={len(jpeg)}"
    assert update["message"]["photo"][-1]["file_size"] == len(jpeg)

    get_files = server.calls_to("getFile")
    assert [c.params["file_id"] for c in get_files][-1] == update["message"]["photo"][-1]["file_id"]


async def test_bot_uploads_document_and_photo(server: FakeTelegramServer, app: Application) -> None:
    content = "调解申请书".encode()
    message = await app.bot.send_document(
        USER, document=content, filename="申请书.txt", caption="请查收"
    )
    assert message.document is not None
    assert message.document.file_name == "申请书.txt"
    assert server.file_content(message.document.file_id) == content
    photo_msg = await app.bot.send_photo(USER, photo=b"\x89PNG fake", caption="示意图")
    assert photo_msg.photo[-1].file_size == len(b"\x89PNG fake")

    sent = server.sent_messages(USER)
    assert [m["method"] for m in sent] == ["sendDocument", "sendPhoto"]
    assert [m["caption"] for m in sent] == ["请查收", "示意图"]
    upload = server.calls_to("sendDocument")[0]
    assert upload.content_type == "multipart/form-data"
    assert upload.files["document"].filename == "申请书.txt"
    assert upload.params["chat_id"] == USER

    # the bot can download what it uploaded
    tg_file = await app.bot.get_file(message.document.file_id)
    assert tg_file.file_path is not None
    assert tg_file.file_path.startswith(f"{server.base_file_url}{TOKEN}/documents/")
    assert bytes(await tg_file.download_as_bytearray()) == content


async def test_duplicate_update_ids(server: FakeTelegramServer, app: Application) -> None:
    # Both copies are pending when the long poll wakes up, so both are delivered and PTB
    # (which does not de-duplicate) handles the update twice.
    update = server.user_sends(USER, "重复")
    server.queue_update(update)
    messages = await server.wait_for_messages(USER, 2)
    assert [m["text"] for m in messages] == ["echo: 重复", "echo: 重复"]
    assert [update["update_id"]] * 2 in server.deliveries

    # Once PTB confirmed it (offset = id + 1), a re-queued copy is discarded, like Telegram
    # would never resend a confirmed update.
    await server.wait_for(lambda: server.pending_updates == [])
    await server.wait_for(
        lambda: any(c.params.get("offset") == update["update_id"] + 1 for c in server.calls)
    )
    server.queue_update(update)
    assert server.dropped_updates == [update]
    server.user_sends(USER, "之后")
    messages = await server.wait_for_messages(USER, 3)
    assert [m["text"] for m in messages][-1] == "echo: 之后"
    assert len(messages) == 3


async def test_injected_failures_surface_as_ptb_errors(
    server: FakeTelegramServer, app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PTB_TIMEDELTA, building RetryAfter emits a PTBDeprecationWarning (an error here).
    monkeypatch.setenv("PTB_TIMEDELTA", "true")

    server.fail_next("sendMessage", status=500)
    with pytest.raises(NetworkError, match="injected failure"):
        await app.bot.send_message(USER, "a")

    server.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as excinfo:
        await app.bot.send_message(USER, "b")
    assert excinfo.value.retry_after == dtm.timedelta(seconds=3)

    server.fail_next("sendMessage", status=403)
    with pytest.raises(Forbidden, match="blocked"):
        await app.bot.send_message(USER, "c")

    server.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    with pytest.raises(BadRequest, match="Chat not found"):
        await app.bot.send_message(USER, "d")

    # a failure while a handler replies reaches the application's error handler
    server.fail_next("sendMessage", times=1, status=502)
    server.user_sends(USER, "会失败")
    await server.wait_for(lambda: bool(app.bot_data.get("errors")))
    assert isinstance(app.bot_data["errors"][0], NetworkError)

    # afterwards sending works again, and only the successful message is recorded
    await app.bot.send_message(USER, "ok")
    assert [m["text"] for m in server.sent_messages(USER)] == ["ok"]
    assert [c.status for c in server.calls if c.method == "sendMessage"] == [
        500,
        429,
        403,
        400,
        502,
        200,
    ]


async def test_realistic_api_errors(server: FakeTelegramServer, app: Application) -> None:
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await app.bot.send_message(
            USER,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("长", callback_data="x" * 65)]]
            ),
        )
    with pytest.raises(BadRequest, match="too long"):
        await app.bot.send_message(USER, "字" * 4097)
    msg = await app.bot.send_message(USER, "same")
    with pytest.raises(BadRequest, match="not modified"):
        await msg.edit_text("same")
    with pytest.raises(BadRequest, match="query id is invalid"):
        await app.bot.answer_callback_query("999")
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await app.bot.get_file("nope")

    # reply keyboards are not echoed in the Message, but kept for assertions
    await app.bot.send_message(USER, "选择", reply_markup=ReplyKeyboardMarkup([["咨询", "投诉"]]))
    last = server.last_message(USER)
    assert "reply_markup" not in last
    assert server.button_labels(last) == ["咨询", "投诉"]


async def test_group_chat(server: FakeTelegramServer, app: Application) -> None:
    group = -1001234567890
    server.user_sends(USER, "/start@fake_mediation_bot", chat_id=group, chat_type="supergroup")
    [reply] = await server.wait_for_messages(group, 1)
    assert reply["chat"]["type"] == "supergroup"
    assert server.sent_messages(USER) == []
    with pytest.raises(ValueError, match="negative"):
        server.user_sends(USER, "hi", chat_type="group")


async def test_lifecycle_calls(server: FakeTelegramServer) -> None:
    application = ApplicationBuilder().token(TOKEN).base_url(server.base_url).build()
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    await server.wait_for(lambda: any(c.method == "getUpdates" for c in server.calls))
    await application.updater.stop()
    await application.stop()
    await application.shutdown()

    methods = [c.method for c in server.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]
    assert set(methods[2:]) == {"getUpdates"}
    # the final getUpdates only confirms (timeout 0), it does not long-poll
    assert server.calls[-1].params["timeout"] == 0
    assert server.tokens == [TOKEN]


async def test_webhook_commands_and_json_bodies(server: FakeTelegramServer) -> None:
    async with Bot(TOKEN, base_url=server.base_url) as bot:
        assert (await bot.get_me()).username == "fake_mediation_bot"
        await bot.set_webhook("https://example.org/hook", secret_token="s3cret")
        assert server.webhook["url"] == "https://example.org/hook"
        assert server.webhook["secret_token"] == "s3cret"
        assert (await bot.get_webhook_info()).url == "https://example.org/hook"
        with pytest.raises(Conflict):
            await bot.get_updates()
        await bot.delete_webhook()
        assert server.webhook == {"url": ""}

        await bot.set_my_commands([("start", "开始"), ("help", "帮助")], language_code="zh")
        assert [c["command"] for c in server.commands_for(language_code="zh")] == ["start", "help"]
        assert [c.command for c in await bot.get_my_commands(language_code="zh")] == [
            "start",
            "help",
        ]
        await bot.delete_my_commands(language_code="zh")
        assert server.commands_for(language_code="zh") == []
        await bot.send_chat_action(USER, "typing")
        assert await bot.do_api_request("someFutureMethod", api_kwargs={"x": 1}) is True
        assert server.calls[-1].method == "someFutureMethod"
        assert server.calls[-1].params == {"x": 1}

    # JSON bodies (used by other clients) are accepted too
    async with aiohttp.ClientSession() as session:
        url = f"{server.base_url}{TOKEN}/sendMessage"
        async with session.post(url, json={"chat_id": USER, "text": "123"}) as response:
            body = await response.json()
    assert body["ok"] is True
    assert body["result"]["text"] == "123"
    assert server.calls[-1].content_type == "application/json"
