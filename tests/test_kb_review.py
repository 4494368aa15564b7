"""`mediation-bot kb check` keeps the law right: review age, repealed laws, uncited articles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.faq_check import check_kb
from knowledge.faq_review import chinese_number, stated_articles
from tests.test_faq import LAWS, entry, run_cli, write_sample

TODAY = date(2026, 12, 4)

REPEALED_LAWS = (
    LAWS
    + """
[laws.old_rules]
zh_CN = "劳动争议仲裁委员会办案规则（1993）"
en = "Rules for Labour Dispute Arbitration Committees (1993)"
status = "superseded"
superseded_by = "labour_contract_law"

[laws.gone]
zh_CN = "某已废止的规定"
en = "A repealed provision"
status = "repealed"

[laws.spc_interpretation_1]
zh_CN = "最高人民法院关于审理劳动争议案件适用法律问题的解释（一）"
en = "SPC Interpretation (I)"
status = "in_force"
in_force_from = 2021-01-01
repealed_articles = ["第三十二条第一款"]
"""
)


def check(tmp_path: Path, *entries: str, laws: str = REPEALED_LAWS, **kw: object) -> list[str]:
    folder = write_sample(tmp_path, list(entries))
    (folder / "laws.toml").write_text(laws, encoding="utf-8")
    return check_kb(folder, today=TODAY, **kw)  # type: ignore[arg-type]


def test_a_clean_entry_passes(tmp_path: Path) -> None:
    ok = entry("x.ok", "标题", ["问法"], answer="依照劳动合同法第30条，工资要按时足额发。")
    assert check(tmp_path, ok) == []


def test_fails_when_reviewed_more_than_18_months_ago(tmp_path: Path) -> None:
    stale = entry("x.old", "标题", ["问法"])
    stale = stale.replace("reviewed = 2026-11-22", "reviewed = 2025-06-03")
    problems = check(tmp_path, stale)
    assert problems == [
        "sample.toml: x.old: reviewed 2025-06-03 is more than 18 months ago (before "
        "2025-06-04): check it again against the official text"
    ]
    fresh = stale.replace("2025-06-03", "2025-06-04")  # exactly 18 months: still fine
    assert check(tmp_path, fresh) == []
    assert check(tmp_path, fresh, max_review_age_months=12)  # the age is configurable


@pytest.mark.parametrize(
    ("law", "article", "message"),
    [
        ("old_rules", "第三十条", "cites old_rules 第三十条, which is superseded (superseded by "
         "labour_contract_law)"),
        ("gone", "第一条", "cites gone 第一条, which is repealed"),
        ("spc_interpretation_1", "第三十二条第一款", "第三十二条第一款 is repealed"),
        ("spc_interpretation_1", "第三十二条", "第三十二条第一款 is repealed"),
    ],
)  # fmt: skip
def test_fails_on_a_repealed_or_superseded_citation(
    tmp_path: Path, law: str, article: str, message: str
) -> None:
    problems = check(tmp_path, entry("x.law", "标题", ["问法"], law=law, article=article))
    assert any(message in p for p in problems), problems


def test_a_paragraph_still_in_force_may_be_cited(tmp_path: Path) -> None:
    kept = entry("x.ok", "标题", ["问法"], law="spc_interpretation_1", article="第三十二条第二款")
    assert check(tmp_path, kept) == []


@pytest.mark.parametrize(
    ("answer", "missing"),
    [
        ("单位违法解除的，可以要求二倍赔偿金（第87条）。", "87"),
        ("依照劳动合同法第八十七条，单位应当支付赔偿金。", "87"),
        ("见第30条、第46条。", "46"),
        ("See Labour Contract Law Arts. 30 and 46.", "46"),
        ("See Arts. 29–31.", "29, 31"),
    ],
)
def test_fails_when_an_answer_states_an_article_it_does_not_cite(
    tmp_path: Path, answer: str, missing: str
) -> None:
    locale = "en" if answer.startswith("See") else "zh_CN"
    text = entry("x.art", "标题", ["问法"])
    text += f'{"answer" if locale == "zh_CN" else "more"}.{locale} = "{answer}"\n'
    if locale == "zh_CN":
        text = entry("x.art", "标题", ["问法"], answer=answer)
    problems = check(tmp_path, text)
    assert any(f"states article(s) {missing} not listed in statutes" in p for p in problems), (
        problems
    )


def test_every_law_needs_a_status(tmp_path: Path) -> None:
    laws = LAWS.replace('status = "in_force"\n', "", 1)
    problems = check(tmp_path, entry("x.ok", "标题", ["问法"]), laws=laws)
    assert problems == [
        "laws.toml: labour_contract_law: status should be one of in_force, amended, repealed, "
        "superseded"
    ]
    bad = LAWS + '\n[laws.z]\nzh_CN = "乙"\nen = "Z"\nstatus = "superseded"\n'
    assert "superseded_by should name" in " ".join(check(tmp_path, laws=bad))


def test_number_reading() -> None:
    assert [chinese_number(s) for s in ("三十九", "十", "一百零六", "二百七十六", "39")] == [
        39, 10, 106, 276, 39
    ]  # fmt: skip
    assert stated_articles("第十四条、第15条；Art. 27; Arts. 35–37") == {14, 15, 27, 35, 36, 37}


def test_cli_fails_on_a_stale_entry_and_takes_the_age(tmp_path: Path) -> None:
    stale = entry("x.old", "标题", ["问法"])
    stale = stale.replace("reviewed = 2026-11-22", "reviewed = 2020-01-01")
    folder = write_sample(tmp_path / "kb", [stale])
    out = run_cli(["kb", "check", str(folder)], tmp_path)
    assert out.returncode == 1 and "more than 18 months ago" in out.stdout
    lenient = run_cli(["kb", "check", "--max-review-age", "1200", str(folder)], tmp_path)
    assert lenient.returncode == 0, lenient.stdout


def test_the_real_knowledge_base_passes_today() -> None:
    assert check_kb(today=TODAY) == []
