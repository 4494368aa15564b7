"""Telegram ⇄ neutral messages: pure translation, no decisions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.channels.text_parts import split_lines
from bot.files import TooLarge
from handlers.conversation.messages import Attachment, AttachmentRefused, Inbound, Reply

TEXT_LIMIT = 4096
# Callback data may hold at most 64 bytes.
CALLBACK_LIMIT = 64

Download = Callable[[str, str, str, str], Awaitable[Attachment]]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.payload[:CALLBACK_LIMIT]) for b in row]
            for row in reply.buttons
        ]
    )


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split long text on line breaks so every part fits one Telegram message."""
    return split_lines(text, limit)


async def to_inbound(update: Update, download: Download, max_bytes: int) -> Inbound | None:
    """Build the neutral message; files within the size limit are downloaded first."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    base: dict[str, Any] = dict(
        channel="telegram",
        update_key=str(update.update_id),
        sender_id=str(user.id),
        chat_id=str(chat.id),
        chat_kind="private" if chat.type == "private" else "group",
        username=user.username,
        locale_hint=user.language_code,
        bot_name=_own_username(update),
    )
    if update.callback_query is not None:
        return Inbound(**base, button=update.callback_query.data or "")
    # Edits of earlier messages are ignored: they would be taken as the answer to whatever
    # question is current, which is rarely what the person meant.
    message = update.message
    if message is None:
        return None
    attachments, refused = await _files(message, download, max_bytes)
    text = message.text or message.caption or ""
    entry = None
    if text.startswith("/start ") and chat.type == "private":
        entry = text[7:].strip()[:100] or None
    replied = message.reply_to_message
    return Inbound(
        **base,
        reply_to_text=(replied.text or replied.caption) if replied else None,
        text=text,
        attachments=tuple(attachments),
        refused=tuple(refused),
        entry_source=entry,
    )


def _own_username(update: Update) -> str | None:
    """The bot's username (known after getMe), so '/cmd@other_bot' can be told apart."""
    try:
        return update.get_bot().username
    except RuntimeError:  # no bot attached, or not initialized
        return None


async def _files(
    message: Message, download: Download, max_bytes: int
) -> tuple[list[Attachment], list[AttachmentRefused]]:
    attachments: list[Attachment] = []
    refused: list[AttachmentRefused] = []
    candidates: list[tuple[str, str, int, str, str]] = []  # kind, file_id, size, name, mime
    if message.photo:
        best = message.photo[-1]
        candidates.append(("photo", best.file_id, best.file_size or 0, "", "image/jpeg"))
    if message.document:
        d = message.document
        candidates.append(
            ("document", d.file_id, d.file_size or 0, d.file_name or "", d.mime_type or "")
        )
    for kind, media in (
        ("voice", message.voice),
        ("video", message.video),
        ("video", message.video_note),
        ("voice", message.audio),
    ):
        if media is not None:
            refused.append(AttachmentRefused(kind, "unsupported", media.file_size or 0))
    for kind, file_id, size, name, mime in candidates:
        if size > max_bytes:
            refused.append(AttachmentRefused(kind, "too_large", size, name))
            continue
        try:
            attachments.append(await download(file_id, kind, name, mime))
        except TooLarge as exc:  # the bytes, not the declared size, were over the limit
            refused.append(AttachmentRefused(kind, "too_large", exc.size, name))
        except Exception:
            refused.append(AttachmentRefused(kind, "failed", size, name))
    return attachments, refused
