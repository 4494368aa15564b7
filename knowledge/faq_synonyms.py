"""The synonym table (``faq/synonyms.toml``): colloquial and English terms -> legal terms.

Both questions and knowledge-base phrasings are read through it, so 老板欠薪, 拖欠工资 and
"my boss hasn't paid me" all meet on the same concept. Matching is longest term first on
folded text (see :func:`knowledge.faq_text.fold`); an ASCII term must be a whole word.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.faq_text import fold, is_ascii_alnum

SYNONYMS_PATH = Path(__file__).with_name("faq") / "synonyms.toml"


@dataclass(frozen=True)
class SynonymGroup:
    canonical: str
    terms: tuple[str, ...]
    en: tuple[str, ...]


class Synonyms:
    """Longest-match recognition of colloquial/English terms as canonical legal terms."""

    def __init__(self, groups: Sequence[SynonymGroup]) -> None:
        self.groups = tuple(groups)
        self.problems: list[str] = []
        self._map: dict[str, str] = {}
        for group in self.groups:
            for term in (group.canonical, *group.terms, *group.en):
                key = fold(term).strip()
                if len(key) < 2 and not key.isascii():  # a lone letter (N) is matched as a word
                    self.problems.append(f"synonyms.toml: term {term!r} is too short")
                    continue
                known = self._map.get(key)
                if known is not None and known != group.canonical:
                    if term != group.canonical:
                        self.problems.append(
                            f"synonyms.toml: {term!r} is in two groups "
                            f"({known} / {group.canonical})"
                        )
                    continue
                self._map[key] = group.canonical
        # first character -> candidate lengths, longest first
        lengths: dict[str, set[int]] = {}
        for key in self._map:
            lengths.setdefault(key[0], set()).add(len(key))
        self._lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}

    @classmethod
    def load(cls, path: Path = SYNONYMS_PATH) -> Synonyms:
        """Read ``synonyms.toml``; a missing or broken file gives no synonyms and a problem."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            syn = cls([])
            syn.problems.append(f"{path.name}: {exc}")
            return syn
        groups: list[SynonymGroup] = []
        problems: list[str] = []
        for i, raw in enumerate(data.get("group", []), start=1):
            canonical = raw.get("canonical", "") if isinstance(raw, dict) else ""
            if not isinstance(canonical, str) or not canonical.strip():
                problems.append(f"{path.name}: group {i} has no canonical term")
                continue
            terms = tuple(str(t) for t in raw.get("terms", []))
            english = tuple(str(t) for t in raw.get("en", []))
            groups.append(SynonymGroup(canonical.strip(), terms, english))
        syn = cls(groups)
        syn.problems[:0] = problems
        return syn

    def terms(self) -> list[str]:
        """Every (folded) term the table recognises."""
        return list(self._map)

    def segments(self, text: str) -> list[tuple[str, str | None]]:
        """Split folded text into plain runs ``(text, None)`` and hits ``(term, canonical)``.

        Longest match first at each position; an ASCII term must stand as a whole word.
        """
        out: list[tuple[str, str | None]] = []
        plain_from = i = 0
        n = len(text)
        while i < n:
            hit = self._match(text, i)
            if hit is None:
                i += 1
                continue
            size, canonical = hit
            if plain_from < i:
                out.append((text[plain_from:i], None))
            out.append((text[i : i + size], canonical))
            i = plain_from = i + size
        if plain_from < n:
            out.append((text[plain_from:], None))
        return out

    def _match(self, text: str, i: int) -> tuple[int, str] | None:
        for size in self._lengths.get(text[i], ()):
            end = i + size
            canonical = self._map.get(text[i:end]) if end <= len(text) else None
            if canonical is None:
                continue
            if is_ascii_alnum(text[i]) and i > 0 and is_ascii_alnum(text[i - 1]):
                continue
            if is_ascii_alnum(text[end - 1]) and end < len(text) and is_ascii_alnum(text[end]):
                continue
            return size, canonical
        return None
