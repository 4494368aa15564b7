"""Checks that keep the FAQ law right over time (`kb check`; see knowledge/faq/REVIEW.md).

- an entry whose ``reviewed`` date is older than the allowed age (default 18 months) must be
  checked again against the official text;
- an entry may not cite a law that ``laws.toml`` marks ``repealed`` or ``superseded``, nor an
  article listed in the law's ``repealed_articles``;
- an answer may not state an article number ("第39条", "第三十九条", "Art. 39", "Arts. 38 and 46")
  that its ``statutes`` do not list.

The article check compares numbers only (not which law they belong to): it catches an article
quoted in the text but never cited, which is what a reviewer would otherwise miss.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

STATUSES = ("in_force", "amended", "repealed", "superseded")
NOT_CITABLE = ("repealed", "superseded")
LAW_METADATA = frozenset({"status", "in_force_from", "superseded_by", "repealed_articles", "note"})
DEFAULT_MAX_AGE_MONTHS = 18
CHECKED_TEXTS = ("answer", "more")

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMBER = r"[0-9]+|[零〇一二两三四五六七八九十百千]+"
_ZH_ARTICLE = re.compile(rf"第({_NUMBER})条")
_EN_ARTICLES = re.compile(
    r"\bArt(?:icle)?s?\.?\s+(\d+(?:-\d+)?(?:\s*(?:,|and|&|–|—|to)\s*\d+(?:-\d+)?)*)"
)


def chinese_number(text: str) -> int | None:
    """ "三十九" -> 39, "一百零六" -> 106, "39" -> 39; None for anything else."""
    if text.isdecimal():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            total += (digit or 1) * _UNITS[ch]
            digit = 0
        else:
            return None
    return total + digit


def article_number(article: str) -> int | None:
    """The article a citation names: "第三十二条第二款" -> 32; "第二部分" -> None."""
    m = _ZH_ARTICLE.match(article.strip())
    return chinese_number(m.group(1)) if m else None


def stated_articles(text: str) -> set[int]:
    """Every article number a text states, in Chinese or English."""
    found = {n for m in _ZH_ARTICLE.finditer(text) if (n := chinese_number(m.group(1)))}
    for m in _EN_ARTICLES.finditer(text):
        parts = re.split(r"\s*(,|and|&|–|—|to)\s*", m.group(1))
        numbers = [int(p.split("-")[0]) for p in parts[::2]]
        found.update(numbers)
        for i, sep in enumerate(parts[1::2]):  # "35–37": the articles in between too
            if sep in ("–", "—", "to"):
                found.update(range(numbers[i], numbers[i + 1] + 1))
    return found


@dataclass(frozen=True)
class LawStatus:
    status: str
    in_force_from: date | None
    superseded_by: str | None
    repealed_articles: tuple[str, ...]


def law_statuses(raw_laws: Mapping[str, Any]) -> tuple[dict[str, LawStatus], list[str]]:
    """The status of each law in laws.toml, and the problems of the table itself."""
    out: dict[str, LawStatus] = {}
    problems: list[str] = []
    for key, raw in raw_laws.items():
        where = f"laws.toml: {key}"
        status = raw.get("status")
        if status not in STATUSES:
            problems.append(f"{where}: status should be one of {', '.join(STATUSES)}")
            continue
        since = raw.get("in_force_from")
        if since is not None and not isinstance(since, date):
            problems.append(f"{where}: in_force_from is not a date: {since!r}")
            since = None
        successor = raw.get("superseded_by")
        if status == "superseded" and successor not in raw_laws:
            problems.append(f"{where}: superseded_by should name the law key that replaced it")
        repealed = raw.get("repealed_articles", [])
        if not isinstance(repealed, list) or not all(isinstance(a, str) for a in repealed):
            problems.append(f"{where}: repealed_articles should be a list of articles")
            repealed = []
        out[key] = LawStatus(status, since, successor, tuple(repealed))
    return out, problems


def months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def review_problems(
    raw: Mapping[str, Any],
    statuses: Mapping[str, LawStatus],
    *,
    today: date,
    max_age_months: int = DEFAULT_MAX_AGE_MONTHS,
) -> list[str]:
    """The three review rules for one entry."""
    out: list[str] = []
    reviewed = raw.get("reviewed")
    oldest = months_before(today, max_age_months)
    if isinstance(reviewed, date) and reviewed < oldest:
        out.append(
            f"reviewed {reviewed.isoformat()} is more than {max_age_months} months ago "
            f"(before {oldest.isoformat()}): check it again against the official text"
        )
    statutes = [s for s in raw.get("statutes") or [] if isinstance(s, dict)]
    cited: set[int] = set()
    for s in statutes:
        law, article = s.get("law"), str(s.get("article", ""))
        state = statuses.get(law) if isinstance(law, str) else None
        if state is not None and state.status in NOT_CITABLE:
            successor = f" (superseded by {state.superseded_by})" if state.superseded_by else ""
            out.append(f"cites {law} {article}, which is {state.status}{successor}")
        elif state is not None:
            for gone in state.repealed_articles:
                if gone.startswith(article) or article.startswith(gone):
                    out.append(f"cites {law} {article}: {gone} is repealed")
        if (n := article_number(article)) is not None:
            cited.add(n)
    for key in CHECKED_TEXTS:
        texts = raw.get(key)
        if not isinstance(texts, dict):
            continue
        for locale, text in texts.items():
            if not isinstance(text, str):
                continue
            missing = sorted(stated_articles(text) - cited)
            if missing:
                listed = ", ".join(str(n) for n in missing)
                out.append(f"{key}.{locale} states article(s) {listed} not listed in statutes")
    return out


def citable_names(raw_laws: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The law names by locale, without the status fields."""
    return {
        key: {k: str(v) for k, v in names.items() if k not in LAW_METADATA}
        for key, names in raw_laws.items()
    }
