"""The transition table, every pair of states, and working-day deadlines."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from handlers.casework.deadlines import WorkCalendar, accept_by, limitation_date, mediation_due
from handlers.casework.lifecycle import STATE_LABELS, TRANSITIONS, IllegalTransition, transition
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


# ---- issue 17: the statutory 15 days, the center's period, the court's period -----------------
def _local(settings: Settings, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=settings.tz)  # type: ignore[misc]


def test_arbitration_opens_15_days_after_receipt_whatever_the_center_does(
    settings: Settings,
) -> None:
    from handlers.casework.deadlines import arbitration_open_from, center_due, statutory_period_end

    received = _local(settings, 2026, 11, 1, 10)
    case = Case(received_at=received, submitted_at=received, extended_days=0)
    accepted = _local(settings, 2026, 11, 10, 9)  # accepted late
    assert statutory_period_end(settings, case).date() == date(2026, 11, 16)
    assert arbitration_open_from(settings, case) == date(2026, 11, 17)
    assert center_due(settings, case, accepted).date() == date(2026, 11, 25)
    case.extended_days = 20  # an extension moves only the center's period
    assert center_due(settings, case, accepted).date() == date(2026, 12, 15)
    assert arbitration_open_from(settings, case) == date(2026, 11, 17)


def test_court_period_comes_from_the_letter(settings: Settings) -> None:
    from handlers.casework.deadlines import center_due, court_report_due, statutory_applies

    received = _local(settings, 2026, 11, 1, 10)
    accepted = _local(settings, 2026, 11, 5, 10)
    pre = Case(received_at=received, court_delegated=True, extended_days=0)
    pre.court_delegation = "pre_filing"
    assert court_report_due(settings, pre) == date(2026, 12, 1)  # 30 days by default (委派)
    assert center_due(settings, pre, accepted).date() == date(2026, 12, 1)
    suit = Case(received_at=received, court_delegated=True, extended_days=0)
    suit.court_delegation, suit.court_period_days = "in_suit", 15
    assert center_due(settings, suit, accepted).date() == date(2026, 11, 16)
    assert statutory_applies(pre) and not statutory_applies(suit)


def test_one_latest_safe_date_to_apply_for_arbitration(settings: Settings) -> None:
    from handlers.casework.deadlines import latest_safe_arbitration_date

    case = Case(received_at=_local(settings, 2026, 3, 2, 9), state="failed")
    assert latest_safe_arbitration_date(settings, case) == date(2027, 3, 2)  # from receipt
    case.state = "agreement"
    case.outcome_at = _local(settings, 2026, 4, 1, 9)
    case.outcome_due = date(2026, 6, 30)
    assert latest_safe_arbitration_date(settings, case) == date(2027, 4, 1)  # the earlier
    case.outcome_due = date(2026, 3, 20)  # due before the agreement was recorded
    assert latest_safe_arbitration_date(settings, case) == date(2027, 3, 20)
    leap = Case(received_at=_local(settings, 2024, 2, 29, 9), state="failed")
    assert latest_safe_arbitration_date(settings, leap) == date(2025, 2, 28)


def test_payment_order_covers_injury_medical_costs_only(settings: Settings) -> None:
    from handlers.casework.followups import PAYMENT_ORDER_CATEGORIES
    from handlers.conversation.i18n import Translator
    from handlers.party.followup import routes_if_not_honoured

    assert "injury" not in PAYMENT_ORDER_CATEGORIES
    t = Translator("en", settings.tz)
    case = Case(
        categories=["injury"],
        state="agreement",
        outcome_at=_local(settings, 2026, 4, 1, 9),
        outcome_due=date(2026, 5, 1),
    )
    text = routes_if_not_honoured(t, settings, case, date(2026, 5, 2))
    assert "work-injury medical costs in the agreement (not other injury benefits)" in text
    assert "pay, economic compensation or damages" not in text
    case.categories = ["pay", "injury"]
    text = routes_if_not_honoured(t, settings, case, date(2026, 5, 2))
    assert "pay, economic compensation or damages" in text and "not other injury" in text
