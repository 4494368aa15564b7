"""Messages that ask how "it" is going and name nothing else: 上次说的那个怎么样了, 我的事情办
得怎么样了, 怎么还没消息, any news on my case?

Such a message says too little for the search (the words that are left, 上次, 那个, 样, match
anything a little): it had answered 上回讲的那个咋样了 with the hearing entry (0.88) and sent
怎么还没消息 to the private-loans route. The asker is asking after their own matter, so the entry
that tells how to follow a case (``/status``, or a person) answers it. A message is one when,
on the text as typed (script and case folded), it is at most ``max_chars`` long, holds one of
``asks`` (how it is going) and nothing but ``asks`` and ``fillers`` (which matter, and the
small words around it): 仲裁有结果了吗 names the arbitration and is left to the search. English
is read word by word: one of ``asks_en`` (a phrase) and only ``fillers_en`` besides. The
``[follow_up]`` table of ``referrals.toml`` holds the words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from knowledge.faq_text import surface
from knowledge.table_checks import names_one, unknown_keys, whole_number, word_lists

KEYS = frozenset({"entry", "asks", "fillers", "max_chars", "asks_en", "fillers_en"})
_NOT_TEXT = re.compile(r"[\W_]+")
_ENGLISH_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class FollowUp:
    entry: str  # the entry that answers such messages
    asks: tuple[str, ...]  # how it is going: 怎么样了, 有结果, 没消息
    fillers: tuple[str, ...]  # which matter, and small words: 上次, 那个, 我的事情, 呢
    max_chars: int
    asks_en: tuple[str, ...] = ()  # any news, any update
    fillers_en: tuple[str, ...] = ()  # on, my, case

    def matches(self, question: str) -> bool:
        """Whether ``question`` only asks how the asker's matter is going."""
        typed = surface(question)
        text = _NOT_TEXT.sub("", typed)
        if not text:
            return False
        if text.isascii():
            return self._matches_english(typed)
        if len(text) > self.max_chars or not any(a in text for a in self.asks):
            return False
        for word in (*self.asks, *self.fillers):  # each list longest first
            text = text.replace(word, "")
        return not text

    @cached_property
    def _asks_en_patterns(self) -> tuple[re.Pattern[str], ...]:
        """``asks_en`` as whole-word patterns, compiled once (longest first, as listed)."""
        return tuple(re.compile(rf"\b{re.escape(phrase)}\b") for phrase in self.asks_en)

    def _matches_english(self, typed: str) -> bool:
        words = " ".join(_ENGLISH_WORD.findall(typed))
        patterns = self._asks_en_patterns
        if not words or not any(p.search(words) for p in patterns):
            return False
        for pattern in patterns:
            words = pattern.sub(" ", words)
        return all(w in self.fillers_en for w in words.split())


def parse_follow_up(raw: Any) -> FollowUp | None:
    """The table, or None when it is missing or unusable (:func:`follow_up_problems` says why)."""
    if not isinstance(raw, Mapping) or follow_up_problems(raw):
        return None

    def words(key: str) -> tuple[str, ...]:  # longest first, as matches() takes them out
        return tuple(sorted({surface(w) for w in raw.get(key, ())}, key=len, reverse=True))

    return FollowUp(
        raw["entry"],
        words("asks"),
        words("fillers"),
        raw["max_chars"],
        words("asks_en"),
        words("fillers_en"),
    )


def follow_up_problems(
    raw: Any, entry_ids: frozenset[str] | None = None, name: str = "referrals.toml"
) -> list[str]:
    """What is wrong with the ``[follow_up]`` table, one readable line each."""
    where = f"{name}: [follow_up]"
    if not isinstance(raw, Mapping):
        return [f"{where} should be a table (entry, asks, fillers, max_chars)"]
    return [
        *unknown_keys(raw, KEYS, where),
        *names_one(
            raw,
            "entry",
            entry_ids,
            where,
            kind="an entry",
            like="process.follow_case_status",
            of_any="entry",
        ),
        *word_lists(
            raw, ("asks", "fillers", "asks_en", "fillers_en"), "asks", where, like='["怎么样了"]'
        ),
        *whole_number(raw, "max_chars", where, minimum=2, unit="characters", like=20),
    ]
