"""Eligibility screening: the question tree lives in ``scope.toml``; this pure engine walks it.

The conversation layer stores answers (question id -> choice id or ISO date) and calls
:meth:`ScopeRules.next_step` for the next question (:class:`Ask`) or the final :class:`Result`.
Texts are dicts keyed by locale (``zh_CN``, ``en``); the role's variant (``text_employer`` …)
is chosen and ``{district}`` filled in before anything is returned.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from knowledge.scope_model import (
    _GOTO,
    _KINDS,
    _OUTCOME_KINDS,
    DEFAULT_PATH,
    LOCALES,
    ROLE_VARIANTS,
    STREET_PREFIX,
    Ask,
    Choice,
    Citation,
    Edge,
    Locale,
    Outcome,
    Question,
    Raw,
    Result,
    ScopeRulesError,
    Warning,
    _Branch,
    _cond,
    _matches,
    _Node,
    _variant,
    _year_before,
)

__all__ = [
    "LOCALES",
    "Ask",
    "Citation",
    "Result",
    "ScopeRules",
    "ScopeRulesError",
    "load_scope_rules",
]


class _Loader:
    """Parses and validates the TOML document; errors name the offending item."""

    def __init__(self, data: dict[str, Any], src: str) -> None:
        self.data, self.src = data, src
        self.laws: dict[str, dict[str, str]] = {}
        self.nodes: dict[str, _Node] = {}
        self.outcomes: dict[str, tuple[Outcome, Raw]] = {}
        self.warnings: dict[str, tuple[Warning, Raw]] = {}

    def fail(self, where: str, msg: str) -> ScopeRulesError:
        return ScopeRulesError(f"{self.src}: {where}: {msg}")

    def texts(self, raw: Raw, key: str, where: str, required: bool = True) -> None:
        for k in (key, *(f"{key}_{r}" for r in ROLE_VARIANTS)):
            d = raw.get(k)
            if d is None and (k != key or not required):
                continue
            if not isinstance(d, dict) or any(
                not isinstance(d.get(loc), str) or not d[loc].strip() for loc in LOCALES
            ):
                raise self.fail(where, f"'{k}' needs non-empty texts for {', '.join(LOCALES)}")

    def cites(self, raw: Raw, where: str) -> tuple[Citation, ...]:
        for c in raw.get("statutes", []):
            if c.get("law") not in self.laws or not c.get("article"):
                raise self.fail(where, f"bad citation {c!r} (unknown law or no article)")
        return tuple(
            Citation(self.laws[c["law"]], c["article"], c.get("article_en", ""))
            for c in raw.get("statutes", [])
        )

    def branch(self, raw: Raw, q: Raw, where: str) -> _Branch:
        base = raw if any(k in raw for k in _GOTO) else q  # else the question's default
        keys = [k for k in _GOTO if k in base]
        if len(keys) != 1:
            raise self.fail(where, "needs exactly one of 'next', 'outcome', 'then'")
        items = base["then"] if keys[0] == "then" else [{keys[0]: base[keys[0]]}]
        rules = []
        for i, item in enumerate(items):
            how = [k for k in ("next", "outcome") if k in item]
            if len(how) != 1:
                raise self.fail(where, f"'then' item {i} needs exactly one of 'next', 'outcome'")
            rules.append((_cond(item.get("when", {})), how[0], item[how[0]]))
        if not rules or rules[-1][0]:
            raise self.fail(where, "the last 'then' item must have no 'when'")
        return _Branch(
            tuple(rules),
            (*q.get("warnings", []), *raw.get("warnings", [])),
            frozenset((*q.get("flags", []), *raw.get("flags", []))),
            MappingProxyType(dict(raw.get("facts", {}))),
            raw.get("review"),
            _cond(raw.get("shown_when", {})),
            MappingProxyType(dict(raw)),
        )

    def load(self) -> ScopeRules:
        d = self.data
        for key, law in d.get("laws", {}).items():
            self.texts({"law": law}, "law", f"law '{key}'")
            self.laws[key] = dict(law)
        for raw in d.get("outcome", []):
            oid, where = raw.get("id"), f"outcome '{raw.get('id')}'"
            if not oid or oid in self.outcomes or raw.get("kind") not in _OUTCOME_KINDS:
                raise self.fail(where, f"missing/duplicate id, or kind not in {_OUTCOME_KINDS}")
            for key in ("title", "reason", "route"):
                self.texts(raw, key, where, required=key != "route")
            for i, extra in enumerate(raw.get("extra_routes", [])):
                self.texts({"extra_route": extra}, "extra_route", f"{where} extra route {i}")
            o = Outcome(
                oid,
                raw["kind"],
                raw["title"],
                raw["reason"],
                raw.get("route"),
                self.cites(raw, where),
                tuple(raw.get("extra_routes", [])),
            )
            self.outcomes[oid] = (o, raw)
        for raw in d.get("warning", []):
            wid, where = raw.get("id"), f"warning '{raw.get('id')}'"
            if not wid or wid in self.warnings:
                raise self.fail(where, "missing or duplicate id")
            self.texts(raw, "text", where)
            self.warnings[wid] = (Warning(wid, raw["text"], self.cites(raw, where)), raw)
        for raw in d.get("question", []):
            self.question(raw)
        self.check_graph(d.get("start", ""))
        return ScopeRules(d["start"], self.nodes, self.outcomes, self.warnings)

    def question(self, raw: Raw) -> None:
        qid, kind, where = raw.get("id"), raw.get("kind"), f"question '{raw.get('id')}'"
        if not qid or qid in self.nodes or kind not in _KINDS:
            raise self.fail(where, f"missing/duplicate id, or kind not in {_KINDS}")
        self.texts(raw, "text", where)
        self.texts(raw, "help", where, required=False)
        choices: dict[str, _Branch] = {}
        for c in raw.get("choice", []):
            cw = f"{where} choice '{c.get('id')}'"
            if not c.get("id") or c["id"] in choices or c["id"].startswith(STREET_PREFIX):
                raise self.fail(cw, "missing, duplicate or reserved id")
            self.texts(c, "label", cw)
            choices[c["id"]] = self.branch(c, raw, cw)
        dated = {}
        if kind == "date":
            dated = {k: self.branch(raw.get(k, {}), raw, f"{where} {k}") for k in ("recent", "old")}
        missing = {"district", "outside"} - choices.keys() if kind == "location" else set()
        if missing or (kind == "choice" and not choices):
            raise self.fail(where, f"missing choices {sorted(missing) or 'all'}")
        fact, street = raw.get("fact", qid), raw.get("street_fact")
        self.nodes[qid] = _Node(qid, kind, fact, street, raw, choices, dated)

    def check_graph(self, start: str) -> None:
        if start not in self.nodes:
            raise self.fail("start", f"unknown question '{start}'")
        known: dict[str, set[str] | None] = {}  # fact -> its possible values (None: free text)
        for n in self.nodes.values():
            known[n.fact] = set(n.choices) if n.kind == "choice" else None
            known.update({n.street_fact: None} if n.street_fact else {})
            for b in (*n.choices.values(), *n.dated.values()):
                for k, v in b.facts.items():
                    values = known.setdefault(k, set())
                    if values is not None:
                        values.add(v)
        edges: dict[str, set[str]] = {q: set() for q in self.nodes}
        used_o: set[str] = set()
        used_w: set[str] = set()
        for n in self.nodes.values():
            for cid, b in (*n.choices.items(), *n.dated.items()):
                where = f"question '{n.id}' choice '{cid}'"
                for _, how, target in b.rules:
                    if target not in (self.nodes if how == "next" else self.outcomes):
                        raise self.fail(where, f"unknown {how} '{target}'")
                    (edges[n.id] if how == "next" else used_o).add(target)
                for cond in (*(r[0] for r in b.rules), b.shown_when):
                    for k, vals in cond.items():
                        values = known.get(k, set())
                        if k not in known or (values is not None and set(vals) - values):
                            raise self.fail(where, f"condition on unknown fact/value '{k}'")
                review = self.outcomes.get(b.review or "")
                if b.review is not None:
                    if review is None or review[0].kind != "staff_review":
                        raise self.fail(where, f"review '{b.review}' is not a staff_review outcome")
                    used_o.add(b.review)
                for w in b.warnings:
                    if w not in self.warnings:
                        raise self.fail(where, f"unknown warning '{w}'")
                    used_w.add(w)
        state: dict[str, int] = {}  # 1: on the current path, 2: done

        def visit(qid: str, trail: tuple[str, ...]) -> None:
            if state.get(qid) == 1:
                raise self.fail("questions", f"cycle {' -> '.join((*trail, qid))}")
            if qid not in state:
                state[qid] = 1
                for nxt in sorted(edges[qid]):
                    visit(nxt, (*trail, qid))
                state[qid] = 2

        visit(start, ())
        for kind, ids, used in (
            ("question", self.nodes, state),
            ("outcome", self.outcomes, used_o),
            ("warning", self.warnings, used_w),
        ):
            for x in ids:
                if x not in used:
                    raise self.fail(f"{kind} '{x}'", "unreachable (never referenced)")


class ScopeRules:
    """The validated rules and the pure walker over them."""

    def __init__(
        self,
        start: str,
        nodes: dict[str, _Node],
        outcomes: dict[str, tuple[Outcome, Raw]],
        warnings: dict[str, tuple[Warning, Raw]],
    ) -> None:
        self._start, self._nodes, self._outcomes, self._warnings = start, nodes, outcomes, warnings
        self.question_ids, self.outcome_ids = tuple(nodes), tuple(outcomes)
        self.warning_ids = tuple(warnings)

    @property
    def start(self) -> str:
        return self._start

    def edges(self) -> list[Edge]:
        """Every rule of every answer, in file order: the tree as data."""
        edges = []
        for n in self._nodes.values():
            for answer, b in (*n.choices.items(), *n.dated.items()):
                for when, how, target in b.rules:
                    kind: Literal["next", "outcome"] = "next" if how == "next" else "outcome"
                    edges.append(Edge(n.id, answer, kind, target, when))
                if b.review:
                    edges.append(Edge(n.id, answer, "review", b.review, MappingProxyType({})))
        return edges

    def fact_values(self) -> dict[str, tuple[str, ...]]:
        """Each fact a choice question records, with the choice ids it may hold."""
        return {n.fact: tuple(n.choices) for n in self._nodes.values() if n.kind == "choice"}

    def question(self, qid: str, role: str = "worker", district: str | None = None) -> Question:
        """The question with its static choices (streets are added by :meth:`next_step`)."""
        n = self._nodes[qid]
        choices = tuple(
            Choice(c, _variant(b.raw, "label", role, district)) for c, b in n.choices.items()
        )
        text, help_ = (_variant(n.raw, k, role, district) for k in ("text", "help"))
        return Question(n.id, n.kind, text, choices, help_)

    def outcome(self, oid: str, role: str = "worker", district: str | None = None) -> Outcome:
        """The outcome in the role's wording, with ``{district}`` filled in when given."""
        o, raw = self._outcomes[oid]
        texts = {k: _variant(raw, k, role, district) for k in ("title", "reason", "route")}
        extra = tuple(_variant({"x": e}, "x", role, district) for e in o.extra_routes)
        return replace(o, **texts, extra_routes=extra)

    def warning(self, wid: str, role: str = "worker", district: str | None = None) -> Warning:
        w, raw = self._warnings[wid]
        return replace(w, text=_variant(raw, "text", role, district))

    @staticmethod
    def text(d: Mapping[str, str] | None, locale: Locale) -> str:
        """The text in ``locale``, falling back to zh_CN."""
        return (d.get(locale) or d.get("zh_CN", "")) if d else ""

    def _pick(
        self, n: _Node, value: str, facts: dict[str, str], today: date, streets: Sequence[str]
    ) -> _Branch:
        """The branch for ``value``, recording its facts; ValueError if not a valid answer."""
        b = n.choices.get(value)
        if b is not None and _matches(b.shown_when, facts):
            facts[n.fact] = value
            return b
        street = value.removeprefix(STREET_PREFIX)
        if n.kind == "location" and value.startswith(STREET_PREFIX) and street in streets:
            facts[n.fact] = value
            facts.update({n.street_fact: street} if n.street_fact else {})
            return n.choices["district"]
        if n.kind == "date" and b is None and len(value) == 10:
            try:
                d = date.fromisoformat(value)
            except ValueError:
                d = None
            if d is not None and d <= today:
                facts[n.fact] = value
                return n.dated["old" if d < _year_before(today) else "recent"]
        raise ValueError(f"question '{n.id}': invalid answer {value!r}")

    def next_step(
        self, answers: Mapping[str, str], *, today: date, district: str, streets: Sequence[str]
    ) -> Ask | Result:
        """Replay ``answers`` from the start: the first unanswered question, or the result."""
        facts: dict[str, str] = {}
        flags: set[str] = set()
        warns: list[str] = []
        reviews: list[str] = []
        path: list[str] = []
        qid = self._start
        while True:
            n = self._nodes[qid]
            role = facts.get("role", "worker")
            if qid not in answers:
                q = self.question(qid, role, district)
                shown = [c for c in q.choices if _matches(n.choices[c.id].shown_when, facts)]
                if n.kind == "location":
                    shown[:0] = [
                        Choice(f"{STREET_PREFIX}{s}", dict.fromkeys(LOCALES, s)) for s in streets
                    ]
                return Ask(replace(q, choices=tuple(shown)), tuple(shown))
            b = self._pick(n, answers[qid], facts, today, streets)
            path.append(qid)
            facts.update(b.facts)
            flags |= b.flags
            warns.extend(b.warnings)
            reviews.extend([b.review] if b.review else [])
            _, how, target = next(r for r in b.rules if _matches(r[0], facts))
            if how == "next":
                qid = target
                continue
            if self._outcomes[target][0].kind == "in_scope" and reviews:
                target = reviews[0]
            role = facts.get("role", "worker")
            ws = tuple(
                self.warning(w, role, district)
                for w in dict.fromkeys(warns)
                if role in self._warnings[w][1].get("roles", [role])
            )
            outcome = self.outcome(target, role, district)
            return Result(outcome, ws, frozenset(flags), MappingProxyType(facts), tuple(path))


def load_scope_rules(path: Path | None = None) -> ScopeRules:
    """Load and validate the rules file (default: ``scope.toml`` next to this module)."""
    path = path or DEFAULT_PATH
    try:
        return _Loader(tomllib.loads(path.read_text(encoding="utf-8")), path.name).load()
    except tomllib.TOMLDecodeError as e:
        raise ScopeRulesError(f"{path.name}: invalid TOML: {e}") from e
    except (KeyError, TypeError, AttributeError) as e:
        raise ScopeRulesError(f"{path.name}: malformed entry ({e!r})") from e
