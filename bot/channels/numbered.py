"""Buttons as numbered choices, for chats that only carry text (WeChat, WeCom).

Replies are rendered as text with "1. 是 / 2. 否" lines, numbered in the order of
`handlers.conversation.choices.shown`; the core keeps those choices in the database
(storage.choices), so that the answer "2" presses the second button, even after a restart or
on another instance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from zoneinfo import ZoneInfo

from handlers.conversation.choices import resolve, shown
from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Reply
from storage.choices import save_choices
from storage.db import Database

__all__ = ["HINT", "guess_locale", "remember_pushed", "render", "resolve", "texts_for"]

HINT = _("Reply with the number of your choice.")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")

Choice = list[str]  # [label, payload]


def guess_locale(replies: Sequence[Reply]) -> str:
    """The language the replies are written in (a channel does not know the person)."""
    text = " ".join(r.text for r in replies)
    # English replies quote Chinese names (the center, a street): count, don't just look
    cjk, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    return "en" if latin > 3 * cjk else "zh_CN"


@cache
def _translator(locale: str) -> Translator:
    return Translator(locale, ZoneInfo("UTC"))  # texts only: no dates are formatted with it


def texts_for(replies: Sequence[Reply]) -> Translator:
    """A translator for notes a channel adds to these replies, in the replies' language."""
    return _translator(guess_locale(replies))


def render(replies: Sequence[Reply], *, start: int = 1) -> tuple[list[str], list[Choice]]:
    """One text per reply, buttons numbered across all of them; and the [label, payload]s."""
    texts: list[str] = []
    choices: list[Choice] = []
    for reply in replies:
        lines = [reply.text] if reply.text else []
        for button in reply.flat_buttons:
            choices.append([button.label, button.payload])
            lines.append(f"{len(choices) + start - 1}. {button.label}")
        if lines:
            texts.append("\n".join(lines))
    if choices:
        hint = texts_for(replies)(HINT)
        texts[-1] = f"{texts[-1]}\n\n{hint}"
    return texts, choices


async def remember_pushed(
    db: Database, channel: str, chat_id: str, replies: Sequence[Reply]
) -> None:
    """A push with buttons: its numbers answer it from now on (one without leaves the old).

    Answers to the person's own messages are remembered by the core (Inbound.text_only)."""
    choices = shown(replies)
    if choices:
        async with db.session() as session:
            await save_choices(session, channel, chat_id, choices)
