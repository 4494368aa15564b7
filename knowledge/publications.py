"""Policy explainers and typical cases as data (``knowledge/publications/*.toml``), one file
each: what ``/broadcast`` sends to the people who subscribed (issue 22).

Each publication states its kind (``policy`` or ``case``), its title and text in Chinese (and
English where written), the statutes it rests on (keys of ``faq/laws.toml``, checked like the
FAQ's), its audience (``all``, ``workers``, ``employers``), the day it was written and the day
it was last checked against the official text. :func:`check_publications` reports problems
(``mediation-bot kb check``); :func:`load_publications` skips what it cannot use.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.faq_entries import Citation
from knowledge.faq_files import DEFAULT_FOLDER as FAQ_FOLDER
from knowledge.faq_files import load_laws, read_toml, texts
from knowledge.faq_review import (
    DEFAULT_MAX_AGE_MONTHS,
    article_number,
    law_statuses,
    review_problems,
    stated_articles,
)

FOLDER = Path(__file__).with_name("publications")
KINDS = ("policy", "case")
AUDIENCES = ("all", "workers", "employers")
MAX_TEXT_CHARS = 1200  # characters: one WeChat message holds 2,048 bytes (about 650 Chinese)
_ID = re.compile(r"^(policy|case)\.[a-z0-9_-]+$")


@dataclass(frozen=True)
class Publication:
    id: str
    kind: str  # policy | case
    title: dict[str, str]
    text: dict[str, str]
    statutes: tuple[Citation, ...]
    audience: str
    date: dt.date
    reviewed: dt.date
    law_text: str = ""  # drafts from /publish: the citations as staff wrote them

    def field(self, name: str, locale: str) -> str:
        values: dict[str, str] = getattr(self, name)
        return values.get(locale) or values.get("zh_CN", "")

    def sources(self, locale: str) -> str:
        sep = "；" if locale == "zh_CN" else "; "
        return sep.join(c.label(locale) for c in self.statutes) or self.law_text


def _parse(raw: dict[str, Any], laws: dict[str, dict[str, str]]) -> Publication:
    statutes = tuple(
        Citation(laws[s["law"]], str(s["article"]), str(s.get("article_en", "")))
        for s in raw.get("statutes") or []
        if isinstance(s, dict) and s.get("law") in laws and s.get("article")
    )
    return Publication(
        id=str(raw["id"]),
        kind=str(raw["kind"]),
        title=texts(raw.get("title")),
        text=texts(raw.get("text")),
        statutes=statutes,
        audience=str(raw.get("audience", "all")),
        date=raw["date"],
        reviewed=raw["reviewed"],
    )


def load_publications(
    folder: Path | None = None, faq_folder: Path | None = None
) -> dict[str, Publication]:
    """Every usable publication by id (files with problems are skipped)."""
    folder = folder or FOLDER
    laws = load_laws(faq_folder or FAQ_FOLDER)
    out: dict[str, Publication] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            raw = read_toml(path)
            if not _problems(raw, laws):
                pub = _parse(raw, laws)
                out.setdefault(pub.id, pub)
        except (OSError, tomllib.TOMLDecodeError, KeyError):
            continue
    return out


def _problems(raw: dict[str, Any], laws: dict[str, dict[str, str]]) -> list[str]:
    out: list[str] = []
    pub_id = raw.get("id")
    if not isinstance(pub_id, str) or not _ID.match(pub_id):
        out.append('id should look like "policy.slug" or "case.slug" (lower-case ASCII)')
    if raw.get("kind") not in KINDS:
        out.append(f"kind should be one of {', '.join(KINDS)}")
    elif isinstance(pub_id, str) and not pub_id.startswith(f"{raw['kind']}."):
        out.append("the id should start with its kind")
    if raw.get("audience", "all") not in AUDIENCES:
        out.append(f"audience should be one of {', '.join(AUDIENCES)}")
    title, text = texts(raw.get("title")), texts(raw.get("text"))
    for name, values in (("title", title), ("text", text)):
        if "zh_CN" not in values:
            out.append(f"missing {name}.zh_CN")
    for locale, body in text.items():
        if len(body) > MAX_TEXT_CHARS:
            out.append(f"text.{locale} is {len(body)} characters (at most {MAX_TEXT_CHARS})")
    for name in ("date", "reviewed"):
        if not isinstance(raw.get(name), date):
            out.append(f"{name} missing or not a date")
    statutes = raw.get("statutes")
    if not statutes:
        out.append("no statutes cited")
    for s in statutes or []:
        if not isinstance(s, dict) or s.get("law") not in laws:
            out.append(f"unknown law in {s!r}")
        elif not s.get("article"):
            out.append(f"statute of {s['law']} without an article")
    cited = {
        article_number(str(s.get("article", ""))) for s in statutes or [] if isinstance(s, dict)
    }
    for locale, body in text.items():
        missing = sorted(stated_articles(body) - {n for n in cited if n is not None})
        if missing:
            listed = ", ".join(str(n) for n in missing)
            out.append(f"text.{locale} states article(s) {listed} not listed in statutes")
    return out


def check_publications(
    folder: Path | None = None,
    faq_folder: Path | None = None,
    *,
    today: date | None = None,
    max_review_age_months: int = DEFAULT_MAX_AGE_MONTHS,
) -> list[str]:
    """Every problem of the publications, one line each; ``[]`` means OK."""
    folder, faq_folder = folder or FOLDER, faq_folder or FAQ_FOLDER
    today = today or date.today()
    raw_laws = read_toml(faq_folder / "laws.toml").get("laws", {})
    laws = load_laws(faq_folder)
    statuses, _law_problems = law_statuses(raw_laws)
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            raw = read_toml(path)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"publications/{path.name}: cannot be read: {exc}")
            continue
        where = f"publications/{path.name}"
        found = _problems(raw, laws) + review_problems(
            raw, statuses, today=today, max_age_months=max_review_age_months
        )
        problems.extend(f"{where}: {p}" for p in found)
        pub_id = raw.get("id")
        if isinstance(pub_id, str):
            if pub_id in seen:
                problems.append(f"{where}: duplicate id (also in {seen[pub_id]})")
            seen.setdefault(pub_id, path.name)
    return problems
