"""`mediation-bot` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

from bot.config import ConfigError, Settings, load_settings


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
    return p


def _logging(verbose: bool, console: bool) -> None:
    level = logging.DEBUG if verbose else (logging.WARNING if console else logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def _db_upgrade(settings: Settings) -> None:
    from storage.db import Database

    db = Database(settings.database.url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()


async def _run(settings: Settings, channels: list[str], staff: bool) -> None:
    from bot.app import BotApp

    await BotApp(settings, channels, console_staff=staff).run_forever()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"mediation-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    channels = ["console"] if command == "console" else settings.enabled_channels()
    _logging(args.verbose, "console" in channels)
    if command == "check-config":
        print(f"configuration OK ({settings.source}); channels: {', '.join(channels)}")
        return 0
    if command == "db":
        asyncio.run(_db_upgrade(settings))
        print("database is up to date")
        return 0
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(settings, channels, getattr(args, "staff", False)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
