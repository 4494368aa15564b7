"""The transition table, every pair of states, and working-day deadlines."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from handlers.deadlines import WorkCalendar, accept_by, limitation_date, mediation_due
from handlers.lifecycle import STATE_LABELS, TRANSITIONS, IllegalTransition, transition
from storage.cases import case_events
from storage.db import Database
from storage.models import Case

LEGAL = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}


def test_table_covers_every_state_of_the_domain() -> None:
    assert set(TRANSITIONS) == set(STATE_LABELS)
    assert TRANSITIONS["closed"] == set()
    for ended in ("agreement", "failed", "withdrawn", "declined_by_respondent", "referred"):
        assert TRANSITIONS[ended] == {"closed"}


async def test_every_legal_and_illegal_transition(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'states.db'}")
    await db.upgrade()
    async with db.session() as session:
        for i, (a, b) in enumerate(itertools.product(STATE_LABELS, STATE_LABELS)):
            case = Case(
                number=f"T-2026-{i:06d}",
                state=a,
                applicant_name="x",
                applicant_phone="1",
                respondent_name="y",
            )
            session.add(case)
            await session.flush()
            if (a, b) in LEGAL:
                await transition(session, case, b, actor="test", note="why")
                assert case.state == b
                assert (case.closed_at is not None) == (b == "closed")  # when it was closed
                events = await case_events(session, case.id)
                assert [(e.from_state, e.to_state, e.actor, e.note) for e in events] == [
                    (a, b, "test", "why")
                ]
            else:
                with pytest.raises(IllegalTransition):
                    await transition(session, case, b, actor="test")
                assert case.state == a
                assert await case_events(session, case.id) == []
    await db.dispose()


def test_calendar_knows_holidays_and_make_up_days() -> None:
    cal = WorkCalendar()
    assert not cal.is_workday(date(2026, 10, 1))  # National Day
    assert cal.is_workday(date(2026, 10, 10))  # a Saturday made a working day
    # Filed on Wednesday 30 September 2026: the holiday week does not count, and the
    # make-up Saturday does: Thursday 8, Friday 9, Saturday 10 October.
    assert cal.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)
    # Thursday 8 October: Friday 9th, make-up Saturday 10th, Monday 12th.
    assert cal.add_workdays(date(2026, 10, 8), 3) == date(2026, 10, 12)


def test_calendar_for_a_year_the_package_does_not_know(caplog) -> None:  # type: ignore[no-untyped-def]
    plain = WorkCalendar()
    assert plain.add_workdays(date(2027, 2, 5), 3) == date(2027, 2, 10)  # weekends only
    assert "no public-holiday data for 2027" in caplog.text
    configured = WorkCalendar(
        holidays={date(2027, 2, 8), date(2027, 2, 9)}, workdays={date(2027, 2, 6)}
    )
    # Friday 5th → make-up Saturday 6th, (8th, 9th off), Wednesday 10th, Thursday 11th
    assert configured.add_workdays(date(2027, 2, 5), 3) == date(2027, 2, 11)


def test_case_deadlines(settings: Settings) -> None:
    settings.calendar.holidays = []
    cal = WorkCalendar.from_settings(settings)
    submitted = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert accept_by(settings, cal, submitted) == date(2026, 10, 10)
    case = Case(court_delegated=False, extended_days=0)
    accepted = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 1 December 01:00 in Shanghai
    due = mediation_due(settings, case, accepted)
    assert due.astimezone(settings.tz).date() == date(2026, 12, 16)
    case.court_delegated = True
    assert mediation_due(settings, case, accepted).astimezone(settings.tz).date() == date(
        2026, 12, 31
    )
    assert limitation_date(datetime(2024, 2, 29, tzinfo=UTC)).date() == date(2025, 2, 28)
