"""Dates a party gave to the day or only to the month, kept as given.

An answer is stored as ISO text: ``"2025-03-10"`` for a day, ``"2025-03"`` for a month, so
"2025-03" stays "2025年3月" in the summary, the case and the documents instead of turning
into the 1st. The case keeps its dates in Date columns (the 1st for a month) and lists the
month-only fields in ``case.screening["month_only"]``.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from typing import Any

from handlers.casework.validators import ParsedDate

MONTH_ONLY = "month_only"
#: Key in ``case.screening`` of an employer-applicant's contact person and address.
UNIT_CONTACT = "unit_contact"


def answer_text(parsed: ParsedDate) -> str:
    """The stored form of a parsed date: month precision keeps only year and month."""
    iso = parsed.value.isoformat()
    return iso[:7] if parsed.precision == "month" else iso


def is_month(answer: str | None) -> bool:
    return bool(answer) and len(answer or "") == 7


def first_day(answer: str) -> date:
    """The earliest day an answer can mean ("2025-03" -> 2025-03-01)."""
    return date.fromisoformat(answer + "-01" if is_month(answer) else answer)


def last_day(answer: str) -> date:
    """The latest day an answer can mean ("2025-03" -> 2025-03-31)."""
    day = first_day(answer)
    if is_month(answer):
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day


def month_only(screening: Mapping[str, Any] | None) -> set[str]:
    """The case fields given only to the month (see the module docstring)."""
    return set((screening or {}).get(MONTH_ONLY) or [])


def chinese_day_or_month(day: date, month: bool) -> str:
    """'2025年3月' or '2025年3月10日', as documents write them."""
    return f"{day.year}年{day.month}月" + ("" if month else f"{day.day}日")
