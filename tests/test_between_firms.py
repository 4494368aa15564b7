"""A firm asking about its dealings with another firm (twenty-eighth pass): a staffing agency
owed its service fee, an outsourcing firm whose contract was ended, is referred to the business
route however many words of work it holds; the workers of such firms keep their labour
answers (``firm_speakers`` / ``firm_kinds`` / ``firm_matters`` on the business route,
knowledge/between_firms.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.between_firms import BetweenFirms
from tests.kb_asserts import answered, referred
from tests.test_console import run_console


@pytest.mark.parametrize(
    "question",
    [
        "我们是一家派遣公司，工厂欠了我们两个月的服务费，怎么要",
        "我是开劳务公司的，用工单位提前解除派遣协议，违约金怎么算",
        "我们外包公司跟商场签的服务合同还没到期，商场就不结算了",
        "我们是劳务派遣公司，用工单位拖着服务费不给",  # 劳务派遣 only as what the firm is
        "我们工厂跟派遣公司的合同还没到期，他们就要涨服务费",  # the client speaking
        "我们公司跟供应商的合同里写了仲裁条款，能直接去法院吗",  # a firm and its counterpart
        "我们公司收到仲裁通知，客户说我们交的货不合格",
        "派遣服务费按派遣工底薪算还是按全部工资算，两家公司吵起来了",  # both firms at once
        "派遣公司说我们用工单位结算晚了，要收利息，合同里没写",  # the client, as 用工单位
    ],
)
def test_a_firm_asking_about_another_firm_is_referred_to_the_business_route(  # type: ignore[no-untyped-def]
    kb, question: str
) -> None:
    assert referred(kb, question).id == "business"


@pytest.mark.parametrize(
    ("question", "entries"),
    [
        # the worker of such a firm, and the worker's own pay
        ("派遣公司每个月从我工资里扣管理费，合法吗", ("pay.deductions", "work.dispatch_basics")),
        # a labour term beside the firm's name keeps it labour
        (
            "我们是劳务派遣公司，派去的员工在用工单位出了工伤，服务费里包不包括工伤的钱",
            ("work.dispatch_injury_liability",),
        ),
    ],
)
def test_the_workers_and_the_labour_matters_of_such_firms_stay_labour(  # type: ignore[no-untyped-def]
    kb, question: str, entries: tuple[str, ...]
) -> None:
    assert answered(kb, question).id in entries


def test_the_workers_own_pay_is_not_referred_though_the_client_is_named(kb) -> None:  # type: ignore[no-untyped-def]
    result = kb.search("我们公司做工程的，甲方不给钱，公司就拖着工资不发")
    assert result.referral is None  # a word of work (工资) beside 我们公司 and 甲方
    assert result.best is not None and result.best.id.startswith("pay.")


def test_the_rule_reads_who_speaks() -> None:
    firms = BetweenFirms(("我们", "我是开"), ("派遣", "外包"), ("服务费", "结算"))
    assert firms.read("我们是派遣公司，工厂不付服务费") is not None
    assert firms.read("我是开派遣公司的，客户不结算") is not None
    assert BetweenFirms(("我开",), ("劳务",), ("结算",)).read("我开了一家劳务公司，客户不结算")
    assert firms.read("我们是外包公司的保洁，甲方不结算") is None  # the firm's worker
    assert firms.read("我们是派遣公司，工厂不付服务费，我的工资也没发") is None  # 我: own pay
    assert firms.read("我们是派遣公司，工厂说要搬走") is None  # no matter between firms
    assert firms.read("我们工厂跟派遣公司结算不清") is None  # a client, but none listed here
    clients = BetweenFirms(("我们",), ("派遣",), ("结算",), ("工厂",))
    assert clients.read("我们工厂跟派遣公司结算不清") is not None
    assert clients.read("我们工厂跟派遣公司结算不清，我的工资也压着") is None
    partners = BetweenFirms(("我们",), ("派遣",), ("结算",), ("公司",), ("客户",))
    reading = partners.read("我们公司跟客户在打商事仲裁，一般多久出结果")
    assert reading is not None and reading.wordless  # no word of work may stand beside it
    pairs = BetweenFirms(("我们",), ("派遣",), ("服务费",), pairs=("两家公司",))
    assert pairs.read("服务费按底薪还是全部工资算，两家公司吵起来了") is not None
    assert pairs.read("两家公司都不给我发工资") is None  # no matter between firms
    assert pairs.read("两家公司为服务费吵架，我的工资也没人发") is None  # 我: own pay


def test_the_console_gives_the_business_route(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["我们是派遣公司，用工单位三个月没付服务费了"])
    reply = out.split("没付服务费了")[-1]
    assert "不是劳动争议" in reply and "商事仲裁" in reply
