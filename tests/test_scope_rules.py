"""Eligibility screening rules (knowledge/scope.toml) and the engine that walks them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from knowledge.scope import (
    LOCALES,
    Ask,
    Result,
    ScopeRules,
    ScopeRulesError,
    load_scope_rules,
)

TODAY = date(2025, 6, 1)
DISTRICT = "示例区"
STREETS = ("东城街道", "西林镇")
RULES_PATH = Path(__file__).resolve().parents[1] / "knowledge" / "scope.toml"
DOC_PATH = RULES_PATH.with_name("scope.md")

RECENT = "2025-03-01"
OLD = "2023-05-10"


@pytest.fixture(scope="module")
def rules() -> ScopeRules:
    return load_scope_rules()


def answers(**over: str | None) -> dict[str, str]:
    """A complete in-scope worker path (enterprise, dismissal, in the district), overridden."""
    base: dict[str, str | None] = {
        "applicant_role": "worker",
        "proceedings": "none",
        "employer_kind": "enterprise",
        "category": "dismissal",
        "pension": "no",
        "work_location": "street:东城街道",
        "employment_status": "left",
        "event_date": RECENT,
        "workers_count": "one",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def run(rules: ScopeRules, a: Mapping[str, str], today: date = TODAY) -> Result:
    step = rules.next_step(a, today=today, district=DISTRICT, streets=STREETS)
    assert isinstance(step, Result), f"expected a result, got question {step.question.id}"
    return step


WAGES_EMPLOYED = {"category": "wages", "employment_status": "employed", "event_date": None}
WAGES_LEFT = {"category": "wages", "event_date": None}

# (id, answers, outcome id, outcome kind, route expected, warning ids (ordered), flags)
SCENARIOS: list[tuple[str, dict[str, str], str, str, bool, tuple[str, ...], set[str]]] = [
    ("enterprise_dismissal", answers(), "in_scope", "in_scope", True, (), set()),
    (
        "individual_business",
        answers(employer_kind="individual_business"),
        "in_scope",
        "in_scope",
        True,
        (),
        set(),
    ),
    (
        "private_non_enterprise",
        answers(employer_kind="private_non_enterprise", category="contract"),
        "in_scope",
        "in_scope",
        True,
        (),
        set(),
    ),
    (
        "public_body_labour_contract",
        answers(
            employer_kind="public_body",
            public_relation="labour_contract",
            category="social_insurance",
            si_claim="losses",
        ),
        "in_scope",
        "in_scope",
        True,
        ("si_back_payment_elsewhere",),
        set(),
    ),
    (
        "public_institution_personnel",
        answers(employer_kind="public_body", public_relation="personnel", category="personnel"),
        "in_scope_personnel",
        "in_scope",
        True,
        (),
        set(),
    ),
    (
        "military_civilian",
        answers(employer_kind="military_civilian", category="personnel"),
        "in_scope_personnel",
        "in_scope",
        True,
        (),
        set(),
    ),
    (
        "domestic_helper",
        answers(employer_kind="household"),
        "excluded_domestic_helper",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "craftsman_apprentice",
        answers(employer_kind="individual_craftsman"),
        "excluded_craftsman_helper",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "rural_hired_hand",
        answers(employer_kind="rural_household"),
        "excluded_rural_hired_hand",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "contractor_baogongtou",
        answers(
            employer_kind="contractor_person",
            category="wages",
            employment_status="left",
            event_date=None,
            end_date=RECENT,
        ),
        "staff_review_contractor",
        "staff_review",
        True,
        ("labour_inspection_option", "legal_aid", "limitation_arrears_running_after_end"),
        {"contractor", "wage_arrears"},
    ),
    (
        "employer_kind_unsure",
        answers(employer_kind="unsure"),
        "staff_review_employer_unclear",
        "staff_review",
        True,
        (),
        {"employer_unclear"},
    ),
    (
        "civil_servant",
        answers(employer_kind="public_body", public_relation="civil_servant"),
        "staff_review_civil_servant",
        "staff_review",
        True,
        ("civil_servant_time_limits",),
        {"civil_servant"},
    ),
    (
        "agency_benefits",
        answers(category="agency_benefits"),
        "excluded_agency_benefits",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "housing_reform",
        answers(category="housing_reform"),
        "excluded_housing_reform",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "appraisal_objection",
        answers(category="appraisal_objection"),
        "excluded_appraisal",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "injury_recognition",
        answers(category="injury_recognition", injury_employer="admits"),
        "excluded_injury_recognition",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "injury_treatment_in_scope",
        answers(category="injury_treatment"),
        "in_scope",
        "in_scope",
        True,
        ("legal_aid",),
        set(),
    ),
    (
        "arrears_employed_old_no_limitation",
        answers(**WAGES_EMPLOYED, arrears_date=OLD),
        "in_scope",
        "in_scope",
        True,
        ("labour_inspection_option", "legal_aid", "arrears_while_employed"),
        {"wage_arrears"},
    ),
    (
        "arrears_left_over_a_year",
        answers(**WAGES_LEFT, end_date=OLD),
        "in_scope",
        "in_scope",
        True,
        ("labour_inspection_option", "legal_aid", "limitation_arrears_after_end"),
        {"wage_arrears", "limitation"},
    ),
    (
        "arrears_left_recent",
        answers(**WAGES_LEFT, end_date=RECENT),
        "in_scope",
        "in_scope",
        True,
        ("labour_inspection_option", "legal_aid", "limitation_arrears_running_after_end"),
        {"wage_arrears"},
    ),
    (
        "arrears_left_date_unknown",
        answers(**WAGES_LEFT, end_date="unknown"),
        "in_scope",
        "in_scope",
        True,
        ("labour_inspection_option", "legal_aid", "date_unknown"),
        {"wage_arrears", "date_unknown"},
    ),
    (
        "dismissal_over_a_year",
        answers(event_date=OLD),
        "in_scope",
        "in_scope",
        True,
        ("limitation",),
        {"limitation"},
    ),
    (
        "exactly_one_year_is_not_over",
        answers(event_date="2024-06-01"),
        "in_scope",
        "in_scope",
        True,
        (),
        set(),
    ),
    (
        "one_year_and_a_day_is_over",
        answers(event_date="2024-05-31"),
        "in_scope",
        "in_scope",
        True,
        ("limitation",),
        {"limitation"},
    ),
    (
        "still_employed_non_wage_over_a_year",
        answers(category="working_conditions", employment_status="employed", event_date=OLD),
        "in_scope",
        "in_scope",
        True,
        ("limitation",),
        {"limitation"},
    ),
    (
        "date_unknown",
        answers(event_date="unknown"),
        "in_scope",
        "in_scope",
        True,
        ("date_unknown",),
        {"date_unknown"},
    ),
    (
        "collective_ten_plus",
        answers(
            category="wages",
            employment_status="employed",
            event_date=None,
            arrears_date=RECENT,
            workers_count="ten_plus",
        ),
        "in_scope",
        "in_scope",
        True,
        ("labour_inspection_option", "legal_aid", "arrears_while_employed", "collective"),
        {"wage_arrears", "collective"},
    ),
    (
        "several_workers_not_collective",
        answers(workers_count="several"),
        "in_scope",
        "in_scope",
        True,
        (),
        set(),
    ),
    (
        "pensioner",
        answers(pension="yes"),
        "staff_review_pensioner",
        "staff_review",
        True,
        (),
        {"pension"},
    ),
    (
        "retirement_age_no_pension",
        answers(pension="retirement_age"),
        "staff_review_retirement_age",
        "staff_review",
        True,
        (),
        {"retirement_age"},
    ),
    (
        "pensioner_claiming_from_agency_is_agency_route",
        answers(category="agency_benefits", pension="yes"),
        "excluded_agency_benefits",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "category_other",
        answers(category="other"),
        "staff_review_category_other",
        "staff_review",
        True,
        (),
        {"category_other"},
    ),
    (
        "work_district_elsewhere",
        answers(work_location="district"),
        "in_scope",
        "in_scope",
        True,
        (),
        set(),
    ),
    (
        "work_outside_employer_inside",
        answers(work_location="outside", employer_location="street:西林镇"),
        "in_scope",
        "in_scope",
        True,
        (),
        set(),
    ),
    (
        "work_outside_employer_district",
        answers(work_location="outside", employer_location="district"),
        "in_scope",
        "in_scope",
        True,
        (),
        set(),
    ),
    (
        "both_outside",
        answers(work_location="outside", employer_location="outside"),
        "outside_district",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "outside_employer_location_unknown",
        answers(work_location="outside", employer_location="unknown"),
        "staff_review_jurisdiction",
        "staff_review",
        True,
        (),
        {"jurisdiction_unclear"},
    ),
    (
        "contractor_but_both_outside",
        answers(
            employer_kind="contractor_person", work_location="outside", employer_location="outside"
        ),
        "outside_district",
        "out_of_scope",
        True,
        (),
        {"contractor"},
    ),
    (
        "first_review_wins",
        answers(employer_kind="contractor_person", pension="yes"),
        "staff_review_contractor",
        "staff_review",
        True,
        (),
        {"contractor", "pension"},
    ),
    (
        "already_in_arbitration",
        answers(proceedings="arbitration"),
        "already_in_arbitration",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "already_in_court",
        answers(proceedings="court"),
        "already_in_court",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "employer_applicant",
        answers(applicant_role="employer"),
        "in_scope",
        "in_scope",
        True,
        (),
        set(),
    ),
    (
        "employer_applicant_wages_no_inspection_route",
        answers(applicant_role="employer", **WAGES_EMPLOYED, arrears_date=RECENT),
        "in_scope",
        "in_scope",
        True,
        ("arrears_while_employed",),
        {"wage_arrears"},
    ),
    (
        "employer_household",
        answers(applicant_role="employer", employer_kind="household"),
        "excluded_domestic_helper",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    # ---- issue 17: routes a labour-law reader asked for ------------------------------------------
    (
        "injury_recognition_employer_denies_relationship",  # point 1
        answers(category="injury_recognition", injury_employer="denies"),
        "in_scope",
        "in_scope",
        True,
        ("injury_relationship_first", "legal_aid"),
        {"injury_relationship"},
    ),
    (
        "injury_recognition_contractor_site_unsure",  # point 1, labour contractor on a site
        answers(
            employer_kind="contractor_person",
            category="injury_recognition",
            injury_employer="unsure",
        ),
        "staff_review_contractor",
        "staff_review",
        True,
        ("injury_relationship_first", "legal_aid"),
        {"contractor", "injury_relationship"},
    ),
    (
        "public_institution_sanction_goes_to_review_and_complaint",  # point 2
        answers(employer_kind="public_body", public_relation="personnel", category="sanction"),
        "staff_review_sanction_appeal",
        "staff_review",
        True,
        (),
        set(),
    ),
    (
        "contract_civil_servant_60_days",  # point 2
        answers(employer_kind="public_body", public_relation="civil_servant", category="personnel"),
        "staff_review_civil_servant",
        "staff_review",
        True,
        ("civil_servant_time_limits",),
        {"civil_servant"},
    ),
    (
        "social_insurance_back_payment_only",  # point 3
        answers(category="social_insurance", si_claim="back_payment"),
        "referred_si_back_payment",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "social_insurance_resign_and_compensation",  # point 3
        answers(category="social_insurance", si_claim="resign"),
        "in_scope",
        "in_scope",
        True,
        ("si_back_payment_elsewhere",),
        set(),
    ),
    (
        "social_insurance_claim_unclear",  # point 3
        answers(category="social_insurance", si_claim="unsure"),
        "staff_review_si_claim",
        "staff_review",
        True,
        ("si_back_payment_elsewhere",),
        {"si_claim_unclear"},
    ),
    (
        "employer_social_insurance_back_payment",  # point 3, employer wording
        answers(applicant_role="employer", category="social_insurance", si_claim="back_payment"),
        "referred_si_back_payment",
        "out_of_scope",
        True,
        (),
        set(),
    ),
    (
        "employer_injury_relationship_no_worker_notices",  # worker-only warnings stay hidden
        answers(applicant_role="employer", category="injury_recognition", injury_employer="denies"),
        "in_scope",
        "in_scope",
        True,
        (),
        {"injury_relationship"},
    ),
    (
        "employer_collective",
        answers(applicant_role="employer", workers_count="ten_plus"),
        "in_scope",
        "in_scope",
        True,
        ("collective",),
        {"collective"},
    ),
]


@pytest.mark.parametrize(
    ("given", "outcome_id", "kind", "has_route", "warnings", "flags"),
    [pytest.param(*s[1:], id=s[0]) for s in SCENARIOS],
)
def test_screening_scenarios(
    rules: ScopeRules,
    given: dict[str, str],
    outcome_id: str,
    kind: str,
    has_route: bool,
    warnings: tuple[str, ...],
    flags: set[str],
) -> None:
    result = run(rules, given)
    assert result.outcome.id == outcome_id
    assert result.outcome.kind == kind
    assert (result.outcome.route is not None) == has_route
    assert tuple(w.id for w in result.warnings) == warnings
    assert result.flags == frozenset(flags)
    assert result.facts["role"] == given["applicant_role"]


def test_scenario_table_covers_every_outcome_and_warning(rules: ScopeRules) -> None:
    seen_outcomes = {s[2] for s in SCENARIOS}
    seen_warnings = {w for s in SCENARIOS for w in s[5]}
    assert seen_outcomes == set(rules.outcome_ids)
    assert seen_warnings == set(rules.warning_ids)


def test_facts_for_intake(rules: ScopeRules) -> None:
    result = run(
        rules,
        answers(
            work_location="outside",
            employer_location="street:西林镇",
            category="wages",
            end_date=OLD,
            event_date=None,
        ),
    )
    assert dict(result.facts) == {
        "role": "worker",
        "proceedings": "none",
        "employer_kind": "enterprise",
        "category": "wages",
        "pension": "no",
        "work_location": "outside",
        "employer_location": "street:西林镇",
        "employer_street": "西林镇",
        "jurisdiction": "employer_location",
        "employment_status": "left",
        "end_date": OLD,
        "workers_count": "one",
    }
    assert result.path == (
        "applicant_role",
        "proceedings",
        "employer_kind",
        "category",
        "pension",
        "work_location",
        "employer_location",
        "employment_status",
        "end_date",
        "workers_count",
    )
    street = run(rules, answers())
    assert street.facts["work_street"] == "东城街道"
    assert street.facts["jurisdiction"] == "work_place"


def test_asks_one_question_at_a_time(rules: ScopeRules) -> None:
    a: dict[str, str] = {}
    step = rules.next_step(a, today=TODAY, district=DISTRICT, streets=STREETS)
    assert isinstance(step, Ask)
    assert step.question.id == "applicant_role"
    assert [c.id for c in step.choices] == ["worker", "employer"]
    full = answers()
    for qid in ("applicant_role", "proceedings", "employer_kind", "category", "pension"):
        a[qid] = full[qid]
    step = rules.next_step(a, today=TODAY, district=DISTRICT, streets=STREETS)
    assert isinstance(step, Ask)
    assert step.question.kind == "location"
    assert [c.id for c in step.choices] == [
        "street:东城街道",
        "street:西林镇",
        "district",
        "outside",
    ]
    assert step.choices[0].label == {"zh_CN": "东城街道", "en": "东城街道"}
    assert step.choices[2].label["zh_CN"] == "示例区的其他地方"
    assert step.question.choices == step.choices


def test_employer_location_offers_unknown(rules: ScopeRules) -> None:
    a = answers(work_location="outside")
    del a["employment_status"]
    step = rules.next_step(a, today=TODAY, district=DISTRICT, streets=STREETS)
    assert isinstance(step, Ask)
    assert step.question.id == "employer_location"
    assert [c.id for c in step.choices][-3:] == ["district", "outside", "unknown"]


def test_date_question_and_dont_remember_choice(rules: ScopeRules) -> None:
    a = answers()
    del a["event_date"]
    step = rules.next_step(a, today=TODAY, district=DISTRICT, streets=STREETS)
    assert isinstance(step, Ask)
    assert step.question.id == "event_date"
    assert step.question.kind == "date"
    assert [c.id for c in step.choices] == ["unknown"]


@pytest.mark.parametrize(
    ("arrears", "expected"),
    [({"employment_status": "employed"}, "arrears_date"), ({}, "end_date")],
)
def test_wage_date_question_depends_on_status(
    rules: ScopeRules, arrears: dict[str, str], expected: str
) -> None:
    a = answers(category="wages", event_date=None, **arrears)
    step = rules.next_step(a, today=TODAY, district=DISTRICT, streets=STREETS)
    assert isinstance(step, Ask)
    assert step.question.id == expected


def test_personnel_category_only_for_public_bodies(rules: ScopeRules) -> None:
    def category_choices(**over: str | None) -> list[str]:
        a = answers(category=None, **over)
        step = rules.next_step(a, today=TODAY, district=DISTRICT, streets=STREETS)
        assert isinstance(step, Ask)
        assert step.question.id == "category"
        return [c.id for c in step.choices]

    assert "personnel" not in category_choices()
    assert "personnel" in category_choices(employer_kind="public_body", public_relation="personnel")
    with pytest.raises(ValueError, match="personnel"):
        run(rules, answers(category="personnel"))


def test_employer_wording(rules: ScopeRules) -> None:
    a = {"applicant_role": "employer", "proceedings": "none"}
    step = rules.next_step(a, today=TODAY, district=DISTRICT, streets=STREETS)
    assert isinstance(step, Ask)
    assert step.question.text["zh_CN"] == "贵单位属于哪一类？"
    labels = {c.id: c.label["zh_CN"] for c in step.choices}
    assert labels["household"].startswith("我们是家庭")
    assert rules.question("employer_kind").text["zh_CN"].startswith("您是给谁干活")
    recognition = {"category": "injury_recognition", "injury_employer": "admits"}
    worker = run(rules, answers(**recognition))
    employer = run(rules, answers(applicant_role="employer", **recognition))
    assert worker.outcome.route != employer.outcome.route
    assert "30日内" in employer.outcome.route["zh_CN"]
    assert "1年内" in worker.outcome.route["zh_CN"]


def test_district_is_filled_in(rules: ScopeRules) -> None:
    result = run(rules, answers(work_location="outside", employer_location="outside"))
    assert "示例区" in result.outcome.title["zh_CN"]
    assert "{district}" not in result.outcome.reason["en"]
    collective = run(rules, answers(workers_count="ten_plus"))
    assert "示例区人力资源和社会保障局" in collective.warnings[0].text["zh_CN"]


def test_leap_day_today(rules: ScopeRules) -> None:
    today = date(2024, 2, 29)
    assert not run(rules, answers(event_date="2023-02-28"), today).warnings
    assert run(rules, answers(event_date="2023-02-27"), today).warnings[0].id == "limitation"


def test_answers_off_the_path_are_ignored(rules: ScopeRules) -> None:
    a = answers(proceedings="court")
    assert run(rules, a).outcome.id == "already_in_court"
    assert run(rules, a).path == ("applicant_role", "proceedings")


@pytest.mark.parametrize(
    ("qid", "value"),
    [
        ("applicant_role", "judge"),
        ("employer_kind", "street:东城街道"),
        ("work_location", "street:北山乡"),
        ("work_location", "东城街道"),
        ("event_date", "2025/03/01"),
        ("event_date", "2025-13-01"),
        ("event_date", "2025-3-1"),
        ("event_date", "2025-06-02"),  # the future
        ("event_date", "recent"),
        ("workers_count", ""),
    ],
)
def test_invalid_answers_raise(rules: ScopeRules, qid: str, value: str) -> None:
    with pytest.raises(ValueError, match=qid):
        run(rules, answers(**{qid: value}))


def test_text_fallback() -> None:
    assert ScopeRules.text({"zh_CN": "中文", "en": "English"}, "en") == "English"
    assert ScopeRules.text({"zh_CN": "中文"}, "fr") == "中文"
    assert ScopeRules.text(None, "en") == ""


# ---- the rules file -----------------------------------------------------------------------------


def test_rules_file_loads_and_validates(rules: ScopeRules) -> None:
    assert load_scope_rules(RULES_PATH).question_ids == rules.question_ids
    assert rules.question_ids[0] == "applicant_role"
    assert len(rules.outcome_ids) >= 15


def _dicts_complete(d: Mapping[str, str] | None) -> bool:
    return d is not None and all(isinstance(d.get(k), str) and d[k].strip() for k in LOCALES)


@pytest.mark.parametrize("role", ["worker", "employer"])
def test_outcomes_and_warnings_have_both_locales_and_citations(
    rules: ScopeRules, role: str
) -> None:
    for oid in rules.outcome_ids:
        o = rules.outcome(oid, role, DISTRICT)
        assert _dicts_complete(o.title), oid
        assert _dicts_complete(o.reason), oid
        assert o.kind == "in_scope" or _dicts_complete(o.route), oid
        assert all(_dicts_complete(r) for r in o.extra_routes), oid
        assert o.statutes, f"{oid} cites no law"
        for c in o.statutes:
            assert _dicts_complete(c.law) and c.article.startswith("第") and c.article_en
            assert c.label("zh_CN").startswith("《") and "Art." in c.label("en")
        assert "{district}" not in str(o)
    for wid in rules.warning_ids:
        w = rules.warning(wid, role, DISTRICT)
        assert _dicts_complete(w.text), wid
        assert w.statutes, f"{wid} cites no law"
    for qid in rules.question_ids:
        q = rules.question(qid, role, DISTRICT)
        assert _dicts_complete(q.text), qid
        assert q.help is None or _dicts_complete(q.help), qid
        assert all(_dicts_complete(c.label) for c in q.choices), qid


def test_exclusions_cite_the_interpretation(rules: ScopeRules) -> None:
    expected = {
        "excluded_agency_benefits": "第二条（一）",
        "excluded_housing_reform": "第二条（二）",
        "excluded_appraisal": "第二条（三）",
        "excluded_domestic_helper": "第二条（四）",
        "excluded_craftsman_helper": "第二条（五）",
        "excluded_rural_hired_hand": "第二条（六）",
    }
    for oid, article in expected.items():
        cites = rules.outcome(oid).statutes
        assert any(c.article == article and "解释（一）" in c.law["zh_CN"] for c in cites), oid
    labels = {c.label("zh_CN") for c in rules.outcome("excluded_injury_recognition").statutes}
    assert labels == {
        "《工伤保险条例》第十七条",
        "《工伤保险条例》第五十五条",
        "《最高人民法院关于审理工伤保险行政案件若干问题的规定》第七条",
    }
    assert rules.outcome("excluded_appraisal").statutes[1].article == "第二十六条"
    pensioner = rules.outcome("staff_review_pensioner").statutes[0]
    assert (pensioner.article, pensioner.law["zh_CN"]) == ("第四十四条", "中华人民共和国劳动合同法")
    retirement = rules.outcome("staff_review_retirement_age").statutes
    assert [c.label("zh_CN") for c in retirement] == [
        "《中华人民共和国劳动合同法实施条例》第二十一条"
    ]
    assert rules.warning("labour_inspection_option").statutes[0].article == "第九条"
    assert rules.warning("collective").statutes[0].article == "第七条"
    assert rules.outcome("outside_district").statutes[0].article == "第二十一条"
    assert rules.outcome("already_in_arbitration").statutes[0].article == "第四十二条"


def _walk(rules: ScopeRules, today: date) -> tuple[int, set[str]]:
    """Depth-first over every choice (and a recent and an old date); counts finished paths."""
    old, recent = "2023-01-15", today.isoformat()
    reached: set[str] = set()
    paths = 0
    stack: list[dict[str, str]] = [{}]
    while stack:
        a = stack.pop()
        step = rules.next_step(a, today=today, district=DISTRICT, streets=STREETS[:1])
        if isinstance(step, Result):
            assert step.outcome.id in rules.outcome_ids
            reached.add(step.outcome.id)
            paths += 1
            continue
        assert len(a) < len(rules.question_ids), "path longer than the number of questions"
        values = [c.id for c in step.choices]
        if step.question.kind == "date":
            values += [recent, old]
        assert values, f"question {step.question.id} offers nothing"
        stack.extend({**a, step.question.id: v} for v in values)
    return paths, reached


def test_every_path_ends_in_an_outcome(rules: ScopeRules) -> None:
    paths, reached = _walk(rules, TODAY)
    assert paths > 1000
    assert reached == set(rules.outcome_ids)


def test_doc_names_every_question_and_outcome(rules: ScopeRules) -> None:
    doc = DOC_PATH.read_text(encoding="utf-8")
    assert "```mermaid" in doc
    for x in (*rules.question_ids, *rules.outcome_ids, *rules.warning_ids):
        assert x in doc, x


# ---- broken rules files give clear errors --------------------------------------------------------

MINIMAL = """
start = "q1"
[laws.l]
zh_CN = "某法"
en = "Some Law"

[[question]]
id = "q1"
kind = "choice"
text = { zh_CN = "问题？", en = "Question?" }
  [[question.choice]]
  id = "a"
  label = { zh_CN = "甲", en = "A" }
  next = "q2"
  [[question.choice]]
  id = "b"
  label = { zh_CN = "乙", en = "B" }
  outcome = "o1"
  warnings = ["w1"]

[[question]]
id = "q2"
kind = "choice"
text = { zh_CN = "问题二？", en = "Question two?" }
then = [{ when = { q1 = "a" }, outcome = "o1" }, { outcome = "o2" }]
  [[question.choice]]
  id = "x"
  label = { zh_CN = "是", en = "Yes" }
  review = "o2"

[[outcome]]
id = "o1"
kind = "in_scope"
title = { zh_CN = "可以", en = "Yes" }
reason = { zh_CN = "因为", en = "Because" }
statutes = [{ law = "l", article = "第一条", article_en = "Art. 1" }]

[[outcome]]
id = "o2"
kind = "staff_review"
title = { zh_CN = "待定", en = "Review" }
reason = { zh_CN = "因为", en = "Because" }

[[warning]]
id = "w1"
text = { zh_CN = "注意", en = "Note" }
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scope.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_rules_file_is_valid(tmp_path: Path) -> None:
    rules = load_scope_rules(_write(tmp_path, MINIMAL))
    result = rules.next_step({"q1": "a", "q2": "x"}, today=TODAY, district="D", streets=())
    assert isinstance(result, Result)
    assert result.outcome.id == "o2"  # in scope, but a staff review is pending


BROKEN: list[tuple[str, tuple[str, str], str]] = [
    (
        "unknown_next",
        ('next = "q2"', 'next = "q9"'),
        "scope.toml: question 'q1' choice 'a': unknown next 'q9'",
    ),
    (
        "unknown_outcome",
        ('outcome = "o1"\n  warnings', 'outcome = "o7"\n  warnings'),
        "scope.toml: question 'q1' choice 'b': unknown outcome 'o7'",
    ),
    (
        "missing_english",
        ('{ zh_CN = "乙", en = "B" }', '{ zh_CN = "乙" }'),
        "scope.toml: question 'q1' choice 'b': 'label' needs non-empty texts for zh_CN, en",
    ),
    (
        "empty_text",
        (
            'reason = { zh_CN = "因为", en = "Because" }\nstatutes',
            'reason = { zh_CN = "因为", en = " " }\nstatutes',
        ),
        "scope.toml: outcome 'o1': 'reason' needs non-empty texts",
    ),
    (
        "unreachable_question",
        ('next = "q2"', 'outcome = "o1"'),
        "scope.toml: question 'q2': unreachable",
    ),
    (
        "cycle",
        ('review = "o2"', 'review = "o2"\n  next = "q1"'),
        "scope.toml: questions: cycle q1 -> q2 -> q1",
    ),
    (
        "unknown_warning",
        ('warnings = ["w1"]', 'warnings = ["w9"]'),
        "scope.toml: question 'q1' choice 'b': unknown warning 'w9'",
    ),
    ("unknown_law", ('law = "l"', 'law = "nope"'), "scope.toml: outcome 'o1': bad citation"),
    (
        "review_not_staff",
        ('review = "o2"', 'review = "o1"'),
        "scope.toml: question 'q2' choice 'x': review 'o1' is not a staff_review outcome",
    ),
    (
        "condition_on_unknown_fact",
        ('when = { q1 = "a" }', 'when = { q7 = "a" }'),
        "scope.toml: question 'q2' choice 'x': condition on unknown fact/value 'q7'",
    ),
    (
        "condition_on_unknown_value",
        ('when = { q1 = "a" }', 'when = { q1 = "z" }'),
        "scope.toml: question 'q2' choice 'x': condition on unknown fact/value 'q1'",
    ),
    (
        "last_then_conditional",
        ('{ outcome = "o2" }', '{ when = { q1 = "b" }, outcome = "o2" }'),
        "scope.toml: question 'q2' choice 'x': the last 'then' item must have no 'when'",
    ),
    (
        "empty_then",
        ('then = [{ when = { q1 = "a" }, outcome = "o1" }, { outcome = "o2" }]', "then = []"),
        "scope.toml: question 'q2' choice 'x': the last 'then' item must have no 'when'",
    ),
    (
        "bad_kind",
        ('kind = "staff_review"', 'kind = "maybe"'),
        "scope.toml: outcome 'o2': missing/duplicate id, or kind not in",
    ),
    (
        "unused_outcome",
        ('review = "o2"', 'outcome = "o1"'),
        "scope.toml: outcome 'o2': unreachable",
    ),
    ("invalid_toml", ('start = "q1"', "start = q1"), "scope.toml: invalid TOML"),
]


@pytest.mark.parametrize(("edit", "message"), [pytest.param(*b[1:], id=b[0]) for b in BROKEN])
def test_broken_rules_file_gives_clear_error(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    old, new = edit
    assert old in MINIMAL
    with pytest.raises(ScopeRulesError) as err:
        load_scope_rules(_write(tmp_path, MINIMAL.replace(old, new, 1)))
    assert str(err.value).startswith(message)


def test_broken_real_file_names_the_choice(tmp_path: Path) -> None:
    text = RULES_PATH.read_text(encoding="utf-8")
    broken = text.replace('  outcome = "excluded_housing_reform"', '  next = "housing_q"', 1)
    with pytest.raises(ScopeRulesError) as err:
        load_scope_rules(_write(tmp_path, broken))
    assert str(err.value) == (
        "scope.toml: question 'category' choice 'housing_reform': unknown next 'housing_q'"
    )


def _load_raw() -> dict[str, Any]:
    import tomllib

    return tomllib.loads(RULES_PATH.read_text(encoding="utf-8"))


def test_every_exclusion_is_commented_with_its_citation() -> None:
    """Legal reviewers read the TOML: each exclusion sits right under a comment citing the law."""
    text = RULES_PATH.read_text(encoding="utf-8").splitlines()
    raw = _load_raw()
    out = {o["id"] for o in raw["outcome"] if o["id"].startswith("excluded_")}
    for i, line in enumerate(text):
        target = line.strip().removeprefix('outcome = "').rstrip('"')
        if line.strip().startswith("outcome = ") and target in out:
            block = "\n".join(text[max(0, i - 8) : i])
            assert "# " in block and ("第" in block or "解释" in block), target


# ---- issue 17: the texts say what the law says -------------------------------------------------


def _labels(cites: tuple) -> set[str]:  # type: ignore[type-arg]
    return {c.label("zh_CN") for c in cites}


def test_civil_servants_hear_60_days_and_30_days_not_one_year(rules: ScopeRules) -> None:
    result = run(rules, answers(employer_kind="public_body", public_relation="civil_servant"))
    reason = result.outcome.reason["zh_CN"]
    assert "60日内" in reason and "30日内" in reason and "不是一年" in reason
    assert "《中华人民共和国公务员法》第一百零五条" in _labels(result.outcome.statutes)
    assert "60 days" in result.warnings[0].text["en"]


def test_public_institution_sanction_cites_article_38(rules: ScopeRules) -> None:
    o = rules.outcome("staff_review_sanction_appeal")
    assert "《事业单位人事管理条例》第三十八条" in _labels(o.statutes)
    assert "复核" in o.reason["zh_CN"] and "申诉" in o.reason["zh_CN"]


def test_injury_relationship_notice_explains_the_one_year_limit(rules: ScopeRules) -> None:
    result = run(rules, answers(category="injury_recognition", injury_employer="denies"))
    assert result.facts["category"] == "labour_relationship"  # intake pre-fills "confirm"
    notice = result.warnings[0]
    assert "不计算在1年" in notice.text["zh_CN"]
    assert "《最高人民法院关于审理工伤保险行政案件若干问题的规定》第七条" in _labels(
        notice.statutes
    )


def test_back_payment_route_and_citations(rules: ScopeRules) -> None:
    o = rules.outcome("referred_si_back_payment")
    assert {
        "《中华人民共和国社会保险法》第六十三条",
        "《中华人民共和国社会保险法》第八十六条",
    } <= _labels(o.statutes)
    assert "劳动保障监察" in o.route["zh_CN"]


def test_court_outcome_cites_delegation_and_arbitration_first(rules: ScopeRules) -> None:
    o = rules.outcome("already_in_court")
    assert "先申请仲裁" in o.reason["zh_CN"]
    labels = _labels(o.statutes)
    assert "《最高人民法院关于人民法院特邀调解的规定》第十一条" in labels
    assert "《最高人民法院关于人民法院民事调解工作若干问题的规定》第一条" in labels


def test_jurisdiction_cites_rule_8_and_limitation_says_if_still_running(rules: ScopeRules) -> None:
    for oid in ("outside_district", "staff_review_jurisdiction"):
        assert "《劳动人事争议仲裁办案规则》第八条" in _labels(rules.outcome(oid).statutes)
    for wid in ("limitation", "limitation_arrears_after_end", "date_unknown"):
        w = rules.warning(wid)
        assert "如果时效还没过" in w.text["zh_CN"], wid
        assert "《劳动人事争议仲裁办案规则》第二十七条" in _labels(w.statutes), wid


def test_every_other_route_offers_legal_aid(rules: ScopeRules) -> None:
    for oid in rules.outcome_ids:
        o = rules.outcome(oid)
        if o.kind == "out_of_scope":
            assert any("12348" in r["zh_CN"] for r in o.extra_routes), oid
    aid = rules.warning("legal_aid")
    assert "《中华人民共和国法律援助法》第四十二条" in _labels(aid.statutes)
