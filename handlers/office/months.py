"""Months in the center's time zone: their first moment, parsing and labels (for the monthly
figures, the trend and the ledger)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from babel.dates import format_skeleton


# --- months ----------------------------------------------------------------------------
def month_start(month: date, tz: tzinfo) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=tz)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def previous_month(now: datetime, tz: tzinfo) -> date:
    local = now.astimezone(tz)
    return add_months(date(local.year, local.month, 1), -1)


def parse_month(text: str) -> date | None:
    """'2026-03', '2026-3', '2026/03' or '2026年3月' → 2026-03-01; None if it is not a month."""
    text = text.strip().replace("年", "-").removesuffix("月").replace("/", "-").replace(".", "-")
    year, sep, month = text.partition("-")
    if not (sep and year.isdecimal() and month.isdecimal() and len(year) == 4 and len(month) <= 2):
        return None
    if not (1 <= int(month) <= 12 and int(year) >= 2000):
        return None
    return date(int(year), int(month), 1)


def month_label(locale: str, month: date, skeleton: str = "yMMM") -> str:
    """'2026年3月' / 'Mar 2026' (skeleton 'MMM': '3月' / 'Mar')."""
    return format_skeleton(skeleton, month, locale=locale)


def local_day(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()
