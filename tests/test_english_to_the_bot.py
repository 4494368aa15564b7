"""Thirty-sixth pass of issue 18: English messages to the bot itself — small talk, or a
question about what it is and does — get the bot's own reply (the about_bot route), as the
Chinese ones do; before, they had no word the search weighs and got "tell me a little more".
A question about the asker's own matter stays with the search."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kb_asserts import answered, referred
from tests.test_console import run_console


@pytest.mark.parametrize(
    "question",
    [
        "What can you do for me?",
        "Who are you?",
        "Hi, who are you?",
        "hi there",
        "ok thats all, bye bye now",
        "Can you speak Chinese?",
        "You are useless",
    ],
)
def test_an_english_message_to_the_bot_gets_the_bots_reply(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    assert referred(kb, question).id == "about_bot"


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("What can you tell me about overtime pay?", "pay.overtime_rates"),
        ("Can you help me get my unpaid wages?", "help.routes_overview"),
    ],
)
def test_an_english_question_of_the_askers_is_answered(kb, question: str, entry: str) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, question).id == entry


def test_the_console_tells_an_english_speaker_what_the_bot_is(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["/lang en", "what can you do for me?"])
    reply = out.split("Language set to English.")[1]
    assert "consultation bot" in reply and "tell me a little more" not in reply
    assert "This does not look like a labour" not in reply  # plain: the bot's own text
