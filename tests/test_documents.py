"""Case documents: capital numerals, the three templates, /doc, /mycopy and the CLI."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import select

import handlers.staff.docs  # noqa: F401  (registers /doc)
from bot.cli import docs as cli_docs
from bot.config import Settings
from handlers.casework.numerals import amount_in_capitals, amount_in_figures, chinese_date
from handlers.conversation.registry import FEATURES
from handlers.office import documents
from handlers.party import party_docs
from knowledge.templates import build_templates
from storage.db import Database
from storage.models import AccessLog, Attachment, Case, CaseEvent, Identity, Person, Staff
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import STAFF_GROUP, running_bot, texts

ADMIN, MEDIATOR, WORKER, EMPLOYER, STRANGER = 9100, 9200, 7001, 7002, 7009
OURS, OTHER = "LJ-2026-000007", "LJ-2026-000008"
# What only the other case holds: none of it may appear in our case's documents.
OTHER_DATA = ("李其他", "13800001111", "320106198503151236", "另一贸易", "34,567.89", "其他证据")


# --- capital numerals ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("10005.50", "壹万零伍元伍角整"),
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("0.55", "伍角伍分"),
        ("0", "零元整"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("20.30", "贰拾元叁角整"),
        ("100", "壹佰元整"),
        ("101", "壹佰零壹元整"),
        ("110", "壹佰壹拾元整"),
        ("1001", "壹仟零壹元整"),
        ("1010", "壹仟零壹拾元整"),
        ("1409.50", "壹仟肆佰零玖元伍角整"),  # a zero inside: 零
        ("6007.14", "陆仟零柒元壹角肆分"),  # several zeros inside: one 零
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),  # 元 place zero, 角 not: no 零 (allowed)
        ("325.04", "叁佰贰拾伍元零肆分"),  # no 角 but 分: 元零肆分
        ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
        ("12000", "壹万贰仟元整"),
        ("12500", "壹万贰仟伍佰元整"),
        ("10000", "壹万元整"),
        ("10001", "壹万零壹元整"),
        ("10100", "壹万零壹佰元整"),  # a gap at the start of the group under 万
        ("107000.53", "壹拾万柒仟元伍角叁分"),  # 万 place zero, 仟 not: no 零 (allowed)
        ("100000", "壹拾万元整"),
        ("1000000.01", "壹佰万元零壹分"),
        ("10000100", "壹仟万零壹佰元整"),
        ("10010000", "壹仟零壹万元整"),
        ("100000000", "壹亿元整"),
        ("100010000", "壹亿零壹万元整"),  # across the 亿 boundary
        ("100100000", "壹亿零壹拾万元整"),
        ("110000000", "壹亿壹仟万元整"),
        ("1000000001", "壹拾亿零壹元整"),
        ("1200000000.10", "壹拾贰亿元壹角整"),
        ("1000000000000", "壹万亿元整"),
        ("9999999999999.99", "玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_amount_in_capitals(amount: str, capitals: str) -> None:
    assert amount_in_capitals(Decimal(amount)) == capitals


@pytest.mark.parametrize("bad", ["-0.01", "-5", "10000000000000", "1.005", "NaN", "Infinity"])
def test_amount_in_capitals_refuses(bad: str) -> None:
    with pytest.raises(ValueError):
        amount_in_capitals(Decimal(bad))


def test_figures_and_dates() -> None:
    assert amount_in_figures(Decimal("12000")) == "¥12,000.00"
    assert amount_in_figures(Decimal("1000000.01")) == "¥1,000,000.01"
    assert amount_in_capitals(12000) == "壹万贰仟元整"
    assert chinese_date(date(2026, 11, 22)) == "2026年11月22日"
    assert chinese_date(date(2027, 1, 5)) == "2027年1月5日"


# --- seeding --------------------------------------------------------------------------------
async def _person(session: Any, user: int) -> Person:
    person = Person(locale="en")
    session.add(person)
    await session.flush()
    session.add(
        Identity(person_id=person.id, channel="telegram", external_id=str(user), chat_id=str(user))
    )
    return person


async def seed(db: Database) -> None:
    """Our case (agreement reached) and another person's case (still in mediation)."""
    async with db.session() as s:
        worker, employer, other = [await _person(s, u) for u in (WORKER, EMPLOYER, 7555)]
        mediator = Staff(member=f"telegram:{MEDIATOR}", name="王调解", role="mediator")
        s.add(mediator)
        await s.flush()
        ours = Case(
            number=OURS,
            state="agreement",
            applicant_role="worker",
            applicant_person_id=worker.id,
            respondent_person_id=employer.id,
            applicant_name="张测试",
            applicant_phone="13912345678",
            applicant_id_number="11010519491231002X",
            respondent_name="示例制造有限公司",
            respondent_address="示例区示例路1号",
            categories=["pay", "overtime"],
            claims_text="支付拖欠的三个月工资和加班费 <全部>",
            amount_claimed=Decimal("12500.00"),
            employment_start=date(2024, 3, 1),
            employment_end=date(2026, 9, 30),
            facts="老板从七月开始不发工资。\n说公司没钱。",
            work_place="示例街道",
            court_delegated=True,
            court_name="示例区人民法院",
            court_ref="（2026）示0101民诉前调7号",
            submitted_at=datetime(2026, 11, 2, 2, tzinfo=UTC),
            mediator_id=mediator.id,
            outcome_amount=Decimal("12000.00"),
            outcome_due=date(2026, 12, 31),
            # 01:30 on 22 November in Beijing: the agreement date is the local one
            outcome_at=datetime(2026, 11, 21, 17, 30, tzinfo=UTC),
            outcome_terms="银行转账至申请人本人账户",
        )
        theirs = Case(
            number=OTHER,
            state="in_mediation",
            applicant_role="worker",
            applicant_person_id=other.id,
            applicant_name="李其他",
            applicant_phone="13800001111",
            applicant_id_number="320106198503151236",
            respondent_name="另一贸易有限公司",
            categories=["pay"],
            claims_text="工资",
            amount_claimed=Decimal("34567.89"),
            facts="另一件事。",
            submitted_at=datetime(2026, 11, 3, 2, tzinfo=UTC),
        )
        s.add_all([ours, theirs])
        await s.flush()
        s.add(
            CaseEvent(
                case_id=ours.id,
                actor="test",
                from_state="in_mediation",
                to_state="agreement",
                action="transition",
            )
        )
        for case, name in ((ours, "工资条.pdf"), (theirs, "其他证据.jpg")):
            s.add(
                Attachment(
                    case_id=case.id,
                    person_id=case.applicant_person_id,
                    kind="document",
                    file_name=name,
                    size=1,
                    sha256="0" * 64,
                    path="x",
                )
            )


async def load(db: Database, number: str) -> Case:
    async with db.session() as s:
        return (await s.execute(select(Case).where(Case.number == number))).scalar_one()


def docx_text(data: bytes | Path) -> str:
    doc = docx.Document(io.BytesIO(data) if isinstance(data, bytes) else str(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    parts += [p.text for p in doc.sections[0].header.paragraphs]
    return "\n".join(parts)


@pytest.fixture
def no_libreoffice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chat tests run without the PDF converter (it takes seconds per file)."""
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable))


# --- rendering --------------------------------------------------------------------------------
EXPECTED = {
    "application": [
        "张测试",
        "13912345678",
        "11010519491231002X",
        "示例制造有限公司",
        "¥12,500.00",
        "壹万贰仟伍佰元整",
        "2026年11月2日",
        "拖欠工资、加班费",
        "工资条.pdf",
        "说公司没钱",
        "<全部>",
        "2024年3月1日至2026年9月30日",
    ],
    "agreement": [
        "张测试",
        "示例制造有限公司",
        "王调解",
        "¥12,000.00",
        "壹万贰仟元整",
        "2026年12月31日",
        "2026年11月22日",
        "银行转账至申请人本人账户",
        "第十四条",
        "调解员（签名）",
        "调解组织（印章）",
    ],
    "notice": [
        "张测试",
        "示例制造有限公司",
        "¥12,000.00",
        "壹万贰仟元整",
        "2026年12月31日",
        "第十六条",
        "支付令",
        "仲裁审查",
        "司法确认",
    ],
    "report": [
        "委托调解结果报告",
        "示例区人民法院",
        "（2026）示0101民诉前调7号",
        "张测试",
        "示例制造有限公司",
        "达成调解协议",
        "壹万贰仟元整",
        "王调解",
    ],
    "review": [
        "调解协议仲裁审查申请书",
        "示例区劳动人事争议仲裁委员会",
        "张测试",
        "示例制造有限公司",
        "壹万贰仟元整",
        "银行转账至申请人本人账户",
        "第七十四条",
        "最迟应于2026年12月7日提出",  # 15 days after the local agreement date, 22 November
    ],
    "confirmation": [
        "司法确认申请书",
        "示例区人民法院",
        "张测试",
        "示例制造有限公司",
        "壹万贰仟元整",
        "第二百零五条",
        "最迟应于2026年12月22日提出",  # 30 days
    ],
}


@pytest.mark.parametrize("kind", documents.KINDS)
async def test_each_document_renders_this_case_only(
    kind: str, settings: Settings, db: Database, no_libreoffice: None
) -> None:
    await seed(db)
    case = await load(db, OURS)
    async with db.session() as s:
        made = await documents.produce(s, case, kind, settings)
    assert made.pdf is None  # no converter: skipped quietly
    assert made.docx.parent == Path(settings.storage.files_dir) / "documents"
    assert len(made.docx.stem) >= 32 and OURS not in made.docx.name  # unguessable
    assert made.docx_name == f"{OURS} {documents.TITLES[kind]}.docx"
    text = docx_text(made.docx)
    for expected in EXPECTED[kind]:
        assert expected in text, (kind, expected)
    for leak in OTHER_DATA:
        assert leak not in text, (kind, leak)
    assert "{{" not in text and "{%" not in text


async def test_notice_dates_are_computed_from_the_agreement_date(
    settings: Settings, db: Database
) -> None:
    await seed(db)
    case = await load(db, OURS)
    text = docx_text(
        documents.render(
            case, "notice", Path(settings.storage.files_dir) / "n.docx", settings=settings
        )
    )
    assert "双方于2026年11月22日" in text  # the local date of the agreement
    assert "最迟于2026年12月7日" in text  # arbitration review: 15 days
    assert "最迟于2026年12月22日" in text  # judicial confirmation: 30 days
    assert "不晚于2027年11月22日" in text  # one year
    assert "应于2026年12月31日前" in text  # the agreed due date


async def test_the_other_side_sees_masked_contact_data(settings: Settings, db: Database) -> None:
    await seed(db)
    case = await load(db, OURS)
    out = Path(settings.storage.files_dir) / "a.docx"
    text = docx_text(
        documents.render(case, "agreement", out, settings=settings, viewer="respondent")
    )
    assert "139****5678" in text and "110105********002X" in text
    assert "13912345678" not in text and "11010519491231002X" not in text


def test_employer_applicant_pays_as_employer(settings: Settings) -> None:
    case, _, _ = cli_docs.sample_case()
    case.applicant_role, case.applicant_name, case.respondent_name = (
        "employer",
        "示例公司",
        "张测试",
    )
    context = documents.build_context(case, settings=settings)
    assert context["employer"]["name"] == "示例公司" and context["worker"]["name"] == "张测试"
    assert context["applicant"]["role_label"] == "用人单位"


async def test_closed_after_agreement_still_counts(settings: Settings, db: Database) -> None:
    await seed(db)
    async with db.session() as s:
        case = (await s.execute(select(Case).where(Case.number == OURS))).scalar_one()
        case.state = "closed"
        assert await documents.reached_agreement(s, case)
        other = (await s.execute(select(Case).where(Case.number == OTHER))).scalar_one()
        assert not await documents.reached_agreement(s, other)


# --- templates as data ------------------------------------------------------------------------
def test_committed_templates_match_the_build_script(tmp_path: Path, settings: Settings) -> None:
    build_templates.main(tmp_path)
    for kind in documents.KINDS:
        rebuilt = docx_text(tmp_path / f"{kind}.docx")
        assert rebuilt == docx_text(documents.TEMPLATES_DIR / f"{kind}.docx"), kind
    assert cli_docs.check(settings, documents.TEMPLATES_DIR) == 0


def test_a_center_template_with_its_own_letterhead(
    tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(documents.TEMPLATES_DIR, folder)
    mine = docx.Document(str(folder / "agreement.docx"))
    mine.sections[0].header.paragraphs[0].text = "示例区人民调解中心 · 地址：示例路2号"
    mine.save(str(folder / "agreement.docx"))
    case, mediator, _ = cli_docs.sample_case()
    context = documents.build_context(case, settings=settings, mediator=mediator)
    out = documents.render_context("agreement", context, tmp_path / "a.docx", folder)
    assert "示例区人民调解中心 · 地址：示例路2号" in docx_text(out)
    # a misspelt placeholder is reported, not printed as an empty blank
    broken = docx.Document(str(folder / "notice.docx"))
    broken.add_paragraph("{{ worker.nmae }}")
    broken.save(str(folder / "notice.docx"))
    assert cli_docs.check(settings, folder) == 1
    assert "notice: template notice.docx" in capsys.readouterr().out


@pytest.mark.skipif(documents.pdf_converter() is None, reason="LibreOffice is not installed")
def test_pdf_when_libreoffice_is_installed(tmp_path: Path, settings: Settings) -> None:
    case, mediator, _ = cli_docs.sample_case()
    out = documents.render(
        case, "agreement", tmp_path / "a.docx", settings=settings, mediator=mediator
    )
    pdf = documents.to_pdf(out)
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")


# --- /doc for staff, end to end -----------------------------------------------------------
def documents_in(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["method"] == "sendDocument"]


async def test_doc_command_private_staff_only(
    settings: Settings, server: FakeTelegramServer, db: Database, no_libreoffice: None
) -> None:
    settings.staff.admins = [f"telegram:{ADMIN}"]
    settings.center.default_locale = "en"
    await seed(db)
    async with running_bot(settings, server) as bot:
        for user in (ADMIN, STRANGER):
            await bot.send(user, "/lang en")
        refused = await bot.send(STRANGER, f"/doc {OURS} agreement")
        assert "Only registered staff" in texts(refused) and not documents_in(refused)

        in_group = await bot.send(
            ADMIN, f"/doc {OURS} agreement", chat_id=STAFF_GROUP, chat_type="supergroup"
        )
        assert "only send them in a private chat" in texts(in_group)
        assert not documents_in(in_group)

        assert "/doc ID application|agreement|notice" in texts(await bot.send(ADMIN, "/doc 7"))
        no_agreement = texts(await bot.send(ADMIN, f"/doc {OTHER} notice"))
        assert f"Case {OTHER} has no agreement" in no_agreement

        got = await bot.send(ADMIN, f"/doc {OURS} agreement")
        (sent,) = documents_in(got)
        assert sent["chat"]["id"] == ADMIN
        assert sent["document"]["file_name"] == f"{OURS} 调解协议书.docx"
        assert "No PDF" in sent["caption"]
        text = docx_text(server.file_content(sent["document"]["file_id"]))
        assert "¥12,000.00" in text and "壹万贰仟元整" in text and "13912345678" in text
        assert not any(leak in text for leak in OTHER_DATA)
        other = documents_in(await bot.send(ADMIN, f"/doc {OTHER} application"))
        other_text = docx_text(server.file_content(other[0]["document"]["file_id"]))
        assert "李其他" in other_text and "张测试" not in other_text
    assert not documents_in(server.sent_messages(STAFF_GROUP))
    async with db.session() as s:
        logged = (await s.execute(select(AccessLog).order_by(AccessLog.id))).scalars().all()
    assert [(r.action, r.detail) for r in logged if r.action == "document"] == [
        ("document", "agreement"),
        ("document", "application"),
    ]
    assert any(r.action == "refused" and r.actor == f"telegram:{STRANGER}" for r in logged)


# --- /mycopy for parties, end to end ------------------------------------------------------
async def test_mycopy_for_the_parties_only(
    settings: Settings,
    server: FakeTelegramServer,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    no_libreoffice: None,
) -> None:
    monkeypatch.setitem(FEATURES.commands, "mycopy", party_docs.my_copy)
    settings.center.default_locale = "en"
    await seed(db)
    async with running_bot(settings, server) as bot:
        for user in (WORKER, EMPLOYER, STRANGER):
            await bot.send(user, "/lang en")
        stranger = await bot.send(STRANGER, f"/mycopy {OURS}")
        assert f"You have no case {OURS}" in texts(stranger) and not documents_in(stranger)
        assert "no cases" in texts(await bot.send(STRANGER, "/mycopy"))
        not_mine = await bot.send(WORKER, f"/mycopy {OTHER}")
        assert "You have no case" in texts(not_mine) and not documents_in(not_mine)

        worker = documents_in(await bot.send(WORKER, "/mycopy"))
        assert [d["document"]["file_name"] for d in worker] == [
            f"{OURS} 调解申请书.docx",
            f"{OURS} 调解协议书.docx",
            f"{OURS} 履行告知书.docx",
            f"{OURS} 调解协议仲裁审查申请书.docx",
            f"{OURS} 司法确认申请书.docx",
        ]
        assert all(d["chat"]["id"] == WORKER for d in worker)
        assert "by December 7, 2026 " in worker[3]["caption"]
        assert "by December 22, 2026" in worker[4]["caption"]
        application = docx_text(server.file_content(worker[0]["document"]["file_id"]))
        assert "13912345678" in application and "壹万贰仟伍佰元整" in application

        employer = documents_in(await bot.send(EMPLOYER, f"/mycopy {OURS}"))
        assert [d["document"]["file_name"] for d in employer] == [
            f"{OURS} 调解协议书.docx",
            f"{OURS} 履行告知书.docx",
            f"{OURS} 调解协议仲裁审查申请书.docx",
            f"{OURS} 司法确认申请书.docx",
        ]
        agreement = docx_text(server.file_content(employer[0]["document"]["file_id"]))
        assert "139****5678" in agreement and "13912345678" not in agreement
    async with db.session() as s:
        copies = (
            (await s.execute(select(AccessLog).where(AccessLog.action == "party_copy")))
            .scalars()
            .all()
        )
    assert [c.detail for c in copies] == [
        "application,agreement,notice,review,confirmation",
        "agreement,notice,review,confirmation",
    ]


# --- the CLI -------------------------------------------------------------------------------
async def test_cli_renders_a_case_document(
    settings: Settings,
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_libreoffice: None,
) -> None:
    await seed(db)
    parser = argparse.ArgumentParser()
    cli_docs.add_parsers(parser.add_subparsers(dest="command"))
    out = tmp_path / "out" / "agreement.docx"
    args = parser.parse_args(
        ["doc", "render", "--case", "lj-2026-7", "--kind", "agreement", "--out", str(out)]
    )
    assert await asyncio.to_thread(cli_docs.run, args, settings) == 0
    text = docx_text(out)
    assert "壹万贰仟元整" in text and "张测试" in text
    assert "no PDF" in capsys.readouterr().out
    refused = parser.parse_args(
        ["doc", "render", "--case", OTHER, "--kind", "notice", "--out", str(tmp_path / "n.docx")]
    )
    assert await asyncio.to_thread(cli_docs.run, refused, settings) == 1
    assert "has no agreement" in capsys.readouterr().err
    assert not (tmp_path / "n.docx").exists()
