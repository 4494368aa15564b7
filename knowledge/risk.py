"""The risk ledger's rules as data (``knowledge/risk.toml``): loaded, validated, checked.

Each rule names a *kind* the code knows how to check (handlers/casework/risk_rules.py) and
that kind's parameters; the level, the reason a liaison reads and the source are data.

Kinds and their parameters:

- ``cases_in_window``: ``min_cases`` cases received within ``days`` days;
- ``open_collective``: an open case of at least ``min_workers`` workers;
- ``open_claims_over``: open cases of ``categories`` claim ``min_amount`` yuan or more in all;
- ``not_honoured``: a fulfilment follow-up answered one of ``answers`` within ``days`` days;
- ``new_case_after_default``: a case received after such an answer (within ``days`` days);
- ``before_spring_festival``: within ``weeks`` weeks before the Spring Festival, an employer
  of one of ``industries`` has an open case of ``categories``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

RISK_PATH = Path(__file__).with_name("risk.toml")
LEVELS = ("red", "orange", "yellow")  # highest first
RANK = {"red": 3, "orange": 2, "yellow": 1}
WARN_LEVELS = frozenset({"red", "orange"})
_ID = re.compile(r"^[a-z0-9_]+$")

#: kind -> {parameter: type}
KINDS: dict[str, dict[str, type]] = {
    "cases_in_window": {"min_cases": int, "days": int},
    "open_collective": {"min_workers": int},
    "open_claims_over": {"min_amount": int, "categories": list},
    "not_honoured": {"days": int, "answers": list},
    "new_case_after_default": {"days": int, "answers": list},
    "before_spring_festival": {"weeks": int, "industries": list, "categories": list},
}


class RiskRulesError(ValueError):
    """risk.toml is not valid; the message lists every problem."""


@dataclass(frozen=True)
class RiskRule:
    id: str
    level: str
    kind: str
    params: dict[str, Any]
    reason: dict[str, str]
    source: str
    reviewed: date

    def text(self, locale: str) -> str:
        return self.reason.get(locale) or self.reason["zh_CN"]

    def int_param(self, name: str) -> int:
        return int(self.params[name])

    def words(self, name: str) -> frozenset[str]:
        return frozenset(str(v) for v in self.params[name])

    @property
    def amount(self) -> Decimal:
        return Decimal(self.params["min_amount"])


@dataclass(frozen=True)
class RiskRules:
    rules: tuple[RiskRule, ...]
    industries: dict[str, tuple[str, ...]]  # industry -> words in an employer's name
    spring_festival: dict[int, date]  # year -> the first day of the lunar year
    reviewed: date
    by_id: dict[str, RiskRule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id.update({r.id: r for r in self.rules})

    def industries_of(self, name: str) -> frozenset[str]:
        """The industries an employer's name points to (its words, as listed in the file)."""
        return frozenset(k for k, words in self.industries.items() if any(w in name for w in words))

    def lookback_days(self) -> int:
        """How far back the rules look at concluded cases."""
        days = [r.int_param("days") for r in self.rules if "days" in r.params]
        return max(days, default=365)


def _problems_of_rule(raw: Any, index: int, seen: set[str]) -> list[str]:
    where = f"rule {index + 1}"
    if not isinstance(raw, dict):
        return [f"{where}: expected a table"]
    problems = []
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        problems.append(f"{where}: id must be lower-case ASCII letters, digits or _")
    else:
        where = f"rule {rule_id}"
        if rule_id in seen:
            problems.append(f"{where}: id used twice")
        seen.add(rule_id)
    if raw.get("level") not in LEVELS:
        problems.append(f"{where}: level must be one of {', '.join(LEVELS)}")
    kind = raw.get("kind")
    params = raw.get("params", {})
    if kind not in KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(KINDS)}")
    elif not isinstance(params, dict):
        problems.append(f"{where}: params must be a table")
    else:
        wanted = KINDS[kind]
        for name, tp in wanted.items():
            value = params.get(name)
            if not isinstance(value, tp) or isinstance(value, bool):
                problems.append(f"{where}: params.{name} must be {tp.__name__}")
            elif isinstance(value, int) and value <= 0:
                problems.append(f"{where}: params.{name} must be positive")
            elif isinstance(value, list) and not all(isinstance(v, str) and v for v in value):
                problems.append(f"{where}: params.{name} must be a list of words")
        for name in params:
            if name not in wanted:
                problems.append(f"{where}: params.{name} is not a parameter of {kind}")
    reason = raw.get("reason")
    for locale in ("zh_CN", "en"):
        if not isinstance(reason, dict) or not str(reason.get(locale, "")).strip():
            problems.append(f"{where}: reason.{locale} is missing")
    if not isinstance(raw.get("source"), str) or len(raw["source"].strip()) < 8:
        problems.append(f"{where}: source must name the document the rule rests on")
    if not isinstance(raw.get("reviewed"), date):
        problems.append(f"{where}: reviewed must be a date (2026-12-04)")
    return problems


def _problems(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if not isinstance(data.get("reviewed"), date):
        problems.append("reviewed: must be a date")
    industries = data.get("industries", {})
    if not isinstance(industries, dict) or not all(
        isinstance(v, list) and v and all(isinstance(w, str) and w for w in v)
        for v in industries.values()
    ):
        problems.append("industries: each industry must list words of an employer's name")
        industries = {}
    festival = data.get("spring_festival", {})
    if not isinstance(festival, dict):
        problems.append("spring_festival: expected a table of year = date")
        festival = {}
    for year, day in festival.items():
        if not (str(year).isdecimal() and isinstance(day, date) and day.year == int(year)):
            problems.append(f"spring_festival.{year}: expected a date in that year")
        elif not (date(int(year), 1, 21) <= day <= date(int(year), 2, 20)):
            problems.append(f"spring_festival.{year}: the Spring Festival falls 21 Jan-20 Feb")
    raws = data.get("rule", [])
    if not isinstance(raws, list) or not raws:
        return [*problems, "rule: at least one [[rule]] is needed"]
    seen: set[str] = set()
    for i, raw in enumerate(raws):
        problems += _problems_of_rule(raw, i, seen)
        if isinstance(raw, dict) and raw.get("kind") == "before_spring_festival":
            for name in (raw.get("params") or {}).get("industries", []):
                if name not in industries:
                    problems.append(f"rule {raw.get('id')}: industry {name!r} is not listed")
    return problems


def parse_rules(data: dict[str, Any]) -> RiskRules:
    problems = _problems(data)
    if problems:
        raise RiskRulesError("; ".join(problems))
    rules = tuple(
        RiskRule(
            id=raw["id"],
            level=raw["level"],
            kind=raw["kind"],
            params=dict(raw.get("params", {})),
            reason={k: str(v) for k, v in raw["reason"].items()},
            source=raw["source"].strip(),
            reviewed=raw["reviewed"],
        )
        for raw in data["rule"]
    )
    return RiskRules(
        rules=rules,
        industries={k: tuple(v) for k, v in data.get("industries", {}).items()},
        spring_festival={int(y): d for y, d in data.get("spring_festival", {}).items()},
        reviewed=data["reviewed"],
    )


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


_cache: dict[Path, RiskRules] = {}


def load_risk_rules(path: Path | None = None) -> RiskRules:
    """The rules (cached per file); RiskRulesError when the file is not valid."""
    path = path or RISK_PATH
    if path not in _cache:
        _cache[path] = parse_rules(_read(path))
    return _cache[path]


def check_risk(
    path: Path | None = None, *, today: date | None = None, max_review_age_months: int = 18
) -> list[str]:
    """What `kb check` reports about risk.toml: invalid rules, stale reviews, a missing
    Spring Festival date for this or next year."""
    path = path or RISK_PATH
    try:
        data = _read(path)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return [f"{path.name}: cannot be read ({exc})"]
    problems = [f"{path.name}: {p}" for p in _problems(data)]
    if problems:
        return problems
    rules = parse_rules(data)
    today = today or date.today()
    limit = (today.year * 12 + today.month) - max_review_age_months
    for rule in rules.rules:
        if rule.reviewed.year * 12 + rule.reviewed.month < limit:
            problems.append(
                f"{path.name}: rule {rule.id}: reviewed {rule.reviewed}, more than "
                f"{max_review_age_months} months ago"
            )
    uses_festival = any(r.kind == "before_spring_festival" for r in rules.rules)
    for year in (today.year, today.year + 1):
        if uses_festival and year not in rules.spring_festival:
            problems.append(f"{path.name}: spring_festival has no date for {year}")
    return problems
