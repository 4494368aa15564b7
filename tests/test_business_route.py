"""The business route (issue 18, eighteenth pass): a firm's dealings with another firm (an
unpaid invoice, 工程款 between companies, a contract's arbitration clause, partners parting)
are referred to commercial arbitration, mediation or the court, never answered with labour
law; a worker whose wages wait on the same 工程款, and an employer asking about a worker, stay
with the center. The questions here are written for the test: none is a phrasing of the route."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.referrals import load_routes
from tests.kb_asserts import answered, referred
from tests.test_console import run_console


@pytest.mark.parametrize(
    "question",
    [
        "总包公司拖欠我们分包公司的工程款",  # was answered with the construction-wages entry
        "两家公司签的设备采购合同约定了仲裁，对方不交货，去哪个仲裁委申请",
        "合作伙伴不履行合同，我能申请仲裁吗",  # was answered with enforcing an award
        "和朋友合伙开的饭店要散伙了，投的钱怎么分",
        "加盟费交了总部不兑现承诺",
        "Our client company has not paid our invoice for four months, what can we do?",
    ],
)
def test_a_business_dispute_is_referred_not_answered(kb, question: str) -> None:  # type: ignore[no-untyped-def]
    assert referred(kb, question).id == "business"


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # 工程款 is the firms' matter, 工资 and 包工头 the worker's
        ("包工头说开发商没给工程款，所以拖着我们工人的工资不发", "pay.migrant_construction"),
        # an owner talking about his business is an employer when the matter is a worker
        (
            "我开了个小加工厂，有个工人离职后一直找我要加班费，我能申请调解吗",
            "help.employer_apply_mediation",
        ),
    ],
)
def test_its_labour_twin_stays_with_the_center(kb, question: str, entry: str) -> None:  # type: ignore[no-untyped-def]
    assert answered(kb, question).id == entry


def test_the_route_says_where_to_go_and_what_it_rests_on() -> None:
    route = load_routes()["business"]
    where = route.text("where", "zh_CN")
    assert "仲裁委员会" in where and "人民法院" in where and "12348" in where
    assert "不是劳动争议" in where  # and the labour arbitration commission does not hear it
    basis = route.text("basis", "zh_CN")
    assert "《中华人民共和国仲裁法》" in basis
    assert "《中华人民共和国劳动争议调解仲裁法》第二条" in basis
    assert "arbitration clause" in route.text("where", "en")


def test_console_sends_a_supplier_dispute_to_commercial_channels(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["供货商收了我们公司的预付款，三个月了还不发货"])
    assert "这看起来不属于劳动人事争议" in out
    assert "12348" in out and "仲裁委员会" in out  # the business route's where-to-go text
    assert "找工作人员" in out  # and a person, as with every referral
