"""`mediation-bot ask …` and `mediation-bot kb check`: the FAQ knowledge base alone, no
configuration or database needed."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge.faq import KnowledgeBase


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ask = sub.add_parser("ask", help="ask the FAQ knowledge base a question")
    ask.add_argument("question", help='the question, or "-" to read one per line from stdin')
    ask.add_argument("--json", action="store_true", help="print JSON (one object per question)")
    ask.add_argument("--locale", default="zh_CN", choices=["zh_CN", "en"])
    ask.add_argument("--folder", type=Path, help="knowledge base folder (default: knowledge/faq)")
    kb = sub.add_parser("kb", help="FAQ knowledge base tasks")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="TASK", required=True)
    kb_check = kb_sub.add_parser(
        "check", help="report problems in knowledge/faq/*.toml and knowledge/risk.toml"
    )
    kb_check.add_argument("folder", nargs="?", type=Path, help="another folder to check")
    kb_check.add_argument(
        "--referrals",
        type=Path,
        metavar="FILE",
        help="another referral routes file to check (default: knowledge/referrals.toml)",
    )
    kb_check.add_argument(
        "--max-review-age",
        type=int,
        default=18,
        metavar="MONTHS",
        help="an entry reviewed longer ago than this fails (default: 18 months)",
    )


def _faq_line(kb: KnowledgeBase, question: str, locale: str, as_json: bool) -> str:
    result = kb.search(question, locale)
    if as_json:
        return json.dumps(result.to_json(locale), ensure_ascii=False)
    zh = locale == "zh_CN"
    if result.referral is not None:  # not labour: the route, where to go and its basis
        route = result.referral
        if route.plain:  # about the bot itself: its text is the whole reply, as in the chat
            return route.text("where", locale)
        return f"{route.text('title', locale)}\n\n{route.full_text(locale)}"
    if not result.answered or result.best is None:
        closest = "；".join(e.text("title", locale) for e in result.closest)
        line = "不太确定你问的是哪个问题。" if zh else "Not sure which question you mean."
        if closest:
            line += f"{'你可能想问：' if zh else ' Closest topics: '}{closest}"
        return line
    best = result.best
    parts = [best.text("title", locale), best.full_answer(locale)]
    if best.statutes:
        sep = "；" if zh else "; "
        labels = sep.join(c.label(locale) for c in best.statutes)
        parts.append(f"{'依据：' if zh else 'Sources: '}{labels}")
    if result.related:
        titles = ("；" if zh else "; ").join(e.text("title", locale) for e in result.related)
        parts.append(f"{'相关问题：' if zh else 'Related: '}{titles}")
    return "\n\n".join(parts)


def run(args: argparse.Namespace) -> int:
    """`ask` and `kb check`: the FAQ alone, no configuration or database needed."""
    from knowledge.faq import load_entries
    from knowledge.faq_check import check_kb
    from knowledge.kb_shared import load_kb_shared
    from knowledge.publications import check_publications, load_publications
    from knowledge.risk import check_risk, load_risk_rules

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    with contextlib.suppress(AttributeError, ValueError):
        # typed as TextIO, which has no reconfigure; a redirected stdout may lack it (suppressed)
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    if args.command == "kb":
        problems = check_kb(args.folder, args.referrals, max_review_age_months=args.max_review_age)
        if args.folder is None:  # the risk ledger's rules live beside the FAQ
            problems += check_risk(max_review_age_months=args.max_review_age)
        if args.folder is None:  # the publications cite the FAQ's laws (issue 22)
            problems += check_publications(max_review_age_months=args.max_review_age)
        for problem in problems:
            print(problem)
        if problems:
            print(f"{len(problems)} problem(s) in the knowledge base", file=sys.stderr)
            return 1
        entries = load_entries(args.folder)
        english = sum(1 for e in entries.values() if e.has_english())
        print(f"knowledge base OK: {len(entries)} entries ({english} with English)")
        if args.folder is None:
            print(f"risk rules OK: {len(load_risk_rules().rules)} rules (knowledge/risk.toml)")
            print(f"publications OK: {len(load_publications())}")
        return 0
    base = load_kb_shared({}, args.folder)  # a build made before is read from the cache
    if args.question != "-":
        print(_faq_line(base, args.question, args.locale, args.json))
        return 0
    for line in sys.stdin:
        print(_faq_line(base, line.rstrip("\r\n"), args.locale, args.json), flush=True)
    return 0
