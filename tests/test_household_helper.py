"""A household's own nanny, carer or maternity nurse (twenty-seventh pass): her dispute with the
family is not a labour dispute (最高人民法院劳动争议解释（一）第二条), so she is told that, and
where to go, instead of being sent to labour arbitration with the owed-wages entry. A
domestic-service company's employee, or a part-timer at a restaurant, keeps the labour answer."""

from __future__ import annotations

import pytest

from tests.kb_asserts import answered


@pytest.mark.parametrize(
    "question",
    [
        "我给一户人家当保姆，干了三个月，雇主一分钱没给",
        "月嫂给私人家庭干活，主人家扣了我半个月工资",
        "I'm a domestic helper for a family, they owe me 2 months salary",
    ],
)
def test_a_households_own_helper_is_told_it_is_not_a_labour_dispute(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    entry = answered(kb, question)
    assert entry.id == "work.household_helper"
    answer = entry.text("answer", "zh_CN")
    assert "不属于劳动争议" in answer and "人民调解委员会" in answer and "人民法院" in answer
    assert "家政公司" in answer  # the company employee's way back to the center


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("我是家政公司的员工，公司派我去客户家做保洁，公司拖欠我两个月工资", "pay.arrears"),
        ("我在餐馆做钟点工，老板说明天不用来了", "work.part_time_ending"),
    ],
)
def test_a_company_employee_or_a_part_timer_keeps_the_labour_answer(  # type: ignore[no-untyped-def]
    kb, question: str, entry: str
) -> None:
    assert answered(kb, question).id == entry


def test_the_entry_cites_the_interpretation_and_the_civil_code(kb) -> None:  # type: ignore[no-untyped-def]
    cited = {c.label("zh_CN") for c in kb.entries["work.household_helper"].statutes}
    # 家庭或者个人与家政服务人员之间的纠纷; a helper hurt while working
    assert any("劳动争议" in c and c.endswith("第二条") for c in cited), cited
    assert "《中华人民共和国民法典》第一千一百九十二条" in cited
