"""`mediation-bot doc …`: render a case document, check the templates.

mediation-bot doc render --case LJ-2026-000123 --kind agreement --out agreement.docx
mediation-bot doc check [FOLDER]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from bot.config import Settings
from handlers.office import documents
from storage.models import Attachment, Case, Staff

CASE_NUMBER = re.compile(r"^([A-Za-z]{1,6})-(\d{4})-(\d{1,6})$")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doc = sub.add_parser("doc", help="case documents: application form, agreement, notice")
    doc_sub = doc.add_subparsers(dest="doc_command", metavar="TASK", required=True)
    render = doc_sub.add_parser("render", help="write one document of a case to a file")
    render.add_argument("--case", required=True, metavar="ID", help="case number (LJ-2026-000123)")
    render.add_argument("--kind", required=True, choices=documents.KINDS)
    render.add_argument(
        "--out", required=True, type=Path, metavar="FILE", help="the .docx to write"
    )
    render.add_argument(
        "--no-pdf", action="store_true", help="do not also write FILE.pdf with LibreOffice"
    )
    check = doc_sub.add_parser("check", help="render every template with sample data")
    check.add_argument("folder", nargs="?", type=Path, help="another templates folder to check")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.doc_command == "check":
        return check(settings, args.folder or documents.TEMPLATES_DIR)
    return asyncio.run(_render(args, settings))


def case_number(ref: str, settings: Settings, today: date) -> str:
    """'LJ-2026-123' → 'LJ-2026-000123'; a bare '123' is this year's case."""
    ref = ref.strip()
    if ref.isdecimal() and len(ref) <= 6:
        return f"{settings.center.case_prefix}-{today.year}-{int(ref):06d}"
    m = CASE_NUMBER.match(ref)
    if m:
        return f"{m.group(1).upper()}-{m.group(2)}-{int(m.group(3)):06d}"
    return ref.upper()


async def _render(args: argparse.Namespace, settings: Settings) -> int:
    from storage.cases import find_case_by_number
    from storage.db import migrated_session

    async with migrated_session(settings) as session:
        number = case_number(args.case, settings, datetime.now(settings.tz).date())
        case = await find_case_by_number(session, number)
        if case is None:
            print(f"mediation-bot: no case {number}", file=sys.stderr)
            return 1
        if args.kind in documents.AGREEMENT_KINDS and not await documents.reached_agreement(
            session, case
        ):
            print(
                f"mediation-bot: case {number} has no agreement; record it with /outcome",
                file=sys.stderr,
            )
            return 1
        mediator = await session.get(Staff, case.mediator_id) if case.mediator_id else None
        attachments = await documents.case_attachments(session, case)
        context = documents.build_context(
            case, settings=settings, mediator=mediator, attachments=attachments
        )
    out: Path = args.out
    try:
        documents.render_context(args.kind, context, out)
    except documents.DocumentError as exc:
        print(f"mediation-bot: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out.resolve()}")
    if not args.no_pdf:
        pdf = await asyncio.to_thread(documents.to_pdf, out)
        print(
            f"wrote {Path(pdf).resolve()}"
            if pdf
            else "no PDF: LibreOffice (soffice) is not on PATH"
        )
    return 0


def sample_case() -> tuple[Case, Staff, list[Attachment]]:
    """Synthetic data that exercises every placeholder."""
    case = Case(
        number="LJ-2026-000001",
        state="agreement",
        applicant_role="worker",
        applicant_name="张测试",
        applicant_phone="13912345678",
        applicant_id_number="11010519491231002X",
        respondent_name="示例制造有限公司",
        respondent_address="示例区示例路1号",
        respondent_uscc="91110000000000000X",
        respondent_phone="01012345678",
        categories=["pay", "overtime"],
        claims_text="支付拖欠的三个月工资和加班费",
        amount_claimed=Decimal("12500.00"),
        employment_start=date(2024, 3, 1),
        employment_end=date(2026, 9, 30),
        facts="单位自七月起未发工资。",
        workers_count=1,
        work_place="示例街道",
        submitted_at=datetime(2026, 11, 2, 2, tzinfo=UTC),
        outcome_amount=Decimal("12000.00"),
        outcome_due=date(2026, 12, 31),
        outcome_at=datetime(2026, 11, 22, 2, tzinfo=UTC),
        outcome_terms="银行转账",
    )
    evidence = [
        Attachment(kind="photo", file_name=""),
        Attachment(kind="document", file_name="合同.pdf"),
    ]
    return case, Staff(name="王调解"), evidence


def check(settings: Settings, folder: Path) -> int:
    """Render each template with sample data; report missing files and bad placeholders."""
    case, mediator, evidence = sample_case()
    context = documents.build_context(
        case, settings=settings, mediator=mediator, attachments=evidence
    )
    problems = 0
    with tempfile.TemporaryDirectory() as tmp:
        for kind in documents.KINDS:
            try:
                documents.render_context(kind, context, Path(tmp) / f"{kind}.docx", folder)
            except documents.DocumentError as exc:
                problems += 1
                print(f"{kind}: {exc}")
            else:
                print(f"{kind}: ok")
    return 1 if problems else 0
