"""Issue 20, points 13 and 15 on WeChat: signed, encrypted XML posted to the real aiohttp
webhook, and what the person reads in the passive replies (buttons are numbered choices).

13. `/back` shows the earlier answer with "Keep as it is"; after an error the step's choices
    come again; "More" in the middle of an application asks the question again; `/cancel` of
    an application with answers asks first.
15. `/status` says what matters at each stage: the acceptance target; the agreed amount and
    due date; the arbitration commission and the last safe date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.config import Settings
from storage.models import Case
from tests.fakes.wechat_api import FakeWeChatApi
from tests.test_party_understood import p_date
from tests.wechat_harness import (
    WeChatUser,
    delivered,
    passive_and_pushed,
    running_wechat_bot,
    wechat_settings,
)


@pytest.fixture
async def api() -> FakeWeChatApi:
    async with FakeWeChatApi() as fake:
        yield fake


def choices(text: str) -> list[str]:
    """The labels of the numbered choices in a passive reply."""
    return [line.split(". ", 1)[1] for line in text.splitlines() if line[:1].isdigit()]


async def screened_and_consented(user: WeChatUser) -> None:
    """As tests/test_detours.py's walk, typed on a phone: the first question is next."""
    await user.event("subscribe")
    await user.send("/lang en")
    await user.send("/start")
    await user.choose("File a dispute")
    for label in (
        "I am the worker (employee)",
        "No, neither",
        "A company, factory, shop or other enterprise",
        "Unpaid or underpaid wages or overtime pay",
        "No",
        "示例街道",
        "No, I have left",
    ):
        await user.choose(label)
    await user.send("2026-10-01")
    await user.choose("Just me")
    await user.choose("File my case now")
    await user.choose("I agree")


async def test_back_errors_more_and_cancel_over_wechat(
    settings: Settings, api: FakeWeChatApi
) -> None:
    wechat_settings(settings, api)
    async with running_wechat_bot(settings, api) as (app, side):
        user = WeChatUser(side, "o_edges_back")
        await screened_and_consented(user)
        await user.send("张测试")
        await user.send("13912345678")
        refused = await user.send("12345")  # the ID number, wrong
        assert "press Skip" in refused
        assert choices(refused) == ["Skip"]  # "or press Skip" comes with its number
        back = await user.send("/back")
        assert "13912345678" in back and "Keep as it is" in choices(back)
        asked = await user.choose("Keep as it is")
        assert "ID" in asked and choices(asked) == ["Skip"]
        # a legal question typed mid-application: "More" comes back to the question
        for question in ("老板拖欠工资怎么办？", "加班费怎么算？", "没签劳动合同怎么办？"):
            answer = await user.send(question)
            if "More" in choices(answer):
                break
        assert "More" in choices(user.last), user.last
        more = await user.choose("More")
        assert "back to where we were" in more
        # a passive reply is one message of limited length: the question follows as a push
        await api.wait_for("/cgi-bin/message/custom/send", 1)
        await delivered(app, user.openid)  # the pushed choices are remembered
        shown = passive_and_pushed(user, api)
        again = shown.split("back to where we were", 1)[1]
        assert "Your ID card number" in again and choices(again) == ["Skip"], again
        asked = await user.send(user.number_of("Skip", again))  # the pushed choice works
        assert "employer" in asked
        # cancelling an application with answers asks first, and "No" keeps it
        asked = await user.send("/cancel")
        assert "Delete your unfinished application?" in asked
        kept = await user.choose("No, keep it")
        assert "deleted" not in kept
        assert "unfinished application" in await user.send("/start")
        await user.choose("Continue")
        assert "Delete your unfinished application?" in await user.send("/cancel")
        assert "deleted" in await user.choose("Yes, delete it")


async def test_status_at_each_stage_over_wechat(settings: Settings, api: FakeWeChatApi) -> None:
    wechat_settings(settings, api)
    async with running_wechat_bot(settings, api) as (app, side):
        user = WeChatUser(side, "o_edges_status")
        await screened_and_consented(user)
        for answer in ("张测试", "13912345678"):
            await user.send(answer)
        await user.choose("Skip")  # ID number
        await user.send("示例制造有限公司")
        await user.send("示例区示例路1号")
        await user.choose("Skip")  # credit code
        await user.choose("Skip")  # employer phone
        await user.choose("Done")  # the pre-selected claim
        await user.send("支付拖欠工资")
        await user.send("12000")
        await user.send("2024-03")
        await user.choose("Keep as it is")  # the leaving date from the screening
        await user.send("老板从七月开始不发工资。")
        await user.choose("Done")  # no evidence
        await user.choose("Weekday mornings")
        await user.choose("Submit")
        status = await user.send("/status")
        async with app.db.session() as s:
            case = (await s.execute(select(Case))).scalar_one()
            assert case.accept_by is not None
            assert f"decides whether to accept it by {p_date(case.accept_by)}" in status, status
            case.state, case.outcome_amount = "agreement", Decimal("8500")
            case.outcome_due = date(2027, 1, 15)
            case.outcome_at = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)
            await s.commit()
        status = await user.send("/status")
        assert "Agreed amount: CN¥8,500.00" in status
        assert "carried out by: January 15, 2027" in status
        async with app.db.session() as s:
            case = (await s.execute(select(Case))).scalar_one()
            case.state = "failed"
            await s.commit()
        status = await user.send("/status")
        assert f"apply for arbitration to {settings.arbitration.commission}" in status
        assert "To be safe, apply no later than" in status
