"""Working days and case deadlines in the center's time zone.

Public holidays and make-up working days come from the chinese-calendar package for the
years it knows; for later years from `[calendar]` in the configuration, else weekends only
(with a warning in the log, once per year).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from bot.config import Settings
from storage.models import Case

log = logging.getLogger(__name__)


class WorkCalendar:
    def __init__(self, holidays: set[date] | None = None, workdays: set[date] | None = None):
        self.holidays = holidays or set()
        self.workdays = workdays or set()
        self._warned: set[int] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkCalendar:
        return cls(
            {date.fromisoformat(d) for d in settings.calendar.holidays},
            {date.fromisoformat(d) for d in settings.calendar.workdays},
        )

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._warned and not self._configured(day.year):
                self._warned.add(day.year)
                log.warning(
                    "no public-holiday data for %s: counting weekends only; add the year's "
                    "holidays and make-up working days to [calendar] in the configuration",
                    day.year,
                )
            return day.weekday() < 5

    def _configured(self, year: int) -> bool:
        return any(d.year == year for d in self.holidays | self.workdays)

    def add_workdays(self, start: date, count: int) -> date:
        """The date `count` working days after `start` (start itself not counted)."""
        day = start
        while count > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                count -= 1
        return day


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def accept_by(settings: Settings, calendar: WorkCalendar, submitted: datetime) -> date:
    local = submitted.astimezone(settings.tz).date()
    return calendar.add_workdays(local, settings.center.accept_working_days)


def mediation_due(settings: Settings, case: Case, accepted: datetime) -> datetime:
    """Accepted + 15 days (30 for court-delegated cases), plus agreed extensions, end of day."""
    days = (
        settings.center.court_mediation_days
        if case.court_delegated
        else settings.center.mediation_days
    )
    local = accepted.astimezone(settings.tz).date() + timedelta(days=days + case.extended_days)
    return end_of_day(local, settings.tz)


def limitation_date(from_when: datetime) -> datetime:
    """A conservative arbitration deadline: one year after the given moment (art. 27)."""
    try:
        return from_when.replace(year=from_when.year + 1)
    except ValueError:  # 29 February
        return from_when.replace(year=from_when.year + 1, day=28)
