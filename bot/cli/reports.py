"""`mediation-bot stats …` and `mediation-bot export …`: the monthly figures and the ledger.

mediation-bot stats --month 2026-03 [--site ID] [--json] [--chart FILE] [--locale en]
mediation-bot export --month 2026-03 --out ledger.xlsx [--csv] [--masked]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import Settings
from handlers.conversation.i18n import LOCALES, Translator
from handlers.office.stats import parse_month, previous_month


def _month(text: str) -> date:
    month = parse_month(text)
    if month is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month; write it like 2026-03")
    return month


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stats = sub.add_parser("stats", help="a month's figures (default: last month)")
    stats.add_argument("--month", type=_month, metavar="YYYY-MM")
    stats.add_argument("--site", metavar="ID", help="one site's figures (default: the district)")
    stats.add_argument(
        "--json", action="store_true", help="print JSON with by_site and the 12-month trend"
    )
    stats.add_argument("--chart", type=Path, metavar="FILE", help="also draw the chart (PNG)")
    stats.add_argument("--locale", choices=LOCALES, help="default: the center's language")
    export = sub.add_parser("export", help="the case ledger (every case, or one month's)")
    export.add_argument("--month", type=_month, metavar="YYYY-MM", help="default: every case")
    export.add_argument("--out", type=Path, required=True, metavar="FILE")
    export.add_argument("--csv", action="store_true", help="CSV (UTF-8) instead of XLSX")
    export.add_argument(
        "--masked", action="store_true", help="mask names, leave out phone and ID numbers"
    )
    export.add_argument("--locale", choices=LOCALES, help="default: the center's language")


def run(args: argparse.Namespace, settings: Settings) -> int:
    work = _stats if args.command == "stats" else _export
    return asyncio.run(work(args, settings))


async def _stats(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.office.charts import render_chart
    from handlers.office.stats import add_months, month_figures, month_start
    from handlers.office.trend import month_trend
    from handlers.staff.reports import figures_text
    from storage.db import migrated_session

    now = datetime.now(UTC)
    month = args.month or previous_month(now, settings.tz)
    t = Translator(args.locale or settings.center.default_locale, settings.tz)
    async with migrated_session(settings) as session:
        fig = await month_figures(session, month, settings.tz, now=now, site=args.site)
        trend = await month_trend(session, month, settings.tz, site=args.site)
    if args.chart:
        await asyncio.to_thread(render_chart, fig, trend, t, args.chart)
    if args.json:
        data = fig.to_json()
        data["trend"] = [
            {"month": p.month.strftime("%Y-%m"), "received": p.received, "agreements": p.agreements}
            for p in trend
        ]
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        current = fig.as_of < month_start(add_months(month, 1), settings.tz)
        print(figures_text(t, fig, current=current, settings=settings))
    return 0


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.office.ledger import build_ledger, write_csv, write_xlsx
    from handlers.office.site_figures import multi_site, site_names
    from handlers.office.stats import month_label
    from storage.db import migrated_session
    from storage.models import AccessLog

    t = Translator(args.locale or settings.center.default_locale, settings.tz)
    sites = site_names(settings, t.locale) if multi_site(settings) else None
    async with migrated_session(settings) as session:
        ledger = await build_ledger(
            session, t, settings.tz, month=args.month, masked=args.masked, sites=sites
        )
        if not args.masked:  # full personal data leaves the database: log it per case
            period = args.month.strftime("%Y-%m") if args.month else "all"
            session.add_all(
                AccessLog(actor="cli", case_id=i, action="export_ledger", detail=period)
                for i in ledger.case_ids
            )
    if args.csv:
        write_csv(ledger, args.out)
    else:
        title = month_label(t.locale, args.month) if args.month else t("all cases")
        write_xlsx(ledger, args.out, title)
    print(f"wrote {Path(args.out).resolve()}: {len(ledger.rows)} cases", file=sys.stderr)
    return 0
