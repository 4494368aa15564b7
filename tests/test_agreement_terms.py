"""Issue 23, point 3: each bound party reads the agreed terms before the agreement is printed
for signature; the reading is recorded with its time and the SHA-256 of the text, staff see who
has read them, and changed terms make earlier readings count no longer. On Telegram (fake Bot
API), WeChat (signed, encrypted XML) and the console."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from handlers.casework import terms
from handlers.office import documents
from storage.db import Database
from storage.models import Case, TermsReading
from storage.people import find_identity
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.wechat_api import FakeWeChatApi
from tests.harness import STAFF_GROUP, in_group, running_bot, texts
from tests.test_console import console_config, employer_files
from tests.test_documents import _person, docx_text
from tests.wechat_harness import WeChatUser, delivered, running_wechat_bot, wechat_settings

ADMIN, WORKER, EMPLOYER = 9100, 7001, 7002
NUMBER = "LJ-2026-000001"


async def seed(db: Database) -> None:
    """A case in mediation whose worker and employer are both linked on Telegram."""
    async with db.session() as s:
        worker, employer = [await _person(s, u) for u in (WORKER, EMPLOYER)]
        s.add(
            Case(
                number=NUMBER,
                state="in_mediation",
                applicant_name="张测试",
                applicant_phone="13912345678",
                respondent_name="示例制造有限公司",
                applicant_person_id=worker.id,
                respondent_person_id=employer.id,
                categories=["pay"],
            )
        )


async def readings(db: Database) -> list[TermsReading]:
    async with db.session() as s:
        return list((await s.execute(select(TermsReading).order_by(TermsReading.id))).scalars())


async def current_case(db: Database) -> Case:
    async with db.session() as s:
        return (await s.execute(select(Case).where(Case.number == NUMBER))).scalar_one()


@pytest.fixture
def no_libreoffice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))


async def test_both_sides_read_the_terms_on_telegram(
    settings: Settings, server: FakeTelegramServer, db: Database, no_libreoffice: None
) -> None:
    await seed(db)
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.default_locale = "en"
    async with running_bot(settings, server) as bot:
        for user in (ADMIN, WORKER, EMPLOYER):
            await bot.send(user, "/lang en")
        done = await in_group(bot, ADMIN, "/outcome 1 agreement 12000 2026-12-31 银行转账一次付清")
        assert f"/terms {NUMBER} shows who has read them" in done
        await bot.deliver_outbox()
        asked = [m for m in server.sent_messages(WORKER) if "I have read these terms" in str(m)]
        (first,) = asked
        assert "金额：¥12,000.00（大写：人民币壹万贰仟元整）" in first["text"]
        assert "协议内容：银行转账一次付清" in first["text"]
        assert "It is NOT a signature" in first["text"]
        assert "I have read these terms" in server.button_labels(first)

        resent = await in_group(bot, ADMIN, "/terms 1 send")  # e.g. after a late /bind
        assert "nobody gets the same terms twice" in resent
        await bot.deliver_outbox()
        assert len([m for m in server.sent_messages(WORKER) if "I have read" in str(m)]) == 1
        read = texts(await bot.press(WORKER, "I have read these terms"))
        assert f"Recorded: you read the agreed terms of case {NUMBER}" in read
        assert "This is not a signature" in read
        data = server.button_data(first)[0]

        def press_first() -> None:  # the message's buttons are gone once pressed: press anyway
            server.user_presses(WORKER, first, data, strict=False)

        assert "Recorded" in texts(await bot._roundtrip(WORKER, press_first))  # a second press
        await bot.deliver_outbox()
        group = texts(server.sent_messages(STAFF_GROUP))
        assert group.count("the applicant has read the agreed terms (not a signature)") == 1
        assert "Read so far: 1 of 2." in group

        card = await in_group(bot, ADMIN, "/case 1")
        assert "Agreed terms read (not a signature" in card
        assert "applicant read at" in card and "respondent not yet" in card

        # The printed draft's caption says who has read the terms (an admin, privately).
        sent = await bot.send(ADMIN, "/doc 1 agreement")
        assert "applicant read at" in texts(sent) and "respondent not yet" in texts(sent)

        # The terms change: the worker's reading no longer counts, both are asked again.
        changed = await in_group(bot, ADMIN, "/terms 1 13000 2026-12-31 银行转账一次付清")
        assert "earlier readings no longer count" in changed
        assert "applicant not yet" in changed and "respondent not yet" in changed
        await bot.deliver_outbox()
        stale = texts(await bot._roundtrip(WORKER, press_first))
        assert "have changed. Please read them again" in stale and "¥13,000.00" in stale
        assert len(await readings(db)) == 1  # the stale press recorded nothing

        assert "Recorded" in texts(await bot.press(EMPLOYER, "I have read these terms"))
        assert "Recorded" in texts(await bot.press(WORKER, "I have read these terms"))
        status = await in_group(bot, ADMIN, "/terms 1")
        assert "applicant read at" in status and "respondent read at" in status
        assert "No case" in await in_group(bot, ADMIN, "/terms 999")
        assert "Usage: /terms" in await in_group(bot, ADMIN, "/terms")
        bad = await in_group(bot, ADMIN, "/terms 1 一些钱 2026-12-31")
        assert "could not read the amount" in bad and "Example: /terms 123 12000" in bad
        # A party cannot change terms (a staff command) and a stranger's press does nothing.
        assert "Only registered staff" in texts(await bot.send(WORKER, "/terms 1 1 2026-12-31"))

    case = await current_case(db)
    rows = await readings(db)
    digest = hashlib.sha256(terms.terms_text(case).encode()).hexdigest()
    assert [(r.side, r.terms_hash == digest) for r in rows] == [
        ("applicant", False),  # the first terms, ¥12,000
        ("respondent", True),
        ("applicant", True),
    ]


async def test_a_party_reads_the_terms_on_wechat(settings: Settings) -> None:
    async with FakeWeChatApi() as api:
        wechat_settings(settings, api)
        settings.center.default_locale = "en"
        async with running_wechat_bot(settings, api) as (app, side):
            user = WeChatUser(side, "o_terms_worker")
            await user.send("/lang en")  # opens the 48-hour window and makes the person
            async with app.db.session() as s:
                identity = await find_identity(s, "wechat", user.openid)
                assert identity is not None
                case = Case(
                    number=NUMBER,
                    state="agreement",
                    applicant_name="张测试",
                    applicant_phone="13912345678",
                    respondent_name="示例制造有限公司",
                    applicant_person_id=identity.person_id,
                    categories=["pay"],
                    outcome_terms="一次性支付经济补偿",
                )
                s.add(case)
                await s.flush()
                assert await terms.ask_parties(app.core, s, case) == ["applicant"]
            app.dispatcher.wake()
            await api.wait_for("/cgi-bin/message/custom/send", 1)
            await delivered(app, user.openid)  # its numbers answer it from now on
            pushed = api.customer_texts(user.openid)[-1]
            assert "协议内容：一次性支付经济补偿" in pushed and "NOT a signature" in pushed
            answer = await user.send(user.number_of("I have read these terms", pushed))
            assert f"Recorded: you read the agreed terms of case {NUMBER}" in answer
            assert "policy updates and typical cases" in answer  # the numbers now answer it
            no = await user.send(user.number_of("No, thanks", answer))
            assert "nothing will be sent" in no
    (row,) = await readings(Database(settings.database.url))
    assert row.side == "applicant" and len(row.terms_hash) == 64


def test_the_console_party_reads_and_staff_see_it(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(console_config(tmp_path)),
            "console",
            "--staff",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert proc.stdin and proc.stdout
    steps = ["/accept 1", "/assign 1 court", "/schedule 1 2027-01-10 10:00 调解室一"]
    steps.append("/outcome 1 agreement 3000 2027-01-31 分两次付清")
    proc.stdin.write("\n".join([*employer_files(), *steps]) + "\n")
    proc.stdin.flush()
    seen = []
    for line in proc.stdout:  # wait for the pushed terms before pressing their button
        seen.append(line)
        if "[1] 我已阅读以上条款" in line:
            break
    proc.stdin.write("1\n/terms 1\n")
    proc.stdin.close()
    rest = proc.stdout.read()
    assert proc.wait(timeout=90) == 0, proc.stderr.read() if proc.stderr else ""
    before = "".join(seen)
    assert "这不是签字" in before or "不是签字" in before
    assert "已记录：您于" in rest and "这不是签字" in rest
    # the one offer to subscribe waits until the terms are read: "1" pressed the terms
    assert "不定期收到" not in before and rest.count("不定期收到") == 1
    assert rest.index("已记录：您于") < rest.index("不定期收到")
    assert "📋 [工作群] 📄 案件LJ-2026-000001：申请人已阅读协议条款（非签字）" in rest
    assert "申请人已于" in rest and "被申请人未绑定本机器人" in rest


async def test_the_printed_agreement_matches_the_terms_read(
    settings: Settings, db: Database
) -> None:
    """What the parties read is what goes into the draft: amount, due date, terms."""
    await seed(db)
    case = await current_case(db)
    case.state, case.outcome_terms = "agreement", "银行转账一次付清"
    case.outcome_amount, case.outcome_due = Decimal("12000"), date(2026, 12, 31)
    out = Path(settings.storage.files_dir) / "a.docx"
    text = docx_text(documents.render(case, "agreement", out, settings=settings))
    shown = terms.terms_text(case)
    for part in ("壹万贰仟元整", "2026年12月31日", "银行转账一次付清"):
        assert part in shown and part in text
    before = terms.terms_hash(case)
    case.outcome_terms = "银行转账分两次付清"
    assert terms.terms_hash(case) != before  # any change of the text: another fingerprint
