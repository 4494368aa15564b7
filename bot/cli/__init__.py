"""`mediation-bot` command line: the parser and `main()`; each command group in a module of
its own (kb: ask and kb check, docs, reports, risk, mediators, purge, qr, backup, doctor,
diagrams). `run`, `console`, `db upgrade` and `check-config` live here."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys

from bot.cli import backup, diagrams, docs, doctor, kb, mediators, purge, qr, reports, risk
from bot.config import ConfigError, Settings, load_settings
from bot.event_loop import run_loop


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
    kb.add_parsers(sub)
    docs.add_parsers(sub)
    reports.add_parsers(sub)
    risk.add_parsers(sub)
    mediators.add_parsers(sub)
    purge.add_parsers(sub)
    qr.add_parsers(sub)
    backup.add_parsers(sub)
    doctor.add_parsers(sub)
    diagrams.add_parsers(sub)
    return p


def _logging(settings: Settings, verbose: bool, console: bool) -> None:
    from bot import logs

    logs.configure(settings.logging.format, verbose=verbose, console=console)


async def _db_upgrade(settings: Settings) -> str:
    """Migrate, and say what happened: created, upgraded, or nothing to do."""
    from storage.db import open_database

    db = open_database(settings)
    try:
        before = await db.revisions()
        await db.upgrade()
        after = await db.revisions()
    finally:
        await db.dispose()
    at = ", ".join(sorted(after))
    if not before:
        return f"database created (revision {at})"
    if before != after:
        return f"database upgraded from revision {', '.join(sorted(before))} to {at}"
    return f"database already up to date (revision {at})"


def _db_command(settings: Settings) -> int:
    """`db upgrade`, with one line (no traceback) when the database cannot be reached."""
    from bot.startup import StartupError, database_problem

    try:
        done = asyncio.run(_db_upgrade(settings))
    except Exception as exc:
        try:
            problem = database_problem(settings.database.url)(exc)
        except StartupError as fatal:
            print(f"mediation-bot: {fatal}", file=sys.stderr)
            return 1
        print(f"mediation-bot: database not reachable ({problem.reason})", file=sys.stderr)
        return 1
    print(done)
    return 0


async def _run(settings: Settings, channels: list[str], staff: bool) -> None:
    from bot.app import BotApp

    await BotApp(settings, channels, console_staff=staff).run_forever()


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to say to it
        # Python flushes stdout once more at exit and would print a traceback: no more of it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    if command in ("ask", "kb"):
        return kb.run(args)
    if command == "diagrams":  # the code's own tables, no configuration
        return diagrams.run(args)
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
    if command == "risk":
        return risk.run(args, settings)
    if command in ("subsidy", "assessment"):
        return mediators.run(args, settings)
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
