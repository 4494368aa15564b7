"""The risk ledger's pure parts as tables: employer matching, each rule, risk.toml's checks."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest

from handlers.casework.employers import (
    EmployerRef,
    group_employers,
    normalise_credit_code,
    normalise_name,
)
from handlers.casework.risk_rules import CaseFacts, evaluate, level_of, spring_festival_ahead
from knowledge.risk import RISK_PATH, check_risk, load_risk_rules, parse_rules

CODE = "91450221MA5K8XXX1T"  # 18 characters of the GB 32100 alphabet (check char not verified)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("示例制造有限公司", "示例制造有限责任公司"),
        ("示例制造有限公司", "示例制造公司"),
        ("示例制造股份有限公司", "示例制造有限公司"),
        ("示例制造（柳州）有限公司", "示例制造(柳州)有限公司"),  # full- and half-width brackets
        ("示例制造（柳州）有限公司", "示例制造有限公司"),  # a region in brackets is left out
        ("示例制造有限公司", "示 例 制 造 有 限 公 司"),
        ("示例製造有限公司", "示例制造有限公司"),  # traditional characters
        ("示例制造有限公司柳江分公司", "示例制造有限公司"),
        ("示例餐饮有限公司（河西分店）", "示例餐饮有限公司"),
        ("示例超市河西分店", "示例超市"),
        ("示例建筑工程有限公司第三项目部", "示例建筑工程有限公司"),
        ("ＡＢＣ科技有限公司", "abc科技有限公司"),  # full-width letters, case
        ("示例·制造-有限公司", "示例制造有限公司"),
    ],
)
def test_names_of_one_employer_meet(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("示例制造有限公司", "示例食品有限公司"),
        ("示例制造有限公司", "新城制造有限公司"),
        ("示例厂房租赁有限公司柳江分公司", "示例厂"),  # the branch is cut after the last 公司
        ("示例超市", "示例酒店"),
    ],
)
def test_different_employers_stay_apart(a: str, b: str) -> None:
    assert normalise_name(a) != normalise_name(b)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (CODE, CODE),
        (CODE.lower(), CODE),
        ("9145 0221 MA5K 8XXX 1T", CODE),
        ("９１４５０２２１ＭＡ５Ｋ８ＸＸＸ１Ｔ", CODE),  # full-width
        ("91450221MA5K8XXX1", None),  # 17 characters
        ("91450221MA5K8XXX1O", None),  # O is not in the alphabet
        ("", None),
        (None, None),
    ],
)
def test_credit_codes(raw: str | None, expected: str | None) -> None:
    assert normalise_credit_code(raw) == expected


def test_grouping_by_code_and_name_is_transitive() -> None:
    refs = [
        EmployerRef(0, "示例制造有限公司", None),
        EmployerRef(1, "示例制造（柳州）有限责任公司", CODE),  # links the name and the code
        EmployerRef(2, "柳州示例智造", CODE.lower()),  # another name, the same code
        EmployerRef(3, "示例食品有限公司", None),
        EmployerRef(4, "示例食品有限公司", "91450221MA5K8YYY2U"),  # a code joins its name
        EmployerRef(5, "", None),  # no name at all: on its own
    ]
    groups = {tuple(g.members): g for g in group_employers(refs)}
    assert set(groups) == {(0, 1, 2), (3, 4), (5,)}
    assert groups[(0, 1, 2)].credit_code == CODE
    assert groups[(0, 1, 2)].key == f"code:{CODE}"
    assert groups[(0, 1, 2)].name == "柳州示例智造"  # as written on the latest case
    assert groups[(3, 4)].key == "code:91450221MA5K8YYY2U"


# --- the rules, one row each ----------------------------------------------------------------
NOW = datetime(2026, 11, 20, 2, tzinfo=UTC)
TODAY = date(2026, 11, 20)
RULES = load_risk_rules()


def case(n: int, days_ago: float = 5, **kw: Any) -> CaseFacts:
    defaults: dict[str, Any] = dict(open=True, categories=("pay",), workers=1)
    return CaseFacts(
        case_id=n,
        number=f"LJ-2026-{n:06d}",
        received=NOW - timedelta(days=days_ago),
        **(defaults | kw),
    )


def defaulted(n: int, answer: str = "no", days_ago: float = 30) -> CaseFacts:
    return case(
        n,
        days_ago=days_ago + 40,
        open=False,
        amount_agreed=Decimal(8000),
        fulfilment=answer,
        fulfilment_at=NOW - timedelta(days=days_ago),
    )


FESTIVE = datetime(2027, 1, 5, 2, tzinfo=UTC)  # 32 days before the Spring Festival 2027


@pytest.mark.parametrize(
    ("rule", "employer", "cases", "now", "fires"),
    [
        ("repeat_cases", "示例公司", [case(1), case(2, 80)], NOW, True),
        ("repeat_cases", "示例公司", [case(1), case(2, 100)], NOW, False),  # outside 90 days
        ("many_cases", "示例公司", [case(1), case(2), case(3, 89)], NOW, True),
        ("many_cases", "示例公司", [case(1), case(2)], NOW, False),
        ("collective_dispute", "示例公司", [case(1, workers=10)], NOW, True),
        ("collective_dispute", "示例公司", [case(1, workers=9)], NOW, False),
        ("collective_dispute", "示例公司", [case(1, workers=30, open=False)], NOW, False),
        (
            "large_arrears",
            "示例公司",
            [case(1, amount_claimed=Decimal(60000)), case(2, amount_claimed=Decimal(40000))],
            NOW,
            True,
        ),
        ("large_arrears", "示例公司", [case(1, amount_claimed=Decimal(99999))], NOW, False),
        (  # another category does not count as wage arrears
            "large_arrears",
            "示例公司",
            [case(1, amount_claimed=Decimal(200000), categories=("injury",))],
            NOW,
            False,
        ),
        (  # concluded cases do not count
            "large_arrears",
            "示例公司",
            [case(1, amount_claimed=Decimal(200000), open=False)],
            NOW,
            False,
        ),
        ("arrears", "示例公司", [case(1, amount_claimed=Decimal(30000))], NOW, True),
        ("arrears", "示例公司", [case(1, amount_claimed=Decimal(29999))], NOW, False),
        ("agreement_not_honoured", "示例公司", [defaulted(1)], NOW, True),
        ("agreement_not_honoured", "示例公司", [defaulted(1, "partly")], NOW, True),
        ("agreement_not_honoured", "示例公司", [defaulted(1, "yes")], NOW, False),
        ("agreement_not_honoured", "示例公司", [defaulted(1, days_ago=400)], NOW, False),
        ("new_case_after_default", "示例公司", [defaulted(1), case(2, 3)], NOW, True),
        ("new_case_after_default", "示例公司", [defaulted(1), case(2, 50)], NOW, False),  # before
        ("new_case_after_default", "示例公司", [defaulted(1, "yes"), case(2, 3)], NOW, False),
        ("spring_festival", "示例建筑工程有限公司", [case(1)], FESTIVE, True),
        ("spring_festival", "示例服装厂", [case(1)], FESTIVE, True),
        ("spring_festival", "示例餐饮有限公司", [case(1)], FESTIVE, False),  # not the industry
        ("spring_festival", "示例建筑工程有限公司", [case(1)], NOW, False),  # 13 weeks before
        (
            "spring_festival",
            "示例建筑工程有限公司",
            [case(1, categories=("injury",))],
            FESTIVE,
            False,
        ),
        ("spring_festival", "示例建築工程有限公司", [case(1)], FESTIVE, True),  # traditional
    ],
)
def test_each_rule(
    rule: str, employer: str, cases: list[CaseFacts], now: datetime, fires: bool
) -> None:
    today = now.date()
    fired = evaluate(RULES, cases, employer_name=employer, now=now, today=today)
    assert (rule in {f.rule.id for f in fired}) is fires


def test_the_level_is_the_highest_rule_fired_and_the_cases_are_named() -> None:
    cases = [case(1, amount_claimed=Decimal(50000)), case(2), case(3, workers=12)]
    fired = evaluate(RULES, cases, employer_name="示例公司", now=NOW, today=TODAY)
    ids = [f.rule.id for f in fired]
    assert ids[0] == "collective_dispute" and level_of(fired) == "red"
    assert {"repeat_cases", "many_cases", "arrears", "collective_dispute"} <= set(ids)
    collective = next(f for f in fired if f.rule.id == "collective_dispute")
    assert collective.cases == ("LJ-2026-000003",)
    assert level_of([]) is None


def test_spring_festival_dates_are_first_days_of_the_lunar_year() -> None:
    """Cross-checked with chinese-calendar's holidays for the years it knows."""
    checked = 0
    for year, day in RULES.spring_festival.items():
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:  # a year the package does not know yet
            continue
        assert on_holiday and name == chinese_calendar.Holiday.spring_festival.value, year
        checked += 1
    assert checked >= 2
    assert spring_festival_ahead(RULES, date(2027, 1, 1), 8) == date(2027, 2, 6)
    assert spring_festival_ahead(RULES, date(2026, 11, 20), 8) is None


# --- risk.toml is checked --------------------------------------------------------------------
def _data() -> dict[str, Any]:
    with RISK_PATH.open("rb") as fh:
        return tomllib.load(fh)


def test_the_shipped_rules_check_clean() -> None:
    assert check_risk(today=date(2026, 12, 4)) == []
    assert {r.level for r in RULES.rules} == {"red", "orange", "yellow"}
    assert all(r.reason["zh_CN"] and r.reason["en"] and "seed" in r.source for r in RULES.rules)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["rule"][0].update(level="purple"), "level must be one of"),
        (lambda d: d["rule"][0].update(kind="guess"), "kind must be one of"),
        (lambda d: d["rule"][0]["params"].update(days=0), "params.days must be positive"),
        (lambda d: d["rule"][0]["params"].pop("days"), "params.days must be int"),
        (lambda d: d["rule"][0]["params"].update(weeks=2), "weeks is not a parameter"),
        (lambda d: d["rule"][0]["reason"].pop("en"), "reason.en is missing"),
        (lambda d: d["rule"][0].update(source=""), "source must name"),
        (lambda d: d["rule"][0].update(reviewed="soon"), "reviewed must be a date"),
        (lambda d: d["rule"][1].update(id=d["rule"][0]["id"]), "id used twice"),
        (lambda d: d["spring_festival"].update({"2033": date(2033, 5, 1)}), "falls 21 Jan"),
        (lambda d: d["rule"][-1]["params"].update(industries=["mining"]), "'mining' is not"),
    ],
)
def test_a_broken_rule_is_reported(change: Any, problem: str, tmp_path: Path) -> None:
    data = _data()
    change(data)
    with pytest.raises(ValueError, match=problem):
        parse_rules(data)


def test_kb_check_reports_stale_reviews_and_a_missing_festival(tmp_path: Path) -> None:
    text = RISK_PATH.read_text(encoding="utf-8")
    path = tmp_path / "risk.toml"
    path.write_text(text, encoding="utf-8")
    problems = check_risk(path, today=date(2033, 6, 1))
    assert any("more than 18 months ago" in p for p in problems)
    assert any("no date for 2033" in p for p in problems)
