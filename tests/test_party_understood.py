"""Issue 20, "parties are understood": what a worker types the way people talk is read right.

Driven through the platform-neutral core, as every channel drives it (tests/test_detours.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bot.config import Settings
from handlers.app import Core
from handlers.office.document_context import build_context
from storage.db import Database
from storage.models import Case
from tests.test_detours import NARRATIVE, Party, screened_and_consented, up_to_the_narrative


async def test_words_landline_and_impossible_dates_are_understood(
    settings: Settings, db: Database
) -> None:
    p = Party(Core(settings, db))
    await screened_and_consented(p)
    refused = await p.say("😀😀")  # point 12: a name of emoji only
    assert "not only emoji or punctuation" in refused
    refused = await p.say("……！")
    assert "not only emoji or punctuation" in refused
    await p.say("张测试")
    refused = await p.say("0772-1234567")  # point 9: the worker's own phone stays a mobile
    assert "not a mainland mobile number" in refused
    await p.say("13912345678")
    await p.press("Skip")  # ID number
    await p.say("示例制造有限公司")
    await p.say("示例区示例路1号")
    await p.press("Skip")  # credit code
    asked = p.history[-1].text
    assert "landline" in asked
    await p.say("0772-1234567 转 123")  # the employer's landline, with extension
    await p.press("Done")
    await p.say("支付拖欠工资")
    refused = await p.say("好多钱")
    assert "as a number" in refused
    await p.say("一万二")  # point 7
    refused = await p.say("2026-02-30")  # point 8
    assert "There is no such date as 2026-02-30" in refused
    assert "could not read" not in refused
    await p.say("2025-03")
    await p.say("2026-09-30")
    await p.say("老板从七月开始不发工资。")
    await p.press("Done")
    summary = await p.press("Weekday mornings")
    assert "CN¥12,000.00" in summary
    assert "March 2025" in summary and "1, 2025" not in summary  # point 8: a month stays one
    assert "0772-1234567 转 123" in summary
    await p.press("Submit")
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
    assert str(case.amount_claimed) == "12000.00"
    assert case.respondent_phone == "0772-1234567 转 123"
    context = build_context(case, settings=settings)
    assert context["case"]["employment"] == "2025年3月至2026年9月30日"  # the documents too


async def test_a_date_question_gives_its_hint_once(settings: Settings, db: Database) -> None:
    """Point 10: the question and the bot each used to add their own example date."""
    p = Party(Core(settings, db), user="hint")
    await p.say("/lang en")
    await p.press("File a dispute")
    for label in (
        "I am the worker (employee)",
        "No, neither",
        "A company, factory, shop or other enterprise",
        "Unpaid or underpaid wages or overtime pay",
        "No",
        "示例街道",
    ):
        await p.press(label)
    asked = await p.press("No, I have left")
    assert asked.count("for example 2025-03-01") == 1, asked
    assert "2024-03-15" not in asked and "e.g." not in asked


def test_no_date_question_carries_its_own_example() -> None:
    """The bot adds the one hint; the questions in knowledge/scope.toml (both roles) do not."""
    text = (Path(__file__).parents[1] / "knowledge" / "scope.toml").read_text(encoding="utf-8")
    for block in text.split("[[question]]")[1:]:
        if 'kind = "date"' in block:
            assert "例如 20" not in block and "e.g. 20" not in block, block[:200]


async def test_long_narrative_limit_and_short_reminder(settings: Settings, db: Database) -> None:
    """Point 14: the narrative's own limit is named, and "(now: …)" shows an excerpt."""
    p = Party(Core(settings, db), user="long")
    assert NARRATIVE in await up_to_the_narrative(p)
    refused = await p.say("长" * 4500)  # over the engine's limit, at the narrative
    assert "under 2,000 characters" in refused and "4,000" not in refused
    refused = await p.say("长" * 2100)  # over the step's limit only
    assert "under 2,000" in refused
    story = "老板从七月开始不发工资，" * 60  # 720 characters
    await p.say(story)
    await p.press("Done")
    await p.press("Weekday mornings")
    await p.press("Change something")
    asked = await p.press("What happened")
    now = asked.split("(now: ", 1)[1]
    assert now.startswith("老板从七月开始不发工资") and "…" in now and len(now) < 80


async def test_back_offers_the_earlier_answer_and_errors_keep_the_buttons(
    settings: Settings, db: Database
) -> None:
    """Point 13."""
    p = Party(Core(settings, db), user="back")
    await screened_and_consented(p)
    await p.say("张测试")
    await p.say("13912345678")
    refused = await p.say("12345")  # the ID number, wrong: "or press Skip" comes with Skip
    assert "press Skip" in refused
    assert [b.label for b in p.history[-1].flat_buttons] == ["Skip"]
    back = await p.say("/back")  # back to the mobile: the earlier answer, with keep it
    assert "13912345678" in back
    assert "Keep as it is" in [b.label for b in p.history[-1].flat_buttons]
    asked = await p.press("Keep as it is")
    assert "ID number" in asked or "ID" in asked
    await p.press("Skip")
    await p.say("示例制造有限公司")
    await p.say("/back")
    back = await p.say("/back")  # two steps: to the ID number, skipped (nothing to keep)
    assert "Skip" in [b.label for b in p.history[-1].flat_buttons]
    await p.press("Skip")
    asked = p.history[-1].text
    again = await p.press("Keep as it is")  # the employer's name, given before
    assert "示例制造有限公司" in asked
    assert "address" in again


async def test_more_in_the_middle_of_an_application_asks_the_question_again(
    settings: Settings, db: Database
) -> None:
    """Point 13: 更多 (More) on an answer read mid-application comes back to the question."""
    p = Party(Core(settings, db), user="more")
    await screened_and_consented(p)
    await p.say("张测试")
    for question in ("老板拖欠工资怎么办？", "加班费怎么算？", "没签劳动合同怎么办？"):
        await p.say(question)
        if "More" in p.buttons():
            break
    assert "More" in p.buttons()
    more = await p.press("More")
    assert "back to where we were" in more
    assert "mobile" in more.split("back to where we were", 1)[1]


async def test_screening_answers_carry_over_and_contradictions_are_named(
    settings: Settings, db: Database
) -> None:
    """Point 11: leaving date pre-filled; a different date or count is kept but pointed out."""
    p = Party(Core(settings, db), user="carry")
    await screened_and_consented(p, workers="2 to 9")
    for answer in ("张测试", "13912345678"):
        await p.say(answer)
    await p.press("Skip")
    await p.say("示例制造有限公司")
    await p.say("示例区示例路1号")
    await p.press("Skip")
    await p.press("Skip")
    await p.press("Done")
    await p.say("支付拖欠工资")
    await p.say("12000")
    asked = await p.say("2024-03")
    assert "(now: October 1, 2026)" in asked  # the leaving date from the screening
    assert "Keep as it is" in p.buttons()
    noted = await p.say("2026-09-30")
    assert "Earlier you said the job ended on October 1, 2026" in noted
    assert "Please describe what happened" in noted  # kept, and on to the next question
    await p.say("老板从七月开始不发工资。")
    noted = await p.say("30人")
    assert "Earlier you said 2–9 workers; now 30" in noted
    fine = await p.say("/back")
    assert "(now: 30)" in fine
    assert "Earlier you said" not in await p.say("5")


async def test_status_says_what_matters_at_each_stage(settings: Settings, db: Database) -> None:
    """Point 15: acceptance target; agreed amount and due date; commission and last safe day."""
    p = Party(Core(settings, db), user="status")
    await up_to_the_narrative(p)
    await p.say("老板从七月开始不发工资。")
    await p.press("Done")
    await p.press("Weekday mornings")
    await p.press("Submit")
    status = await p.say("/status")
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
        assert case.accept_by is not None
        assert f"decides whether to accept it by {p_date(case.accept_by)}" in status
        case.state, case.outcome_amount, case.outcome_due = "agreement", Decimal("8500"), None
        case.outcome_due = date(2027, 1, 15)
        case.outcome_at = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)
        await s.commit()
    status = await p.say("/status")
    assert "Agreed amount: CN¥8,500.00" in status
    assert "carried out by: January 15, 2027" in status
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
        case.state = "failed"
        await s.commit()
    status = await p.say("/status")
    assert f"apply for arbitration to {settings.arbitration.commission}" in status
    assert "To be safe, apply no later than" in status


def p_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


async def test_an_employer_files_in_its_own_terms(settings: Settings, db: Database) -> None:
    """Point 16: contact person and address asked, employer wording, employer claims."""
    p = Party(Core(settings, db), user="unit")
    await p.say("/lang en")
    await p.press("File a dispute")
    await p.press("I represent the employer")
    await p.press("No, neither")
    assert "Not sure" not in p.buttons()[-9:]  # an employer knows what kind of unit it is
    await p.press("An enterprise")
    await p.press("Resigning or leaving")
    await p.press("No")
    await p.press("示例街道")
    asked = await p.press("No, the worker has left")
    assert "your unit found the breach" in asked and "dismissal, or the day you found" not in asked
    await p.say("2026-10-01")
    await p.press("One")
    await p.press("File")
    await p.press("I agree")
    await p.say("示例制造有限公司")
    assert "person handling this for your unit" in p.history[-1].text
    await p.say("李经理")
    await p.say("13912345678")
    asked = await p.press("Skip")  # credit code
    assert "unit's address" in asked
    await p.say("示例区工业路8号")
    await p.say("王测试")  # the worker
    await p.press("Skip")  # the worker's address
    await p.press("Skip")  # the worker's mobile
    offered = [b.label for b in p.history[-1].flat_buttons]
    assert "Return of training costs" in offered
    assert "Breach of the service period or non-compete" in offered
    assert "Damages caused by the worker" in offered
    assert "Overtime pay" not in offered and "Economic compensation" not in offered
    await p.press("Return of training costs")
    await p.press("Done")
    await p.say("返还培训费")
    await p.say("八千五")
    asked = await p.say("2025-03")
    assert "The worker is still employed" in p.buttons()
    assert "for example 2025-03" in asked
    await p.say("2026-09-30")
    await p.say("劳动者服务期未满离职。")
    await p.press("Done")
    summary = await p.press("Weekday mornings")
    assert "Contact person: 李经理" in summary and "Your unit's address: 示例区工业路8号" in summary
    assert "Return of training costs" in summary and "CN¥8,500.00" in summary
    await p.press("Submit")
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
    assert case.categories == ["training_costs"]
    context = build_context(case, settings=settings)
    assert context["applicant"]["address"] == "示例区工业路8号"
