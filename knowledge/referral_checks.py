"""What `mediation-bot kb check` finds wrong in ``referrals.toml`` beyond a route's own
fields (knowledge/referrals.py): the ``labour_words`` list, keys nobody reads, and phrasings
that are empty, repeated, or claimed by two routes or by a route and a labour entry.

Each of these fails silently at run time: a labour word the folded question can never hold
(``我的工资``: pronouns are dropped; ``wages``: English words are stemmed) never protects a
work question, a misspelt key (``phrasing.zh_CN``) drops the route's phrasings, and one
sentence indexed both as a route and as an entry sends the same question two ways.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from knowledge.between_firms import FIRM_LISTS, OPTIONAL_FIRM_LISTS
from knowledge.faq_text import fold

FIRM_KEYS = frozenset(FIRM_LISTS)
SPLIT_KEYS = frozenset({"split_money", "split_words", "split_among"})
FIRM_OPTIONAL = frozenset(OPTIONAL_FIRM_LISTS)  # beside the three
ROUTE_KEYS = frozenset(
    {"id", "reviewed", "title", "where", "basis", "phrasings", "plain", "contact"}
    | {"sole_words", "unless_words", "despite_words"}  # a word that settles the route (公积金)
    | SPLIT_KEYS  # relatives dividing money (inheritance: 工亡补助金…家里人之间怎么分)
    | FIRM_KEYS  # a firm asking about another firm (business: knowledge/between_firms.py)
    | FIRM_OPTIONAL
)
TOP_KEYS = frozenset(
    {"labour_words", "weak_labour_words", "labour_terms", "other_words", "to_the_bot", "route"}
    | {"follow_up"}
)
LOCALES = frozenset({"zh_CN", "en"})


def labour_word_problems(
    raw: Any, name: str = "referrals.toml", key: str = "labour_words"
) -> list[str]:
    """Problems in ``labour_words`` (or ``weak_labour_words``, ``labour_terms``,
    ``other_words``); [] when it is a usable list."""
    if raw is None:
        return [
            f"{name}: labour_words is missing: without it a question about work (下班路上出车祸) "
            "can be referred away like any other"
        ]
    if not isinstance(raw, list) or not raw:
        return [f'{name}: {key} should be a non-empty list of words, like ["工资", "上班"]']
    problems: list[str] = []
    seen: set[str] = set()
    for n, word in enumerate(raw, start=1):
        where = f"{name}: {key} #{n}"
        if not isinstance(word, str) or not word.strip():
            problems.append(f"{where}: {word!r} is not a word (a non-empty string)")
            continue
        word = word.strip()
        folded = fold(word).strip()
        if word in seen:
            problems.append(f"{where}: {word!r} is listed twice")
        seen.add(word)
        if folded != word:
            shown = f"{folded!r}" if folded else "nothing"
            problems.append(
                f"{where}: {word!r} can never match: questions are compared after folding "
                f"(simplified characters, lower case, pronouns dropped, English stemmed), "
                f"which makes it {shown}; write it as {folded!r}"
                if folded
                else f"{where}: {word!r} can never match: folding leaves nothing of it"
            )
        elif word.isascii() and len(word.split()) != 1:
            problems.append(
                f"{where}: {word!r}: English labour words are matched one word at a time"
            )
        elif not word.isascii() and len(word) < 2:
            problems.append(
                f"{where}: {word!r}: one character matches inside too many unrelated words "
                "(工 in 工商, 工具); use a word of two or more"
            )
    return problems


def top_level_problems(data: Mapping[str, Any], name: str = "referrals.toml") -> list[str]:
    problems = [
        f"{name}: unknown key {key!r} (allowed: {', '.join(sorted(TOP_KEYS))})"
        for key in data
        if key not in TOP_KEYS
    ]
    problems += labour_word_problems(data.get("labour_words"), name)
    lists = {"labour_words": data.get("labour_words")}
    for key in ("weak_labour_words", "labour_terms", "other_words"):  # optional
        if data.get(key) is not None:
            problems += labour_word_problems(data[key], name, key)
            lists[key] = data[key]
    words = {
        key: {w for w in value if isinstance(w, str)}
        for key, value in lists.items()
        if isinstance(value, list)
    }
    keys = sorted(words)
    for n, first in enumerate(keys):
        for second in keys[n + 1 :]:
            problems += [
                f"{name}: {word!r} is in both {first} and {second}: a question with "
                "it would lean both ways; keep it in one"
                for word in sorted(words[first] & words[second])
            ]
    return problems


def route_shape_problems(raw: Mapping[str, Any], where: str) -> list[str]:
    """Keys nobody reads, phrasings that are not lists of non-empty strings, repeats."""
    problems = [
        f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(ROUTE_KEYS))})"
        for key in raw
        if key not in ROUTE_KEYS
    ]
    for field in ("title", "where", "basis"):
        value = raw.get(field)
        if value is not None and not isinstance(value, dict):
            problems.append(f"{where}: {field} should be {field}.zh_CN and {field}.en texts")
        elif isinstance(value, dict):
            problems += [
                f"{where}: {field}.{loc}: unknown language (use zh_CN or en)"
                for loc in value
                if loc not in LOCALES
            ]
    problems += [
        f"{where}: {flag} should be true or false (without quotes)"
        for flag in ("plain", "contact")
        if flag in raw and not isinstance(raw[flag], bool)
    ]
    basis = raw.get("basis")
    if isinstance(basis, dict) and bool(basis.get("zh_CN")) != bool(basis.get("en")):
        problems.append(
            f"{where}: basis needs both zh_CN and en (the legal basis in each language)"
        )
    for key in ("sole_words", "unless_words", "despite_words"):
        if key in raw:
            problems += _word_problems(raw[key], f"{where}: {key}")
    if "unless_words" in raw and not raw.get("sole_words"):
        problems.append(f"{where}: unless_words without sole_words does nothing")
    if "despite_words" in raw and not raw.get("unless_words"):
        problems.append(f"{where}: despite_words without unless_words does nothing")
    problems += _together(raw, where, SPLIT_KEYS)
    problems += _together(raw, where, FIRM_KEYS, FIRM_OPTIONAL)
    phrasings = raw.get("phrasings")
    if phrasings is None:
        return problems
    if not isinstance(phrasings, dict):
        return [*problems, f"{where}: phrasings should be phrasings.zh_CN and phrasings.en lists"]
    for loc, items in phrasings.items():
        if loc not in LOCALES:
            problems.append(f"{where}: phrasings.{loc}: unknown language (use zh_CN or en)")
            continue
        problems += list_problems(items, f"{where}: phrasings.{loc}")
    return problems


def list_problems(items: Any, where: str) -> list[str]:
    """A phrasings list: a list of non-empty strings, none repeated."""
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, list):
        return [f"{where}: should be a list of questions in quotes"]
    problems: list[str] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        if not isinstance(item, str) or not item.strip():
            problems.append(f"{where} #{n}: {item!r} is not a question (a non-empty string)")
            continue
        key = fold(item).strip()
        if key in seen:
            problems.append(f"{where} #{n}: {item.strip()!r} is listed twice")
        seen.add(key)
    return problems


def shared_phrasing_problems(
    routes: Mapping[str, Mapping[str, Sequence[str]]],
    entries: Mapping[str, Mapping[str, Sequence[str]]],
) -> list[str]:
    """A sentence that is a phrasing of two routes, or of a route and a labour entry: the
    same question would be sent two ways. ``routes`` and ``entries``: id -> locale -> list."""
    owner: dict[str, str] = {}
    for entry_id, by_locale in entries.items():
        for items in by_locale.values():
            for item in items:
                owner.setdefault(fold(item).strip(), f"entry {entry_id}")
    problems: list[str] = []
    for route_id, by_locale in routes.items():
        mine: set[str] = set()
        for items in by_locale.values():
            for item in items:
                key = fold(item).strip()
                other = owner.get(key)
                if other is not None and key not in mine:
                    problems.append(
                        f"referrals.toml: {route_id}: phrasing {item!r} is also a phrasing of "
                        f"{other}: one question cannot go both ways; keep it in one place"
                    )
                mine.add(key)
        for key in mine:
            owner.setdefault(key, f"route {route_id}")
    return problems


def _together(
    raw: Mapping[str, Any],
    where: str,
    needed: frozenset[str],
    optional: frozenset[str] = frozenset(),
) -> list[str]:
    """A group of three lists that work only together (split_*, firm_*): each list given is
    checked as words, and any of them given without all three needed ones is named."""
    given = sorted((needed | optional) & raw.keys())
    problems = [p for key in given for p in _word_problems(raw[key], f"{where}: {key}")]
    if given and not needed <= raw.keys():
        problems.append(f"{where}: {', '.join(sorted(needed))} work only all three together")
    return problems


def _word_problems(items: Any, where: str) -> list[str]:
    """``sole_words``, ``unless_words`` or ``despite_words``: a list of words of two characters
    or more."""
    if not isinstance(items, list) or not items:
        return [f'{where}: should be a non-empty list of words, like ["公积金"]']
    return [
        f"{where} #{n}: {item!r} is not a word of two characters or more"
        for n, item in enumerate(items, start=1)
        if not isinstance(item, str) or len(item.strip()) < 2
    ]
