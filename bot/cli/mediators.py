"""`mediation-bot subsidy …` and `mediation-bot assessment …`: per-case subsidies (以案定补)
and the annual assessment of mediators (年度考核).

mediation-bot subsidy --month 2026-03 [--json] [--out FILE.xlsx] [--locale en]
mediation-bot assessment --year 2026 [--json] [--out FILE.xlsx] [--chart FILE.png] [--locale en]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.cli.reports import _month
from bot.config import Settings
from handlers.conversation.i18n import LOCALES, Translator


def _year(text: str) -> int:
    if not (text.isdecimal() and len(text) == 4 and int(text) >= 2000):
        raise argparse.ArgumentTypeError(f"{text!r} is not a year; write it like 2026")
    return int(text)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    subsidy = sub.add_parser("subsidy", help="a month's per-case subsidies per mediator")
    subsidy.add_argument("--month", type=_month, metavar="YYYY-MM", required=True)
    subsidy.add_argument("--json", action="store_true", help="print JSON")
    subsidy.add_argument("--out", type=Path, metavar="FILE.xlsx", help="also write XLSX")
    subsidy.add_argument("--locale", choices=LOCALES, help="default: the center's language")
    assessment = sub.add_parser("assessment", help="a year's assessment of the mediators")
    assessment.add_argument("--year", type=_year, metavar="YYYY", required=True)
    assessment.add_argument("--json", action="store_true", help="print JSON")
    assessment.add_argument("--out", type=Path, metavar="FILE.xlsx", help="also write XLSX")
    assessment.add_argument("--chart", type=Path, metavar="FILE.png", help="also draw the chart")
    assessment.add_argument("--locale", choices=LOCALES, help="default: the center's language")


def run(args: argparse.Namespace, settings: Settings) -> int:
    work = _subsidy if args.command == "subsidy" else _assessment
    return asyncio.run(work(args, settings))


async def _subsidy(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.office.ledger import write_xlsx
    from handlers.office.stats import month_label
    from handlers.office.subsidy import month_subsidies, subsidy_table, subsidy_text
    from storage.db import migrated_session

    t = Translator(args.locale or settings.center.default_locale, settings.tz)
    async with migrated_session(settings) as session:
        rows = await month_subsidies(session, args.month, settings)
    label = month_label(t.locale, args.month)
    if args.out:
        write_xlsx(subsidy_table(t, rows), args.out, label)
        print(f"wrote {Path(args.out).resolve()}", file=sys.stderr)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2))
    else:
        print(subsidy_text(t, label, rows))
    return 0


async def _assessment(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.office.assessment import assess, assessment_table, assessment_text
    from handlers.office.assessment_chart import render
    from handlers.office.ledger import write_xlsx
    from storage.db import migrated_session

    t = Translator(args.locale or settings.center.default_locale, settings.tz)
    async with migrated_session(settings) as session:
        result = await assess(session, args.year, settings)
    if args.out:
        write_xlsx(assessment_table(t, result), args.out, str(args.year))
        print(f"wrote {Path(args.out).resolve()}", file=sys.stderr)
    if args.chart:
        render(result, t, args.chart)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(assessment_text(t, result))
    return 0
