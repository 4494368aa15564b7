"""Homophone typo repair: 加班废 -> 加班费, 证剧 -> 证据, 赔尝 -> 赔偿.

People type Chinese by pinyin and often pick the wrong character of the same sound.
A stretch of the question that is not a dictionary word, and that jieba could only cut
into stray characters or words it guessed (加班 + 废, 证剧), is replaced by a word of the
knowledge base's vocabulary with exactly the same toneless pinyin. Spans that cut through
a real word are never touched, so 一年加班 does not become 一年假班.
"""

from __future__ import annotations

import itertools
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterable
from functools import lru_cache

_lock = threading.Lock()
_table: dict[int, str] | None = None
SPAN_SIZES = (4, 3, 2)
# A character this frequent as a word on its own (jieba's counts: 去 123,402, 能, 使, 时, 被) is
# what the writer meant, not a stray one: 还能去法院 must not become 还能取法院. The slips
# repaired are rarer characters (废 2,641, 剧, 尝) and the words jieba had to guess.
COMMON_CHAR = 20_000
FUNCTION_CHARS = frozenset(
    "的了是在不和有我你他她它这那个就也都还给被把让对向从为与及或而之其所吗呢吧啊呀么嘛着过地得们些"
)


def _pinyin_table() -> dict[int, str]:
    global _table
    if _table is None:
        with _lock, warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from pypinyin.pinyin_dict import pinyin_dict

            _table = pinyin_dict
    return _table


@lru_cache(maxsize=8192)
def readings(ch: str) -> tuple[str, ...]:
    """Toneless pinyin readings of one character (``()`` for non-Chinese)."""
    raw = _pinyin_table().get(ord(ch))
    if not raw:
        return ()
    out = []
    for reading in raw.split(","):
        plain = "".join(
            c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c)
        )
        out.append(plain.replace("ü", "v"))
    return tuple(dict.fromkeys(out))


def key(text: str) -> str:
    """Toneless pinyin of a short text, each character read its usual way ("" if not Chinese).

    Only the first (usual) reading counts: rarer readings (给 ji, 还 fu) match too much.
    """
    first = [r[0] if (r := readings(ch)) else "" for ch in text]
    return " ".join(first) if all(first) else ""


class Homophones:
    """Known words by sound; :meth:`repair` fixes homophone slips in a question."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        frequency: Callable[[str], int],  # in the dictionary's counts; 0: not a word
        cut: Callable[[str], list[str]],
    ) -> None:
        words = {w for w in vocabulary if len(w) >= 2 and _all_cjk(w)}
        self.known = {w for w in words if len(w) <= max(SPAN_SIZES)}
        # Known words and synonym terms longer than a repair span (唔使再返工): kept whole.
        self.long_known = {w for w in words if len(w) > max(SPAN_SIZES)}
        self.long_sizes = sorted({len(w) for w in self.long_known}, reverse=True)
        # Repair only towards content words: 十个 or 签了 would "repair" 是个 and 欠了.
        targets = {w for w in self.known if not FUNCTION_CHARS.intersection(w)}
        self._cut = cut
        self._frequency = frequency
        by_sound: dict[str, str] = {}
        for word in sorted(targets):
            by_sound.setdefault(key(word), word)
        self.by_sound = by_sound

    def repair(self, text: str) -> str:
        """The text with homophone slips replaced by known words."""
        if not self.by_sound:
            return text
        out: list[str] = []
        pos = 0
        for token_run in _cjk_runs(text):
            start, run = token_run
            out.append(text[pos:start])
            out.append(self._repair_run(run))
            pos = start + len(run)
        out.append(text[pos:])
        return "".join(out)

    def _is_word(self, text: str) -> bool:
        return self._frequency(text) > 0

    def _could_repair(self, run: str) -> bool:
        """Whether some span of the run sounds like a known word without being a word itself:
        most questions have none, and then the run need not be segmented for repair."""
        sounds = [r[0] if (r := readings(ch)) else "" for ch in run]
        for size in SPAN_SIZES:
            for i in range(len(run) - size + 1):
                parts = sounds[i : i + size]
                if not all(parts) or " ".join(parts) not in self.by_sound:
                    continue
                span = run[i : i + size]
                if span not in self.known and not self._is_word(span):
                    return True
        return False

    def _repair_run(self, run: str) -> str:
        if not self._could_repair(run):
            return run
        tokens = self._cut(run)
        bounds = set(itertools.accumulate(len(t) for t in tokens)) | {0}
        weak: set[int] = set()  # stray characters, and words jieba guessed (not in its dictionary)
        at = 0
        for t in tokens:
            stray = len(t) == 1 and self._frequency(t) < COMMON_CHAR
            if stray or not self._is_word(t):
                weak.update(range(at, at + len(t)))
                bounds.update(range(at, at + len(t)))  # a guessed word may be cut anywhere
            at += len(t)
        out: list[str] = []
        i = 0
        while i < len(run):
            fixed = self._fix_at(run, i, bounds, weak)
            if fixed:
                out.append(fixed[1])
                i += fixed[0]
            else:
                out.append(run[i])
                i += 1
        return "".join(out)

    def _fix_at(self, run: str, i: int, bounds: set[int], weak: set[int]) -> tuple[int, str] | None:
        if i not in bounds:
            return None
        for size in self.long_sizes:
            if run[i : i + size] in self.long_known:
                return size, run[i : i + size]
        for size in SPAN_SIZES:
            span = run[i : i + size]
            if len(span) < size or i + size not in bounds:
                continue
            if span in self.known or self._is_word(span):
                # a word starting here is kept whole: 唔使返工 (a synonym term) must not
                # lose 唔使 to 无事 because the shorter span is a stray pair
                return size, span
            if not any(i <= w < i + size for w in weak):
                continue
            word = self.by_sound.get(key(span))
            if word:
                return size, word
        return None


def _all_cjk(text: str) -> bool:
    return all("\u3400" <= ch <= "\u9fff" for ch in text)


def _cjk_runs(text: str) -> list[tuple[int, str]]:
    runs: list[tuple[int, str]] = []
    start = None
    for i, ch in enumerate(text + " "):
        if "\u3400" <= ch <= "\u9fff":
            if start is None:
                start = i
        elif start is not None:
            runs.append((start, text[start:i]))
            start = None
    return runs
