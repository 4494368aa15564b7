"""`mediation-bot risk [--json] [--employer NAME]`: the employer risk ledger.

--json prints a list of {"employer", "credit_code", "level", "cases", "workers",
"amount_claimed", "rules", "amount_agreed", "open_collective", "key"}, red first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime

from bot.config import Settings
from handlers.conversation.i18n import LOCALES, Translator


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    risk = sub.add_parser("risk", help="the employer risk ledger (red, orange, yellow)")
    risk.add_argument("--json", action="store_true", help="print JSON")
    risk.add_argument("--employer", metavar="NAME", help="one employer (name or credit code)")
    risk.add_argument("--all", action="store_true", help="also employers no rule grades")
    risk.add_argument("--locale", choices=LOCALES, help="default: the center's language")


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_risk(args, settings))


async def _risk(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.office.risk import build_ledger, find_employer
    from handlers.office.risk_text import employer_lines, ledger_text
    from storage.db import migrated_session
    from storage.models import AccessLog

    now = datetime.now(UTC)
    t = Translator(args.locale or settings.center.default_locale, settings.tz)
    async with migrated_session(settings) as session:
        graded_only = not (args.all or args.employer)
        ledger = await build_ledger(session, settings.tz, now, graded_only=graded_only)
        if args.employer:
            ledger = find_employer(ledger, args.employer)
        detail = (args.employer or "all")[:100]
        session.add(AccessLog(actor="cli", action="view_risk", detail=detail))
    if args.json:
        print(json.dumps([e.to_json() for e in ledger], ensure_ascii=False, indent=2))
    elif args.employer:
        if not ledger:
            print(f"no employer matching {args.employer!r}")
            return 1
        for employer in ledger:
            print("\n".join(employer_lines(t, employer)))
    else:
        print(ledger_text(t, ledger, limit=None))
    return 0
