"""Grading one employer: which rules of knowledge/risk.toml fire for its cases, and its level.

Pure: the cases come in as `CaseFacts` (built from the database by handlers/office/risk.py),
so each rule can be tested as a table row. An employer's level is the highest level fired.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from handlers.casework.employers import normalise_name
from knowledge.risk import RANK, RiskRule, RiskRules


@dataclass(frozen=True)
class CaseFacts:
    """What the rules read of one case."""

    case_id: int
    number: str
    received: datetime
    open: bool  # not yet concluded (agreement, failed, withdrawn, declined, referred, closed)
    categories: tuple[str, ...] = ()
    workers: int = 1
    amount_claimed: Decimal | None = None
    amount_agreed: Decimal | None = None
    #: the fulfilment follow-up's answer ("yes" | "partly" | "no") and when it was given
    fulfilment: str | None = None
    fulfilment_at: datetime | None = None


@dataclass(frozen=True)
class Fired:
    rule: RiskRule
    cases: tuple[str, ...]  # the case numbers that made it fire


def _cases_in_window(
    rule: RiskRule, cases: Sequence[CaseFacts], now: datetime, ctx: _Context
) -> list[CaseFacts]:
    since = now - timedelta(days=rule.int_param("days"))
    recent = [c for c in cases if c.received >= since]
    return recent if len(recent) >= rule.int_param("min_cases") else []


def _open_collective(
    rule: RiskRule, cases: Sequence[CaseFacts], now: datetime, ctx: _Context
) -> list[CaseFacts]:
    return [c for c in cases if c.open and c.workers >= rule.int_param("min_workers")]


def _claims(rule: RiskRule, cases: Sequence[CaseFacts]) -> list[CaseFacts]:
    wanted = rule.words("categories")
    return [c for c in cases if c.open and wanted.intersection(c.categories)]


def _open_claims_over(
    rule: RiskRule, cases: Sequence[CaseFacts], now: datetime, ctx: _Context
) -> list[CaseFacts]:
    hits = _claims(rule, cases)
    total = sum((c.amount_claimed or Decimal(0) for c in hits), Decimal(0))
    return [c for c in hits if c.amount_claimed] if total >= rule.amount else []


def _not_kept(rule: RiskRule, cases: Sequence[CaseFacts], now: datetime) -> list[CaseFacts]:
    """Cases whose agreement the worker said was not (fully) carried out, within `days`."""
    since = now - timedelta(days=rule.int_param("days"))
    answers = rule.words("answers")
    return [
        c
        for c in cases
        if c.fulfilment in answers and c.fulfilment_at is not None and c.fulfilment_at >= since
    ]


def _not_honoured(
    rule: RiskRule, cases: Sequence[CaseFacts], now: datetime, ctx: _Context
) -> list[CaseFacts]:
    return _not_kept(rule, cases, now)


def _new_case_after_default(
    rule: RiskRule, cases: Sequence[CaseFacts], now: datetime, ctx: _Context
) -> list[CaseFacts]:
    defaults = _not_kept(rule, cases, now)
    if not defaults:
        return []
    first = min(c.fulfilment_at for c in defaults if c.fulfilment_at is not None)
    later = [c for c in cases if c.received > first]
    return [*defaults, *later] if later else []


def spring_festival_ahead(rules: RiskRules, today: date, weeks: int) -> date | None:
    """The Spring Festival if `today` is within `weeks` weeks before it (or on it)."""
    for year in (today.year, today.year + 1):
        festival = rules.spring_festival.get(year)
        if festival and festival - timedelta(weeks=weeks) <= today <= festival:
            return festival
    return None


def _before_spring_festival(
    rule: RiskRule, cases: Sequence[CaseFacts], now: datetime, ctx: _Context
) -> list[CaseFacts]:
    if spring_festival_ahead(ctx.rules, ctx.today, rule.int_param("weeks")) is None:
        return []
    if not rule.words("industries").intersection(ctx.industries):
        return []
    return _claims(rule, cases)


@dataclass(frozen=True)
class _Context:
    rules: RiskRules
    today: date  # in the center's time zone
    industries: frozenset[str]  # of this employer


Check = Callable[[RiskRule, Sequence[CaseFacts], datetime, _Context], list[CaseFacts]]
CHECKS: dict[str, Check] = {
    "cases_in_window": _cases_in_window,
    "open_collective": _open_collective,
    "open_claims_over": _open_claims_over,
    "not_honoured": _not_honoured,
    "new_case_after_default": _new_case_after_default,
    "before_spring_festival": _before_spring_festival,
}


def evaluate(
    rules: RiskRules,
    cases: Sequence[CaseFacts],
    *,
    employer_name: str,
    now: datetime,
    today: date,
) -> list[Fired]:
    """The rules that fire for one employer's cases, highest level first."""
    ctx = _Context(rules, today, rules.industries_of(normalise_name(employer_name)))
    fired = []
    for rule in rules.rules:
        hits = CHECKS[rule.kind](rule, cases, now, ctx)
        if hits:
            numbers = tuple(dict.fromkeys(c.number for c in hits))
            fired.append(Fired(rule, numbers))
    fired.sort(key=lambda f: -RANK[f.rule.level])
    return fired


def level_of(fired: Sequence[Fired]) -> str | None:
    """The highest level fired; None when no rule fired."""
    return max((f.rule.level for f in fired), key=RANK.__getitem__, default=None)
