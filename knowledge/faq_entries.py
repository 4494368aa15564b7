"""FAQ entries as the bot holds them, and reading them from ``knowledge/faq/*.toml`` (with the
phrasings added in ``phrasings/*.toml``); :mod:`knowledge.faq` indexes and searches them."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.faq_files import (
    DEFAULT_FOLDER,
    entry_files,
    load_extra_phrasings,
    load_laws,
    phrasings,
    read_toml,
    texts,
)

log = logging.getLogger(__name__)

Locale = str


@dataclass(frozen=True)
class Citation:
    law: dict[str, str]
    article: str  # 第八十二条
    article_en: str = ""  # Art. 82

    def label(self, locale: Locale) -> str:
        """E.g. "《中华人民共和国劳动合同法》第八十二条" or "Labour Contract Law…, Art. 82"."""
        if locale == "zh_CN" or not self.law.get("en"):
            return f"《{self.law['zh_CN']}》{self.article}"
        return f"{self.law.get(locale, self.law['en'])}, {self.article_en or self.article}"


@dataclass(frozen=True)
class Entry:
    id: str
    title: dict[str, str]
    phrasings: dict[str, tuple[str, ...]]
    answer: dict[str, str]
    more: dict[str, str]
    statutes: tuple[Citation, ...]
    related: tuple[str, ...]
    reviewed: date
    top: bool = False

    def text(self, field: str, locale: Locale) -> str:
        """``title``, ``answer`` or ``more`` in the locale, falling back to zh_CN ("" if none)."""
        values: dict[str, str] = getattr(self, field)
        return values.get(locale) or values.get("zh_CN", "")

    def full_answer(self, locale: Locale) -> str:
        """The short answer followed by the details, if any."""
        parts = (self.text("answer", locale), self.text("more", locale))
        return "\n\n".join(p for p in parts if p)

    def has_english(self) -> bool:
        return bool(self.title.get("en") and self.answer.get("en"))


def parse_entry(raw: dict[str, Any], laws: Mapping[str, dict[str, str]]) -> Entry:
    """One ``[[entry]]`` table -> :class:`Entry`; raises ValueError when unusable."""
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not entry_id:
        raise ValueError("entry without an id")
    title, answer = texts(raw.get("title")), texts(raw.get("answer"))
    if "zh_CN" not in title or "zh_CN" not in answer:
        raise ValueError(f"{entry_id}: title.zh_CN and answer.zh_CN are required")
    reviewed = raw.get("reviewed")
    statutes = []
    for s in raw.get("statutes") or []:
        if isinstance(s, dict) and s.get("law") in laws and s.get("article"):
            statutes.append(
                Citation(laws[s["law"]], str(s["article"]), str(s.get("article_en", "")))
            )
    related = raw.get("related") or []
    return Entry(
        id=entry_id,
        title=title,
        phrasings=phrasings(raw.get("phrasings")),
        answer=answer,
        more=texts(raw.get("more")),
        statutes=tuple(statutes),
        related=tuple(r for r in related if isinstance(r, str) and r != entry_id),
        reviewed=reviewed if isinstance(reviewed, date) else date.min,
        top=bool(raw.get("top", False)),
    )


def load_entries(folder: Path | None = None) -> dict[str, Entry]:
    """Every usable entry in the folder's files, by id (first one wins on duplicates),
    with the phrasings added in ``phrasings/*.toml`` merged in."""
    folder = folder or DEFAULT_FOLDER
    laws = load_laws(folder)
    extra = load_extra_phrasings(folder)
    entries: dict[str, Entry] = {}
    for path in entry_files(folder):
        try:
            data = read_toml(path)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            log.warning("FAQ file %s skipped: %s", path.name, exc)
            continue
        for raw in data.get("entry", []):
            try:
                entry = parse_entry(raw, laws)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                log.warning("FAQ entry in %s skipped: %s", path.name, exc)
                continue
            if entry.id in entries:
                log.warning("FAQ entry %s in %s skipped: duplicate id", entry.id, path.name)
                continue
            entries[entry.id] = _with_extra(entry, extra.get(entry.id, {}))
    return entries


def _with_extra(entry: Entry, extra: Mapping[str, tuple[str, ...]]) -> Entry:
    if not extra:
        return entry
    merged = dict(entry.phrasings)
    for loc, items in extra.items():
        merged[loc] = tuple(dict.fromkeys((*merged.get(loc, ()), *items)))
    return Entry(**{**entry.__dict__, "phrasings": merged})
