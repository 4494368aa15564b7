"""Reading and checking the FAQ files: ``faq/*.toml`` entries, ``faq/laws.toml`` and the
added phrasings in ``faq/phrasings/*.toml`` (entry id -> more ways people ask, kept apart
from the entries so that editing answers and adding phrasings never touch the same lines).

:func:`check_kb` is strict and reports every problem, one readable line each; loading
(:mod:`knowledge.faq`) is lenient and skips what it cannot use.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.faq_review import (
    DEFAULT_MAX_AGE_MONTHS,
    citable_names,
    law_statuses,
    review_problems,
)
from knowledge.faq_synonyms import Synonyms
from knowledge.referral_checks import list_problems

DEFAULT_FOLDER = Path(__file__).with_name("faq")
PHRASINGS_FOLDER = "phrasings"
# Texts the domain model learns from but the search does not index (knowledge/domain_model.py):
# ``["entry.id"]`` or ``["route_id"]`` tables of zh_CN/en lists, like phrasings/.
MODEL_WORDS_FOLDER = "model_words"
NOT_ENTRY_FILES = frozenset({"laws.toml", "synonyms.toml"})
MAX_ANSWER_CHARS = 320
_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")


def read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def entry_files(folder: Path) -> list[Path]:
    """Every ``*.toml`` in the folder except the laws and synonyms tables."""
    return sorted(p for p in folder.glob("*.toml") if p.name not in NOT_ENTRY_FILES)


def load_laws(folder: Path) -> dict[str, dict[str, str]]:
    path = folder / "laws.toml"
    if not path.exists():
        return {}
    return citable_names(read_toml(path).get("laws", {}))


def texts(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    return {k: v.strip() for k, v in raw.items() if isinstance(v, str) and v.strip()}


def phrasings(raw: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for loc, values in raw.items():
        items = [values] if isinstance(values, str) else values
        if isinstance(items, list):
            kept = tuple(v.strip() for v in items if isinstance(v, str) and v.strip())
            if kept:
                out[loc] = kept
    return out


def phrasing_files(folder: Path, sub: str = PHRASINGS_FOLDER) -> list[Path]:
    return sorted((folder / sub).glob("*.toml"))


def read_extra_phrasings(path: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """One ``phrasings/<topic>.toml``: ``["entry.id"]`` tables of ``zh_CN``/``en`` lists."""
    data = read_toml(path)
    return {k: phrasings(v) for k, v in data.items() if isinstance(v, dict)}


def load_extra_phrasings(
    folder: Path, sub: str = PHRASINGS_FOLDER
) -> dict[str, dict[str, tuple[str, ...]]]:
    """Entry id -> locale -> added phrasings, over all files (unreadable files skipped);
    ``sub=MODEL_WORDS_FOLDER``: entry or route id -> the model's own texts."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for path in phrasing_files(folder, sub):
        try:
            extra = read_extra_phrasings(path)
        except (OSError, tomllib.TOMLDecodeError):
            continue
        for entry_id, by_locale in extra.items():
            mine = out.setdefault(entry_id, {})
            for loc, items in by_locale.items():
                mine[loc] = (*mine.get(loc, ()), *items)
    return out


def extra_phrasing_problems(
    folder: Path, known: set[str], sub: str = PHRASINGS_FOLDER
) -> list[str]:
    """Unreadable files, unknown ids and malformed lists in ``folder/sub/*.toml``."""
    problems: list[str] = []
    for path in phrasing_files(folder, sub):
        where = f"{sub}/{path.name}"
        try:
            data = read_toml(path)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"{where}: cannot be read: {exc}")
            continue
        for entry_id, raw in data.items():
            if entry_id not in known:
                kind = "entry id" if sub == PHRASINGS_FOLDER else "entry or route id"
                problems.append(f"{where}: unknown {kind} {entry_id!r}")
            elif not isinstance(raw, dict) or not phrasings(raw):
                problems.append(f"{where}: {entry_id}: no zh_CN/en phrasings")
            elif set(raw) - {"zh_CN", "en"}:
                problems.append(f"{where}: {entry_id}: only zh_CN and en lists are allowed")
            else:
                for loc, items in raw.items():
                    problems += list_problems(items, f"{where}: {entry_id}.{loc}")
    return problems


def check_kb(
    folder: Path | None = None,
    *,
    today: date | None = None,
    max_review_age_months: int = DEFAULT_MAX_AGE_MONTHS,
) -> list[str]:
    """Every problem in the knowledge base, one readable line each; ``[]`` means OK.

    Besides the format: entries reviewed more than ``max_review_age_months`` before ``today``,
    citations of repealed or superseded laws, and article numbers an answer states but does
    not cite (:mod:`knowledge.faq_review`)."""
    folder = folder or DEFAULT_FOLDER
    today = today or date.today()
    problems: list[str] = []
    try:
        raw_laws = (
            read_toml(folder / "laws.toml").get("laws", {})
            if (folder / "laws.toml").exists()
            else {}
        )
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return [f"laws.toml: cannot be read: {exc}"]
    laws = citable_names(raw_laws)
    statuses, law_problems = law_statuses(raw_laws)
    problems.extend(law_problems)
    if not laws:
        problems.append("laws.toml: missing or empty")
    syn_path = folder / "synonyms.toml"
    if syn_path.exists():
        problems.extend(Synonyms.load(syn_path).problems)
    seen: dict[str, str] = {}
    all_related: list[tuple[str, str, str]] = []  # file, id, related id
    for path in entry_files(folder):
        try:
            data = read_toml(path)
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{path.name}: not valid TOML: {exc}")
            continue
        except OSError as exc:
            problems.append(f"{path.name}: cannot be read: {exc}")
            continue
        raws = data.get("entry", [])
        if not isinstance(raws, list) or not raws:
            problems.append(f"{path.name}: no [[entry]] tables")
            continue
        for n, raw in enumerate(raws, start=1):
            where = f"{path.name}: {raw.get('id') or f'entry #{n}'}"
            problems.extend(f"{where}: {p}" for p in _entry_problems(raw, laws))
            problems.extend(
                f"{where}: {p}"
                for p in review_problems(
                    raw, statuses, today=today, max_age_months=max_review_age_months
                )
            )
            entry_id = raw.get("id")
            if isinstance(entry_id, str) and entry_id:
                if entry_id in seen:
                    problems.append(f"{where}: duplicate id (also in {seen[entry_id]})")
                else:
                    seen[entry_id] = path.name
                for rel in raw.get("related") or []:
                    all_related.append((path.name, entry_id, rel))
    problems.extend(extra_phrasing_problems(folder, set(seen)))
    for fname, entry_id, rel in all_related:
        if rel not in seen:
            problems.append(f"{fname}: {entry_id}: related id {rel!r} does not exist")
        elif rel == entry_id:
            problems.append(f"{fname}: {entry_id}: lists itself as related")
    return problems


def _entry_problems(raw: dict[str, Any], laws: Mapping[str, dict[str, str]]) -> list[str]:
    """Problems of one entry taken alone (ids across files are checked by the caller)."""
    out: list[str] = []
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not entry_id:
        out.append("missing id")
    elif not _ID.match(entry_id):
        out.append('id should look like "topic.slug" (lower-case ASCII)')
    title, answer = texts(raw.get("title")), texts(raw.get("answer"))
    by_locale = phrasings(raw.get("phrasings"))
    if "zh_CN" not in title:
        out.append("missing title.zh_CN")
    if "zh_CN" not in answer:
        out.append("missing answer.zh_CN")
    elif len(answer["zh_CN"]) > MAX_ANSWER_CHARS:
        out.append(
            f"answer.zh_CN is {len(answer['zh_CN'])} characters (at most ~{MAX_ANSWER_CHARS}; "
            "move details to more.zh_CN)"
        )
    if not by_locale.get("zh_CN"):
        out.append("phrasings.zh_CN is missing or empty")
    if "reviewed" not in raw:
        out.append("reviewed date missing")
    elif not isinstance(raw["reviewed"], date):
        out.append(f"reviewed is not a date: {raw['reviewed']!r}")
    if raw.get("top"):
        missing = [
            name
            for name, ok in (
                ("title.en", "en" in title),
                ("answer.en", "en" in answer),
                ("phrasings.en", bool(by_locale.get("en"))),
            )
            if not ok
        ]
        if missing:
            out.append(f"top entry without English ({', '.join(missing)})")
    statutes = raw.get("statutes")
    if not statutes:
        out.append("no statutes cited")
    else:
        for s in statutes:
            if not isinstance(s, dict):
                out.append(f"statute is not a table: {s!r}")
            elif s.get("law") not in laws:
                out.append(f"unknown law key {s.get('law')!r}")
            elif not s.get("article"):
                out.append(f"statute of {s['law']} without an article")
    related = raw.get("related", [])
    if not isinstance(related, list):
        out.append("related should be a list of ids")
    return out
