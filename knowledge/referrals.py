"""Referral routes (``knowledge/referrals.toml``): where to take matters that are not labour.

A question about a tenancy deposit or a divorce must not get a confident labour answer.
Each route's phrasings are indexed next to the FAQ entries (see :func:`knowledge.faq.build_kb`),
so a question meets both at once: 房东不退押金 lands on the tenancy route, 入职交押金 on the
labour entry, and 上班路上出车祸 stays a work-injury question.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.between_firms import BetweenFirms, parse_between_firms
from knowledge.faq_files import phrasings, texts
from knowledge.faq_text import fold
from knowledge.follow_up import FollowUp, follow_up_problems, parse_follow_up
from knowledge.referral_checks import route_shape_problems, top_level_problems
from knowledge.to_the_bot import ToTheBot, parse_to_the_bot, to_the_bot_problems

REFERRALS_PATH = Path(__file__).with_name("referrals.toml")
ROUTE_PREFIX = "route:"  # index ids of routes; FAQ ids look like "topic.slug"
MIN_PHRASINGS = 6
_ID = re.compile(r"^[a-z0-9_]+$")
# paid in instalments (分期, 分三次, 分两年): not money divided among people
_INSTALMENT = re.compile(r"分(?=期|批|次|[0-9零一二两三四五六七八九十几]+(?:次|期|年|个月|笔|批))")


@dataclass(frozen=True)
class Route:
    id: str
    title: dict[str, str]
    where: dict[str, str]  # who handles it and how to reach them
    basis: dict[str, str]  # the law it rests on ("" where there is none)
    phrasings: dict[str, tuple[str, ...]]
    reviewed: date
    # the where text is the whole reply: no "this is not a labour dispute" around it (about_bot:
    # "are you a robot" is answered by what the bot is and how to reach a person)
    plain: bool = False
    # the reply also gives the center's own address, opening hours and telephone, as the
    # configuration has them (about_bot: "where are you", "when do you close")
    contact: bool = False
    # a question naming one of ``sole_words`` and none of ``unless_words`` is this route's,
    # whatever the search and the model read (公积金 without 社保 or 工资: the provident fund)
    sole_words: tuple[str, ...] = ()
    unless_words: tuple[str, ...] = ()
    # phrases in which an unless word does not count (实际工资: the fund's base named by the
    # pay it should follow, not pay owed — 公司按最低标准交公积金，不按实际工资交)
    despite_words: tuple[str, ...] = ()
    # a question naming one of ``split_money``, one of ``split_words`` and one of
    # ``split_among`` is this route's even when it names a labour term: relatives dividing what
    # a death or an injury brought (工亡补助金…家里人之间怎么分 is inheritance, not the benefit's
    # own rules; 公司说补助金怎么分期给 names no relative and stays labour)
    split_money: tuple[str, ...] = ()
    split_words: tuple[str, ...] = ()
    split_among: tuple[str, ...] = ()
    # a firm asking about its dealings with another firm (knowledge/between_firms.py): business
    firms: BetweenFirms | None = None

    @property
    def index_id(self) -> str:
        return ROUTE_PREFIX + self.id

    def owns(self, folded: str) -> bool:
        """Whether a question (folded, as :func:`knowledge.faq_text.fold` folds it) names one
        of the sole words and none of the unless words (outside the despite words)."""
        if not any(names(folded, w) for w in self.sole_words):
            return False
        for phrase in self.despite_words:
            folded = folded.replace(phrase, " ")
        return not any(names(folded, w) for w in self.unless_words)

    def divides(self, folded: str) -> bool:
        """Whether a question (folded) names money of ``split_money``, a ``split_words`` word
        for dividing it (an instalment, 分期 or 分三次, is no dividing) and a relative of
        ``split_among``."""
        undivided = _INSTALMENT.sub(" ", folded)
        return all(
            any(names(undivided, w) for w in words)
            for words in (self.split_money, self.split_words, self.split_among)
        )

    def text(self, field: str, locale: str) -> str:
        values: dict[str, str] = getattr(self, field)
        return values.get(locale) or values.get("zh_CN", "")

    def full_text(self, locale: str) -> str:
        """Where to go, then the legal basis if any: the ``referral`` of ``ask --json``."""
        where, basis = self.text("where", locale), self.text("basis", locale)
        if not basis:
            return where
        label = "依据：" if locale == "zh_CN" else "Legal basis: "
        return f"{where}\n{label}{basis}"


def names(folded: str, word: str) -> bool:
    """Whether a folded text holds ``word`` (folded too, as :func:`_words` folds a route's words
    when it is loaded): Chinese anywhere, English as whole words only ("fir", fired as folded,
    is not in "firm")."""
    if not word.isascii():
        return word in folded
    return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", folded) is not None


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as fh:
        raws = tomllib.load(fh).get("route", [])
    return [r for r in raws if isinstance(r, dict)] if isinstance(raws, list) else []


def parse_route(raw: dict[str, Any]) -> Route:
    route_id = raw.get("id")
    if not isinstance(route_id, str) or not _ID.match(route_id):
        raise ValueError(f"route id {route_id!r} should be lower-case ASCII")
    where = texts(raw.get("where"))
    if "zh_CN" not in where:
        raise ValueError(f"{route_id}: where.zh_CN is required")
    reviewed = raw.get("reviewed")
    return Route(
        id=route_id,
        title=texts(raw.get("title")),
        where=where,
        basis=texts(raw.get("basis")),
        phrasings=phrasings(raw.get("phrasings")),
        reviewed=reviewed if isinstance(reviewed, date) else date.min,
        plain=raw.get("plain") is True,
        contact=raw.get("contact") is True,
        sole_words=_words(raw.get("sole_words")),
        unless_words=_words(raw.get("unless_words")),
        despite_words=_words(raw.get("despite_words")),
        split_money=_words(raw.get("split_money")),
        split_words=_words(raw.get("split_words")),
        split_among=_words(raw.get("split_among")),
        firms=parse_between_firms(raw),
    )


def _words(raw: Any) -> tuple[str, ...]:
    """A list of words, folded as questions are (a malformed one: check_routes says so)."""
    if not isinstance(raw, list):
        return ()
    return tuple(fold(w) for w in raw if isinstance(w, str) and w.strip())


def _top_level(path: Path | None, key: str) -> Any:
    """The value of ``key`` in the referrals file (default: the packaged one); None when the
    file or the key is missing."""
    path = path or REFERRALS_PATH
    if not path.exists():
        return None
    with path.open("rb") as fh:
        return tomllib.load(fh).get(key)


def load_labour_words(path: Path | None = None, *, key: str = "labour_words") -> frozenset[str]:
    """``labour_words`` of the referrals file: words that make a question about work (or,
    with ``key="other_words"``, words of everyday matters outside work)."""
    words = _top_level(path, key)
    if not isinstance(words, list):
        return frozenset()
    return frozenset(w.strip().lower() for w in words if isinstance(w, str) and w.strip())


def load_to_the_bot(path: Path | None = None) -> ToTheBot | None:
    """The ``[to_the_bot]`` table: messages that ask the bot about itself (None: none)."""
    return parse_to_the_bot(_top_level(path, "to_the_bot"))


def load_follow_up(path: Path | None = None) -> FollowUp | None:
    """The ``[follow_up]`` table: messages that only ask how the asker's matter is going."""
    return parse_follow_up(_top_level(path, "follow_up"))


def check_follow_up(path: Path | None, entry_ids: frozenset[str] | None) -> list[str]:
    """What is wrong with the ``[follow_up]`` table, its entry checked against ``entry_ids``
    (None: not checked)."""
    raw = _top_level(path, "follow_up")
    if raw is None:
        return []
    return follow_up_problems(raw, entry_ids, (path or REFERRALS_PATH).name)


def load_routes(path: Path | None = None) -> dict[str, Route]:
    """Every usable route by id; a missing file means no routes (nothing is referred)."""
    path = path or REFERRALS_PATH
    if not path.exists():
        return {}
    routes: dict[str, Route] = {}
    for raw in _read(path):
        try:
            route = parse_route(raw)
        except (ValueError, TypeError):
            continue
        if route.phrasings.get("zh_CN") and route.id not in routes:
            routes[route.id] = route
    return routes


def check_routes(path: Path | None = None) -> list[str]:
    """Every problem in the referrals file, one readable line each."""
    path = path or REFERRALS_PATH
    name = path.name
    if not path.exists():
        return []
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return [f"{name}: cannot be read: {exc}"]
    problems = top_level_problems(data, name)
    raws = data.get("route", [])
    if not isinstance(raws, list) or not raws:
        return [*problems, f"{name}: no [[route]] tables"]
    seen: set[str] = set()
    for n, raw in enumerate(raws, start=1):
        if not isinstance(raw, dict):
            problems.append(f"{name}: route #{n} is not a table ([[route]])")
            continue
        where = f"{name}: {raw.get('id') or f'route #{n}'}"
        problems += route_shape_problems(raw, where)
        try:
            route = parse_route(raw)
        except (ValueError, TypeError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        if route.id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(route.id)
        if "zh_CN" not in route.title:
            problems.append(f"{where}: missing title.zh_CN")
        if not isinstance(raw.get("reviewed"), date):
            problems.append(f"{where}: reviewed date missing or not a date")
        count = len(route.phrasings.get("zh_CN", ()))
        if count < MIN_PHRASINGS:
            problems.append(f"{where}: {count} phrasings.zh_CN (at least {MIN_PHRASINGS})")
        if "en" not in route.where:
            problems.append(f"{where}: missing where.en")
        if "en" not in route.title:
            problems.append(f"{where}: missing title.en")
    if "to_the_bot" in data:
        problems += to_the_bot_problems(data["to_the_bot"], frozenset(seen), name)
    return problems
