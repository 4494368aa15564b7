"""Staff read words, not codes, and Chinese reads as Chinese (issue 20, points 2, 8, 18)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

from handlers.conversation.context import Ctx
from handlers.conversation.i18n import Translator
from handlers.staff.casecard import contact_lines
from handlers.staff.phrases import access_line
from storage.models import AccessLog, Case

TZ = ZoneInfo("Asia/Shanghai")


def test_sentences_follow_each_other_without_a_space_in_chinese() -> None:
    assert Translator("zh_CN", TZ).sentences("调解成功。", "金额：1元。") == "调解成功。金额：1元。"
    assert Translator("en", TZ).sentences("It ended.", "", "Paid.") == "It ended. Paid."


def test_a_refused_command_names_the_role_in_words() -> None:
    row = AccessLog(
        at=datetime(2026, 12, 4, 2, 0, tzinfo=UTC),
        actor="telegram:9100",
        action="refused",
        detail="/accept (role mediator)",
    )
    zh = access_line(Translator("zh_CN", TZ), row)
    assert "role mediator" not in zh and "（身份：调解员）" in zh
    assert "(as mediator)" in access_line(Translator("en", TZ), row)


def test_case_card_keeps_a_month_given_as_a_month() -> None:
    case = Case(
        number="LJ-2026-000001",
        respondent_address="",
        respondent_phone=None,
        employment_start=date(2025, 3, 1),
        employment_end=date(2026, 9, 30),
        work_place="",
        workers_count=1,
        contact_time="",
        screening={"month_only": ["employment_start"]},
        outcome_amount=Decimal(0),
    )
    ctx = cast(Ctx, SimpleNamespace(t=Translator("zh_CN", TZ)))
    text = "\n".join(contact_lines(ctx, case, full=True))
    assert "2025年3月" in text
    assert "2025年3月1日" not in text and "2026年9月30日" in text
