"""Checks shared by the small rule tables of ``referrals.toml`` (``[to_the_bot]``,
``[follow_up]``): each returns the problems it finds, one readable line each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def unknown_keys(raw: Mapping[str, Any], keys: frozenset[str], where: str) -> list[str]:
    """Keys nobody reads (a misspelt key would silently change nothing)."""
    allowed = ", ".join(sorted(keys))
    return [f"{where}: unknown key {key!r} (allowed: {allowed})" for key in raw if key not in keys]


def names_one(
    raw: Mapping[str, Any],
    key: str,
    ids: frozenset[str] | None,
    where: str,
    *,
    kind: str,
    like: str,
    of_any: str,
) -> list[str]:
    """``key`` names one of ``ids`` (not checked when None): a route, an entry."""
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        return [f'{where}: {key} should name {kind}, like "{like}"']
    if ids is not None and value not in ids:
        return [f"{where}: {key} {value!r} is not the id of any {of_any}"]
    return []


def word_lists(
    raw: Mapping[str, Any], keys: Iterable[str], required: str, where: str, *, like: str
) -> list[str]:
    """Each of ``keys`` a list of non-empty words; ``required`` present and not empty."""
    problems = []
    for key in keys:
        words = raw.get(key, [] if key != required else None)
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            problems.append(f"{where}: {key} should be a list of words, like {like}")
        elif key == required and not words:
            problems.append(f"{where}: {key} is empty: no message would ever match")
    return problems


def whole_number(
    raw: Mapping[str, Any],
    key: str,
    where: str,
    *,
    minimum: int,
    unit: str,
    like: int,
    default: int | None = None,
) -> list[str]:
    """``key`` a whole number from ``minimum`` (``default`` when it may be left out)."""
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        return [f"{where}: {key} should be a whole number of {unit}, like {like}"]
    return []
