"""The screening rules' vocabulary: what a question, an answer's branch, an outcome and a
result are (knowledge/scope.py loads scope.toml into these and walks them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

Locale = str
LOCALES: tuple[str, ...] = ("zh_CN", "en")
ROLE_VARIANTS: tuple[str, ...] = ("employer",)  # roles with their own wording (`text_employer`)
DEFAULT_PATH = Path(__file__).with_name("scope.toml")
STREET_PREFIX = "street:"
_KINDS = ("choice", "location", "date")
_OUTCOME_KINDS = ("in_scope", "out_of_scope", "staff_review")
_GOTO = ("next", "outcome", "then")


class ScopeRulesError(ValueError):
    """The rules file is malformed or inconsistent."""


@dataclass(frozen=True)
class Citation:
    law: dict[str, str]
    article: str  # 第二条（四）
    article_en: str = ""  # Art. 2(4)

    def label(self, locale: Locale) -> str:
        """E.g. "《中华人民共和国劳动争议调解仲裁法》第二条" or "<law>, Art. 2"."""
        if locale == "zh_CN":
            return f"《{self.law['zh_CN']}》{self.article}"
        return f"{self.law.get(locale, self.law['en'])}, {self.article_en or self.article}"


@dataclass(frozen=True)
class Choice:
    id: str
    label: dict[str, str]


@dataclass(frozen=True)
class Question:
    id: str
    kind: Literal["choice", "location", "date"]
    text: dict[str, str]
    choices: tuple[Choice, ...]
    help: dict[str, str] | None


@dataclass(frozen=True)
class Outcome:
    id: str
    kind: Literal["in_scope", "out_of_scope", "staff_review"]
    title: dict[str, str]
    reason: dict[str, str]
    route: dict[str, str] | None
    statutes: tuple[Citation, ...]
    extra_routes: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class Warning:
    id: str
    text: dict[str, str]
    statutes: tuple[Citation, ...]


@dataclass(frozen=True)
class Ask:
    question: Question  # role wording; for location questions `choices` already expanded
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Edge:
    """One way out of a question, for drawing the tree (docs/flows/screening.md)."""

    question: str
    answer: str  # a choice id, or "recent" / "old" for a date question
    how: Literal["next", "outcome", "review"]  # review: the staff-review outcome it records
    target: str
    when: Cond  # earlier answers this rule needs (empty: always)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    warnings: tuple[Warning, ...]
    flags: frozenset[str]
    facts: Mapping[str, str]  # role, employer_kind, category, work_location, work_street, ...
    path: tuple[str, ...] = ()  # question ids answered, in order


Cond = Mapping[str, tuple[str, ...]]  # fact -> accepted values; all must match
Raw = Mapping[str, Any]


@dataclass(frozen=True)
class _Branch:
    """What one answer does: transition rules, warnings, flags, facts, a pending review."""

    rules: tuple[tuple[Cond, str, str], ...]  # (when, "next" | "outcome", target)
    warnings: tuple[str, ...]
    flags: frozenset[str]
    facts: Raw
    review: str | None
    shown_when: Cond
    raw: Raw


@dataclass(frozen=True)
class _Node:
    id: str
    kind: Literal["choice", "location", "date"]
    fact: str
    street_fact: str | None
    raw: Raw
    choices: dict[str, _Branch]  # in file order
    dated: dict[str, _Branch]  # "recent" / "old" (date questions)


def _matches(cond: Cond, facts: Mapping[str, str]) -> bool:
    return all(facts.get(k) in vals for k, vals in cond.items())


def _year_before(d: date) -> date:
    return d.replace(year=d.year - 1, day=28 if (d.month, d.day) == (2, 29) else d.day)


def _variant(raw: Raw, key: str, role: str, district: str | None) -> Any:
    d = raw.get(f"{key}_{role}") or raw.get(key)
    if d is None or district is None:
        return d
    return {loc: s.replace("{district}", district) for loc, s in d.items()}


def _cond(raw: Any) -> Cond:
    return MappingProxyType({k: (v,) if isinstance(v, str) else tuple(v) for k, v in raw.items()})
