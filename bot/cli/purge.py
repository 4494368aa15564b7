"""Personal data upkeep for operators.

mediation-bot purge [--dry-run]   apply the retention periods now (storage/retention.py); the
                                  bot does it once a day by itself, this shows what would go
                                  (--dry-run changes nothing) or purges at once
mediation-bot rekey               re-encrypt phone and ID numbers with the current data key
                                  after a key rotation (storage/rekey.py)
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from bot.config import Settings
from storage.retention import RetentionPlan


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    purge = sub.add_parser("purge", help="anonymize and delete personal data past its period")
    purge.add_argument(
        "--dry-run", action="store_true", help="only show what would go; change nothing"
    )

    sub.add_parser("rekey", help="re-encrypt phone and ID numbers with the current data key")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "rekey":
        print(asyncio.run(_rekey(settings)))
    else:
        print(asyncio.run(_purge(settings, dry_run=args.dry_run)))
    return 0


async def _rekey(settings: Settings) -> str:
    from storage.db import open_database
    from storage.rekey import rekey

    db = open_database(settings)
    try:
        await db.upgrade()
        count = await rekey(db)
    finally:
        await db.dispose()
    done = "every encrypted value now uses the current data key"
    if settings.security.old_keys:
        done += "; the old_keys can now be removed from the configuration"
    return f"re-encrypted {count} values; {done}"


async def _purge(settings: Settings, *, dry_run: bool) -> str:
    from storage import retention
    from storage.db import open_database

    now = datetime.now(UTC)
    db = open_database(settings)
    try:
        await db.upgrade()
        planned = await retention.plan(db, settings, now)
        if dry_run:
            return report(planned, settings, dry_run=True)
        return report(await retention.apply(db, settings, planned), settings, dry_run=False)
    finally:
        await db.dispose()


def report(p: RetentionPlan, settings: Settings, *, dry_run: bool) -> str:
    """One line per kind of data, with its period; the case numbers under the first."""
    r = settings.retention
    when = p.now.strftime("%Y-%m-%d %H:%M UTC")
    head = (
        f"Dry run at {when}: nothing was changed. A purge now would do this:"
        if dry_run
        else f"Purge at {when}: done."
    )
    rows = [
        (f"finished cases anonymized (no activity for {r.closed_case_days} days)", len(p.cases)),
        ("  evidence records of those cases deleted", p.evidence),
        (
            f"abandoned drafts reset (idle {settings.storage.draft_max_age_days} days)",
            p.drafts,
        ),
        (
            f"handled update ids deleted (older than {r.inbound_updates_days} days)",
            p.inbound_updates,
        ),
        (
            f"delivered or failed outbox messages deleted (older than {r.outbox_days} days)",
            p.outbox,
        ),
        (f"unanswered FAQ questions deleted (older than {r.faq_misses_days} days)", p.faq_misses),
    ]
    width = max(len(label) for label, _count in rows)
    lines = [head]
    for label, count in rows:
        lines.append(f"  {label.ljust(width)}  {count:>6}")
        if label.startswith("finished") and p.cases:
            lines.extend(f"      {number}" for number in p.cases)
    if not dry_run:
        lines.append(
            f"  {'evidence files deleted from disk (no other row used them)'.ljust(width)}"
            f"  {p.files_removed:>6}"
        )
    if p.empty:
        lines.append("Nothing is past its retention period.")
    return "\n".join(lines)
