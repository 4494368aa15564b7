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

from settings import Settings
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


# 调解仲裁法 第十四条: no agreement within 15 days of the mediation organisation RECEIVING the
# application -> either side may apply for arbitration. A statutory period: not configurable.
STATUTORY_MEDIATION_DAYS = 15
PRE_FILING_DELEGATION_DAYS = 30  # 委派 before filing: 特邀调解规定 第二十七条 (委托: the letter)


def received_day(settings: Settings, case: Case) -> date | None:
    """The local day the center received the application (filing time for older rows)."""
    moment = case.received_at or case.submitted_at
    return moment.astimezone(settings.tz).date() if moment else None


def statutory_period_end(settings: Settings, case: Case) -> datetime | None:
    """End of the 15th day after receipt (the day of receipt not counted): after it, either
    side may apply for arbitration whatever the center's own period says."""
    day = received_day(settings, case)
    return end_of_day(day + timedelta(days=STATUTORY_MEDIATION_DAYS), settings.tz) if day else None


def arbitration_open_from(settings: Settings, case: Case) -> date | None:
    """The first day on which either side may apply for arbitration (art. 14)."""
    end = statutory_period_end(settings, case)
    return end.date() + timedelta(days=1) if end else None


def statutory_overdue_before(settings: Settings, now: datetime) -> datetime:
    """Cases received before this moment are past their 15 days: received day + 15 < today."""
    today = now.astimezone(settings.tz).date()
    start = today - timedelta(days=STATUTORY_MEDIATION_DAYS)
    return datetime.combine(start, time.min, tzinfo=settings.tz)


def statutory_applies(case: Case) -> bool:
    """Art. 14 speaks of a dispute not yet before arbitration or a court: not of a mediation the
    court entrusted during a suit (委托), which follows the court's period."""
    return case.court_delegation != "in_suit"


def court_period_days(settings: Settings, case: Case) -> int:
    """The court's period from its letter; 30 days for a pre-filing delegation by default."""
    return case.court_period_days or settings.center.court_mediation_days


def court_report_due(settings: Settings, case: Case) -> date | None:
    """The day a court-delegated case must be reported back (without extensions)."""
    start = received_day(settings, case)
    return start + timedelta(days=court_period_days(settings, case)) if start else None


def center_due(settings: Settings, case: Case, accepted: datetime) -> datetime:
    """The center's own working period, end of day: accepted + `mediation_days` plus agreed
    extensions; for a court delegation, the court's period from the day the center received the
    court's materials (特邀调解规定 第二十七条) plus extensions. Never a limit on arbitration."""
    if case.court_delegated:
        start = received_day(settings, case) or accepted.astimezone(settings.tz).date()
        days = court_period_days(settings, case)
    else:
        start = accepted.astimezone(settings.tz).date()
        days = settings.center.mediation_days
    return end_of_day(start + timedelta(days=days + case.extended_days), settings.tz)


mediation_due = center_due  # the former name


def year_after(day: date) -> date:
    """One year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def limitation_date(from_when: datetime) -> datetime:
    """A conservative arbitration deadline: one year after the given moment (art. 27)."""
    try:
        return from_when.replace(year=from_when.year + 1)
    except ValueError:  # 29 February
        return from_when.replace(year=from_when.year + 1, day=28)


def latest_safe_arbitration_date(
    settings: Settings, case: Case, *, after_agreement: bool | None = None
) -> date | None:
    """ONE rule for "to be safe, apply for arbitration no later than": one year (art. 27) after
    the earliest day from which the year may be counted again. After an agreement: the day it
    was made or the day it was due, whichever is earlier. Otherwise: the day the center received
    the application (applying for mediation interrupted the limit). Conservative on purpose."""
    tz = settings.tz
    if after_agreement is None:
        after_agreement = case.state == "agreement"
    if after_agreement and case.outcome_at is not None:
        days = [case.outcome_at.astimezone(tz).date()]
        days += [case.outcome_due] if case.outcome_due else []
        return year_after(min(days))
    start = received_day(settings, case)
    return year_after(start) if start else None


_CALENDARS: dict[tuple[tuple[str, ...], tuple[str, ...]], WorkCalendar] = {}


def work_calendar(settings: Settings) -> WorkCalendar:
    """The calendar of these settings, made once per configuration (it warns once a year)."""
    key = (tuple(settings.calendar.holidays), tuple(settings.calendar.workdays))
    if key not in _CALENDARS:
        _CALENDARS[key] = WorkCalendar.from_settings(settings)
    return _CALENDARS[key]


# Making an agreement enforceable, both sides jointly, counted from the day the agreement took
# effect (that day not counted); the bot takes the day the agreement was recorded (/outcome).
REVIEW_DAYS = 15  # arbitration review (劳动人事争议仲裁办案规则第七十四条)
CONFIRM_DAYS = 30  # judicial confirmation (民事诉讼法第二百零五条)


def agreement_day(settings: Settings, case: Case) -> date | None:
    return case.outcome_at.astimezone(settings.tz).date() if case.outcome_at else None


def review_by(settings: Settings, case: Case) -> date | None:
    """The last day to apply jointly for arbitration review of the agreement."""
    day = agreement_day(settings, case)
    return day + timedelta(days=REVIEW_DAYS) if day else None


def confirm_by(settings: Settings, case: Case) -> date | None:
    """The last day to apply jointly to the court for judicial confirmation."""
    day = agreement_day(settings, case)
    return day + timedelta(days=CONFIRM_DAYS) if day else None
