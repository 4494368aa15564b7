"""`mediation-bot` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import backup, docs, doctor, purge, qr, reports
from bot.config import ConfigError, Settings, load_settings
from bot.event_loop import run_loop

if TYPE_CHECKING:
    from knowledge.faq import KnowledgeBase


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mediation-bot",
        description="Chat front door for a labour and personnel dispute mediation center.",
    )
    p.add_argument("--config", metavar="PATH", help="TOML file (default: ./config.toml if present)")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run every configured channel (the console when none is)")
    console = sub.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--staff", action="store_true", help="act as a staff member")
    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", metavar="TASK", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations")
    sub.add_parser("check-config", help="load the configuration and report problems")
    ask = sub.add_parser("ask", help="ask the FAQ knowledge base a question")
    ask.add_argument("question", help='the question, or "-" to read one per line from stdin')
    ask.add_argument("--json", action="store_true", help="print JSON (one object per question)")
    ask.add_argument("--locale", default="zh_CN", choices=["zh_CN", "en"])
    ask.add_argument("--folder", type=Path, help="knowledge base folder (default: knowledge/faq)")
    kb = sub.add_parser("kb", help="FAQ knowledge base tasks")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="TASK", required=True)
    kb_check = kb_sub.add_parser("check", help="report problems in knowledge/faq/*.toml")
    kb_check.add_argument("folder", nargs="?", type=Path, help="another folder to check")
    kb_check.add_argument(
        "--max-review-age",
        type=int,
        default=18,
        metavar="MONTHS",
        help="an entry reviewed longer ago than this fails (default: 18 months)",
    )
    docs.add_parsers(sub)
    reports.add_parsers(sub)
    purge.add_parsers(sub)
    qr.add_parsers(sub)
    backup.add_parsers(sub)
    doctor.add_parsers(sub)
    return p


def _logging(settings: Settings, verbose: bool, console: bool) -> None:
    from bot import logs

    logs.configure(settings.logging.format, verbose=verbose, console=console)


async def _db_upgrade(settings: Settings) -> None:
    from storage.db import open_database

    db = open_database(settings)
    try:
        await db.upgrade()
    finally:
        await db.dispose()


def _db_command(settings: Settings) -> int:
    """`db upgrade`, with one line (no traceback) when the database cannot be reached."""
    from bot.startup import StartupError, database_problem

    try:
        asyncio.run(_db_upgrade(settings))
    except Exception as exc:
        try:
            problem = database_problem(settings.database.url)(exc)
        except StartupError as fatal:
            print(f"mediation-bot: {fatal}", file=sys.stderr)
            return 1
        print(f"mediation-bot: database not reachable ({problem.reason})", file=sys.stderr)
        return 1
    print("database is up to date")
    return 0


async def _run(settings: Settings, channels: list[str], staff: bool) -> None:
    from bot.app import BotApp

    await BotApp(settings, channels, console_staff=staff).run_forever()


def _faq_line(kb: KnowledgeBase, question: str, locale: str, as_json: bool) -> str:
    result = kb.search(question, locale)
    if as_json:
        return json.dumps(result.to_json(locale), ensure_ascii=False)
    zh = locale == "zh_CN"
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


def _kb_command(args: argparse.Namespace) -> int:
    """`ask` and `kb check`: the FAQ alone, no configuration or database needed."""
    from knowledge.faq import check_kb, load_entries, load_kb

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    if args.command == "kb":
        problems = check_kb(args.folder, max_review_age_months=args.max_review_age)
        for problem in problems:
            print(problem)
        if problems:
            print(f"{len(problems)} problem(s) in the knowledge base", file=sys.stderr)
            return 1
        entries = load_entries(args.folder)
        english = sum(1 for e in entries.values() if e.has_english())
        print(f"knowledge base OK: {len(entries)} entries ({english} with English)")
        return 0
    kb = load_kb(args.folder)
    if args.question != "-":
        print(_faq_line(kb, args.question, args.locale, args.json))
        return 0
    for line in sys.stdin:
        print(_faq_line(kb, line.rstrip("\r\n"), args.locale, args.json), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    if command in ("ask", "kb"):
        return _kb_command(args)
    if command == "doctor":  # reports a configuration error as one of its findings
        return doctor.run(args)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"mediation-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    channels = ["console"] if command == "console" else settings.enabled_channels()
    _logging(settings, args.verbose, "console" in channels)
    if command == "check-config":
        print(f"configuration OK ({settings.source}); channels: {', '.join(channels)}")
        return 0
    if command == "db":
        return _db_command(settings)
    if command == "doc":
        return docs.run(args, settings)
    if command in ("stats", "export"):
        return reports.run(args, settings)
    if command in ("purge", "rekey"):
        return purge.run(args, settings)
    if command in ("qr", "wechat-menu"):
        return qr.run(args, settings)
    if command in ("backup", "restore"):
        return backup.run(args, settings)
    from bot.startup import StartupError

    try:
        with contextlib.suppress(KeyboardInterrupt):
            run_loop(_run(settings, channels, getattr(args, "staff", False)))
    except (StartupError, ConfigError) as exc:
        print(f"mediation-bot: cannot start: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
