"""Relatives dividing what a death or an injury at work brought (twenty-ninth pass): a civil
matter between them, referred to the inheritance (or, between spouses, the family) route even
though it names a labour term (工亡补助金, 工伤); asking what the benefit is, or who the employer
or the fund owes it to, or the employer paying it in instalments stays labour (``split_money``
/ ``split_words`` / ``split_among`` in referrals.toml, knowledge/faq_referral.py
``split_route``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kb_asserts import answered, referred
from tests.test_console import run_console


@pytest.mark.parametrize(
    ("question", "route"),
    [
        ("我哥走了，工亡补助金已经拿到了，嫂子一分不给我爸妈，这钱家里人之间怎么分", "inheritance"),
        ("我姐夫的工亡补助金，他前妻生的孩子也要来分，这算遗产吗", "inheritance"),
        ("老公在工地出事去世了，单位赔的钱公婆要一半，我和孩子能分多少", "inheritance"),
        ("我老婆要跟我离婚，她拿的工伤赔偿款算不算夫妻共同财产", "family"),
    ],
)
def test_the_family_dividing_the_money_is_referred(  # type: ignore[no-untyped-def]
    kb, question: str, route: str
) -> None:
    assert referred(kb, question).id == route


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("一次性工亡补助金怎么算，有多少钱", "injury.death_benefits"),
        ("老公在工地上出事走了，公司说只赔十万，工亡补助金不是有标准吗", "injury.death_benefits"),
        # paid in instalments, and no relative dividing it
        ("一次性伤残补助金公司说要分期给，这样可以吗", "injury.disability_subsidy"),
    ],
)
def test_the_benefit_itself_stays_labour(kb, question: str, entry: str) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, question).id == entry


def test_the_console_says_where_to_go(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["我哥的工亡补助金，嫂子一分不给我爸妈，家里人之间怎么分"])
    reply = out.split("嫂子一分不给我爸妈")[-1]
    assert "不属于劳动人事争议" in reply and "遗产继承" in reply and "人民调解委员会" in reply
    assert "一般不算遗产" in reply  # the grant is the close relatives', not the estate
