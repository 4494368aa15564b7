"""The yardstick stays honest: no held-out question is a text the bot already has, and no text
only the domain model learns from is a question it is measured on (bench/faq_eval)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

from knowledge.faq_text import fold

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "bench" / "faq_eval"
KNOWLEDGE = ROOT / "knowledge"
MODEL_WORDS = KNOWLEDGE / "faq" / "model_words"
_NOT_WORD = re.compile(r"[\W_]+")


def same(text: str) -> str:
    """A text as the sets are compared: folded as the search folds it, spaces and punctuation
    left out."""
    return _NOT_WORD.sub("", fold(text).lower())


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def texts_in(paths: Iterator[Path]) -> dict[str, str]:
    """Every string of these TOML files (folded) -> the file it is in."""
    out: dict[str, str] = {}
    for path in paths:
        for text in strings(tomllib.loads(path.read_text(encoding="utf-8"))):
            out.setdefault(same(text), str(path.relative_to(ROOT)))
    return out


def questions(folder: Path) -> Iterator[tuple[str, str]]:
    """(where, question) of every labelled line of the folder's sets."""
    for path in sorted(folder.glob("*.tsv")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "\t" in line and not line.startswith("#"):
                yield f"{path.relative_to(ROOT)}:{n}", line.split("\t", 1)[1]


def test_no_held_out_question_is_a_text_the_bot_has() -> None:
    known = texts_in(KNOWLEDGE.rglob("*.toml"))
    found = [
        f"{where} is in {known[same(q)]}: {q}"
        for folder in sorted(EVAL.glob("heldout*"))
        for where, q in questions(folder)
        if same(q) in known
    ]
    assert found == [], "take these out of the held-out set, unread, or the text out of the bot"


def test_no_text_only_the_model_learns_is_a_question_it_is_measured_on() -> None:
    model_only = texts_in(MODEL_WORDS.glob("*.toml"))
    found = [
        f"{where} is in {model_only[same(q)]}: {q}"
        for folder in sorted(EVAL.iterdir())
        if folder.is_dir()
        for where, q in questions(folder)
        if same(q) in model_only
    ]
    assert found == [], "never copy evaluation questions into model_words"


def test_the_comparison_sees_through_spaces_punctuation_and_script() -> None:
    assert same("社保卡丢了，怎么补办？") == same("社保卡 丢了怎么补办")
    assert same("社保卡丟了怎麼補辦") == same("社保卡丢了怎么补办")
    assert same("社保卡丢了怎么补办") != same("社保卡丢了去哪补办")
