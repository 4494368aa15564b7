"""Non-labour questions are referred to the right place, never answered with labour law."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from knowledge.faq import load_kb
from knowledge.faq_check import check_kb
from knowledge.referrals import REFERRALS_PATH, check_routes, load_routes
from storage.db import Database
from storage.models import FaqMiss
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, running_bot, texts
from tests.kb_asserts import answered, referred
from tests.test_console import run_console
from tests.test_faq import run_cli, write_sample

USER = 6300
ADMIN = 9300


def test_real_referral_routes_have_no_problems() -> None:
    assert check_routes() == []
    routes = load_routes()
    assert {"tenancy", "consumer", "police", "tax", "housing_fund", "government"} <= set(routes)
    assert all(r.reviewed.year >= 2026 for r in routes.values())
    assert "12315" in routes["consumer"].text("where", "zh_CN")
    assert "12345" in routes["government"].text("where", "en")


@pytest.mark.parametrize(
    ("question", "route"),
    [
        ("我想租房押金不退", "tenancy"),  # shares 押金 with the labour deposit entry
        ("前夫一直不给孩子的抚养费", "family"),
        ("外卖里吃出了一根头发", "consumer"),
        ("公积金怎么取出来买房", "housing_fund"),
        ("有人冒充客服打电话让我转账", "police"),
    ],
)
def test_non_labour_question_is_referred_not_answered(kb, question: str, route: str) -> None:  # type: ignore[no-untyped-def]
    result = kb.search(question)
    assert not result.answered
    assert result.referral is not None and result.referral.id == route
    data = result.to_json()
    assert data["answered"] is False and data["id"] is None
    assert data["referral"] and result.referral.text("where", "zh_CN") in data["referral"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("被扣押身份证", "contract.id_card_withheld"),  # was the deposit entry (0.98)
        ("入职要先交押金合法吗", "contract.deposit_fee"),
        ("上班路上出了车祸算工伤吗", "injury.commute_accident"),  # traffic, but labour
        ("公司不给交社保怎么办", "social_insurance.unpaid_what_to_do"),
    ],
)
def test_labour_questions_stay_labour(kb, question: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    result = kb.search(question)
    assert result.answered and result.best is not None and result.best.id == expected
    assert result.referral is None and result.to_json()["referral"] is None


# Hard negatives of issue 18's second pass: each pair shares words, one is referred to the
# named route and the other stays labour.
@pytest.mark.parametrize(
    ("question", "route"),
    [
        ("租的房子退租了房东扣着押金不还", "tenancy"),  # vs a deposit demanded by an employer
        ("手机维修店说好保修三个月，坏了又不认账", "consumer"),  # a repair shop's promise
        ("晚上在街上被几个陌生人打伤了", "police"),  # vs injured at work
        ("手机话费莫名其妙多扣了几十块，找10086也没用", "telecom"),  # telecom bills: 12300
        ("骑电动车去买菜被小轿车撞了，对方全责", "traffic"),  # vs a commuting accident
        ("同事借了我两万块钱一直不还", "private_debt"),  # a colleague, but a private loan
    ],
)
def test_hard_negative_is_referred_to_its_route(kb, question: str, route: str) -> None:  # type: ignore[no-untyped-def]
    assert referred(kb, question).id == route


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("进厂的时候老板要我交五百块押金", "contract.deposit_fee"),
        ("把公司设备弄坏了要从工资里扣维修费", "pay.deductions"),
        ("上班的时候被客户打伤了算工伤吗", "injury.what_counts"),
        ("下班回家路上出了车祸，对方全责，公司说不算工伤", "injury.commute_accident"),
        ("老公在工地出事故去世了，家属能拿到哪些赔偿", "injury.death_benefits"),
    ],
)
def test_hard_negative_labour_twin_stays_labour(kb, question: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    result = kb.search(question)
    assert result.referral is None
    assert result.best is not None and result.best.id == expected


def test_telecom_route_names_12300_and_its_basis() -> None:
    route = load_routes()["telecom"]
    assert "12300" in route.text("where", "zh_CN") and "12300" in route.text("where", "en")
    assert "电信用户申诉处理办法" in route.text("basis", "zh_CN")
    assert "telecom" in route.full_text("en").lower()


def test_every_entry_has_six_phrasings(kb) -> None:  # type: ignore[no-untyped-def]
    few = [e.id for e in kb.entries.values() if len(e.phrasings.get("zh_CN", ())) < 6]
    assert few == []


def test_added_phrasings_are_merged_and_unknown_ids_fail_the_check(tmp_path: Path) -> None:
    folder = write_sample(tmp_path / "faq")  # a few entries: built in a moment
    (folder / "phrasings").mkdir()
    (folder / "phrasings" / "local.toml").write_text(
        '["pay.arrears"]\nzh_CN = ["东家的薪水一直赊着不给结"]\n', encoding="utf-8"
    )
    assert check_kb(folder) == []
    # without the added phrasing: not answered
    assert answered(load_kb(folder), "东家的薪水一直赊着不给结").id == "pay.arrears"
    (folder / "phrasings" / "typo.toml").write_text(
        '["pay.arears"]\nzh_CN = ["工资没发"]\n', encoding="utf-8"
    )
    problems = check_kb(folder)
    assert any("unknown entry id 'pay.arears'" in p for p in problems)
    failed = run_cli(["kb", "check", str(folder)], tmp_path)
    assert failed.returncode == 1 and "pay.arears" in failed.stdout


def test_route_check_catches_missing_parts(tmp_path: Path) -> None:
    bad = tmp_path / "referrals.toml"
    bad.write_text(
        '[[route]]\nid = "Tenancy!"\n\n[[route]]\nid = "pets"\ntitle.zh_CN = "宠物"\n'
        'where.zh_CN = "找社区"\nreviewed = 2026-12-01\nphrasings.zh_CN = ["狗叫"]\n',
        encoding="utf-8",
    )
    problems = check_routes(bad)
    assert any("Tenancy!" in p for p in problems)
    assert any("pets: 1 phrasings.zh_CN" in p for p in problems)
    assert any("pets: missing where.en" in p for p in problems)
    assert REFERRALS_PATH.exists()


def test_cli_ask_json_gives_the_referral(tmp_path: Path) -> None:
    out = run_cli(["ask", "--json", "房东扣了我的租房押金不退"], tmp_path)
    data = json.loads(out.stdout)
    assert data["answered"] is False and data["id"] is None
    assert "人民调解委员会" in data["referral"]


async def test_referral_in_telegram_and_listed_for_staff(
    settings: Settings, server: FakeTelegramServer
) -> None:
    settings.staff.admins = [f"telegram:{ADMIN}"]
    async with running_bot(settings, server) as bot:
        reply = await bot.send(USER, "我想租房押金不退")
        text = texts(reply)
        assert "不属于劳动人事争议" in text and "人民调解委员会" in text
        assert "📖" not in text  # no labour answer
        assert "找工作人员" in server.button_labels(reply[-1])
        await bot.send(USER, "单位让我签个东西我看不懂")  # unsure: offered topics, a person
        misses = texts(
            await bot.send(ADMIN, "/faq misses", chat_id=STAFF_GROUP, chat_type="supergroup")
        )
        unanswered, referred = misses.split("非劳动争议")
        assert "签个东西" in unanswered and "租房押金" not in unanswered
        assert "我想租房押金不退" in referred and "tenancy" in referred
    db = Database(settings.database.url)
    async with db.session() as s:
        rows = (await s.execute(select(FaqMiss.best_id))).scalars().all()
    await db.dispose()
    assert "route:tenancy" in rows


def test_referral_on_the_console(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["/lang en", "my landlord won't return my deposit"])
    assert "does not look like a labour or personnel dispute" in out
    assert "people's mediation committee" in out
    assert "Talk to a person" in out


async def test_first_question_after_start_is_fast(
    settings: Settings, server: FakeTelegramServer
) -> None:
    async with running_bot(settings, server) as bot:
        assert bot.app.core.kb is not None  # built and warmed while starting
        start = time.perf_counter()
        bot.app.core.kb.search("第一次问：老板拖欠工资怎么办")
        assert time.perf_counter() - start < 0.2
