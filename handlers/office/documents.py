"""Case documents on paper: the application form, the agreement draft, the fulfilment notice.

The templates are .docx files under knowledge/templates/ with jinja placeholders (docxtpl);
a center can replace them with its own letterhead without touching code (docs/documents.md).
Only the one case's own data goes into its context. DOCX always; PDF too when LibreOffice
(`soffice`/`libreoffice`) is on PATH, otherwise the PDF is skipped.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, TemplateError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.answer_dates import UNIT_CONTACT, chinese_day_or_month, month_only
from handlers.casework.claims import CATEGORIES
from handlers.casework.deadlines import (
    CONFIRM_DAYS,
    REVIEW_DAYS,
    latest_safe_arbitration_date,
    year_after,
)
from handlers.casework.numerals import amount_in_capitals, amount_in_figures, chinese_date
from handlers.conversation.edge import safe_file_name
from handlers.conversation.i18n import Translator
from handlers.conversation.masking import mask_id_number, mask_phone
from handlers.conversation.private_files import create_private, make_private
from settings import Settings
from storage.models import Attachment, Case, CaseEvent, Staff

log = logging.getLogger(__name__)

Kind = Literal["application", "agreement", "notice", "report", "review", "confirmation"]
KINDS: tuple[Kind, ...] = ("application", "agreement", "notice", "report", "review", "confirmation")
AGREEMENT_KINDS = frozenset({"agreement", "notice", "review", "confirmation"})
TITLES = {
    "application": "调解申请书",
    "agreement": "调解协议书",
    "notice": "履行告知书",
    "report": "委托调解结果报告",
    "review": "调解协议仲裁审查申请书",  # knowledge/templates/build_enforce.py
    "confirmation": "司法确认申请书",
}
OUTCOME_LABELS = {
    "agreement": "达成调解协议",
    "failed": "调解不成",
    "withdrawn": "申请人撤回申请",
    "declined_by_respondent": "被申请人不同意调解",
    "referred": "不属于本中心受理范围，已告知其他途径",
    "closed": "已结案",
}
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "templates"
BLANK = "＿＿＿＿＿＿＿＿"  # printed where a value is missing, to be filled in by hand
DOCUMENT_MAX_AGE = timedelta(days=1)  # generated files hold personal data: kept one day
PDF_TIMEOUT = 120
EVIDENCE_KINDS = {"photo": "照片", "document": "文件", "voice": "语音", "video": "视频"}
Viewer = Literal["staff", "applicant", "respondent"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # \n and \t stay; docxtpl maps \a, \f


class DocumentError(Exception):
    """A template is missing or cannot be rendered."""


def _text(value: str | None) -> str:
    clean = _CONTROL.sub("", (value or "").replace("\r\n", "\n")).strip()
    return clean or BLANK


def _party(case: Case, side: str, *, masked: bool) -> dict[str, Any]:
    """A party's particulars; `masked` hides phone and ID number (for the other side's copy)."""
    worker = (side == "applicant") == (case.applicant_role == "worker")
    if side == "applicant":
        phone, id_number = case.applicant_phone, case.applicant_id_number
        contact = (case.screening or {}).get(UNIT_CONTACT) or {}
        uscc, address = case.applicant_uscc, str(contact.get("address") or "")
    else:
        phone, id_number = case.respondent_phone or "", None
        uscc, address = case.respondent_uscc, case.respondent_address
    if masked:
        phone = mask_phone(phone) if phone else ""
        id_number = mask_id_number(id_number) if id_number else None
    return {
        "is_worker": worker,
        "role_label": "劳动者" if worker else "用人单位",
        "name": _text(getattr(case, f"{side}_name")),
        "phone": _text(phone),
        "id_number": _text(id_number),
        "uscc": _text(uscc),
        "address": _text(address),
    }


def _money(amount: Any) -> dict[str, Any]:
    if amount is None:
        return {"has_amount": False, "amount_figures": BLANK, "amount_capitals": BLANK}
    return {
        "has_amount": True,
        "amount_figures": amount_in_figures(amount),
        "amount_capitals": amount_in_capitals(amount),
    }


def _local(value: datetime | None, settings: Settings) -> date | None:
    return value.astimezone(settings.tz).date() if value else None


_year_after = year_after  # one rule for "one year later" (handlers.casework.deadlines)


def _evidence(attachments: Sequence[Attachment]) -> list[str]:
    items = []
    for n, item in enumerate(attachments, 1):
        label = EVIDENCE_KINDS.get(item.kind, "文件")
        name = safe_file_name(_CONTROL.sub("", item.file_name))  # rows stored before the edge
        items.append(f"{name}（{label}）" if name else f"{label}{n}")
    return items


def build_context(
    case: Case,
    *,
    settings: Settings,
    mediator: Staff | None = None,
    attachments: Sequence[Attachment] = (),
    viewer: Viewer = "staff",
    today: date | None = None,
) -> dict[str, Any]:
    """Everything a template may use (listed in docs/documents.md), from this one case."""
    zh = Translator("zh_CN", settings.tz)
    today = today or datetime.now(settings.tz).date()
    applicant = _party(case, "applicant", masked=viewer == "respondent")
    respondent = _party(case, "respondent", masked=False)
    worker, employer = (
        (applicant, respondent) if applicant["is_worker"] else (respondent, applicant)
    )
    start, end = case.employment_start, case.employment_end
    employment = BLANK
    if start:
        months = month_only(case.screening)
        until = chinese_day_or_month(end, "employment_end" in months) if end else "今"
        employment = f"{chinese_day_or_month(start, 'employment_start' in months)}至{until}"
    agreed = _local(case.outcome_at, settings) or today
    due = case.outcome_due
    return {
        "center": {
            "name": settings.center.full_name,
            "district": settings.center.district,
            "address": settings.center.address,
            "phone": settings.center.phone,
        },
        "arbitration": {
            "commission": settings.arbitration.commission,
            "address": settings.arbitration.address,
        },
        "case": {
            "number": case.number or BLANK,
            "submitted_date": chinese_date(_local(case.submitted_at, settings) or today),
            "categories": "、".join(zh(CATEGORIES[c]) for c in case.categories if c in CATEGORIES)
            or BLANK,
            "claims": _text(case.claims_text),
            "facts": _text(case.facts),
            "employment": employment,
            "work_place": _text(case.work_place),
            "workers_count": case.workers_count,
            **_money(case.amount_claimed),
        },
        "applicant": applicant,
        "respondent": respondent,
        "worker": worker,
        "employer": employer,
        "evidence": _evidence(attachments),
        "mediator": {"name": mediator.name if mediator and mediator.name else BLANK},
        "agreement": {
            "date": chinese_date(agreed),
            "due_date": chinese_date(due) if due else BLANK,
            "terms": _text((case.outcome_terms or "").strip().rstrip("。.；;")),
            "has_terms": bool((case.outcome_terms or "").strip()),
            **_money(case.outcome_amount),
        },
        "deadlines": {
            "review_by": chinese_date(agreed + timedelta(days=REVIEW_DAYS)),
            "confirm_by": chinese_date(agreed + timedelta(days=CONFIRM_DAYS)),
            "limitation_by": chinese_date(
                latest_safe_arbitration_date(settings, case, after_agreement=True)  # type: ignore[arg-type]  # a date once outcome_at is set
                if case.outcome_at
                else _year_after(agreed)
            ),
        },
        "court": {"name": _text(case.court_name), "ref": _text(case.court_ref)},
        "confirmation_court": {"name": settings.court.name, "address": settings.court.address},
        "outcome": {
            "label": OUTCOME_LABELS.get(case.state, "调解中"),
            "date": chinese_date(_local(case.outcome_at, settings) or today),
            "accepted_date": chinese_date(_local(case.accepted_at, settings) or today),
        },
        "generated_date": chinese_date(today),
    }


def template_path(kind: str, templates_dir: Path = TEMPLATES_DIR) -> Path:
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}; one of {', '.join(KINDS)}")
    return templates_dir / f"{kind}.docx"


def _environment() -> Environment:
    # A misspelt placeholder in a replaced template fails loudly instead of printing nothing.
    return Environment(undefined=StrictUndefined, autoescape=True)


def render_context(
    kind: str, context: dict[str, Any], out_path: Path, templates_dir: Path = TEMPLATES_DIR
) -> Path:
    path = template_path(kind, templates_dir)
    if not path.is_file():
        raise DocumentError(f"template {path} is missing")
    try:
        doc = DocxTemplate(str(path))
        doc.render(context, _environment(), autoescape=True)
    except TemplateError as exc:
        raise DocumentError(f"template {path.name}: {exc}") from exc
    except Exception as exc:  # a replaced file that is not a valid .docx
        raise DocumentError(f"template {path.name} cannot be read: {exc}") from exc
    out_path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out_path))
    return out_path


def render(
    case: Case,
    kind: str,
    out_path: Path,
    *,
    settings: Settings,
    mediator: Staff | None = None,
    attachments: Sequence[Attachment] = (),
    viewer: Viewer = "staff",
    today: date | None = None,
    templates_dir: Path = TEMPLATES_DIR,
) -> Path:
    """Render one document of `case` to `out_path` (.docx) and return the path."""
    context = build_context(
        case,
        settings=settings,
        mediator=mediator,
        attachments=attachments,
        viewer=viewer,
        today=today,
    )
    return render_context(kind, context, Path(out_path), templates_dir)


# --- PDF ----------------------------------------------------------------------------------
def pdf_converter() -> str | None:
    """LibreOffice's command if it is on PATH."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: Path, *, timeout: float = PDF_TIMEOUT) -> Path | None:
    """Convert with LibreOffice beside the .docx; None when no converter is installed or it
    fails (logged), so callers fall back to the DOCX alone."""
    command = pdf_converter()
    if command is None:
        log.info("no LibreOffice on PATH: %s stays DOCX only", docx.name)
        return None
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        args = [
            command,
            f"-env:UserInstallation={Path(profile).as_uri()}",  # parallel runs need own profiles
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(docx.parent),
            str(docx),
        ]
        try:
            subprocess.run(args, capture_output=True, timeout=timeout, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("PDF conversion of %s failed: %s", docx.name, exc)
            return None
    pdf = docx.with_suffix(".pdf")
    return pdf if pdf.is_file() else None


# --- files for the chat -------------------------------------------------------------------
@dataclass(frozen=True)
class Produced:
    """A rendered document: the DOCX, the PDF when one could be made, names to show."""

    kind: str
    docx: Path
    pdf: Path | None
    docx_name: str
    pdf_name: str


def documents_dir(settings: Settings) -> Path:
    path = Path(settings.storage.files_dir) / "documents"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def display_name(case: Case, kind: str, suffix: str) -> str:
    """What the recipient sees: 'LJ-2026-000123 调解协议书.docx'."""
    return f"{case.number} {TITLES[kind]}{suffix}"


def prune(folder: Path, max_age: timedelta = DOCUMENT_MAX_AGE) -> int:
    """Delete generated documents older than `max_age`; they hold personal data."""
    cutoff = time.time() - max_age.total_seconds()
    removed = 0
    for path in folder.glob("*.*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:  # another process removed it first
            continue
    return removed


async def reached_agreement(session: AsyncSession, case: Case) -> bool:
    """The case ended with an agreement (it may have been closed after follow-up since)."""
    if case.state == "agreement":
        return True
    stmt = select(CaseEvent.id).where(
        CaseEvent.case_id == case.id, CaseEvent.to_state == "agreement"
    )
    return (await session.execute(stmt.limit(1))).first() is not None


async def case_attachments(session: AsyncSession, case: Case) -> Sequence[Attachment]:
    """The evidence filed with this case (and no other)."""
    stmt = select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
    return (await session.execute(stmt)).scalars().all()


async def produce(
    session: AsyncSession,
    case: Case,
    kind: str,
    settings: Settings,
    *,
    viewer: Viewer = "staff",
    pdf: bool = True,
    today: date | None = None,
) -> Produced:
    """Render `kind` for `case` under files_dir/documents with an unguessable name."""
    mediator = await session.get(Staff, case.mediator_id) if case.mediator_id else None
    attachments = await case_attachments(session, case)
    context = build_context(
        case,
        settings=settings,
        mediator=mediator,
        attachments=attachments,
        viewer=viewer,
        today=today,
    )
    folder = documents_dir(settings)
    await asyncio.to_thread(prune, folder)
    out = create_private(folder / f"{secrets.token_urlsafe(24)}.docx")
    await asyncio.to_thread(render_context, kind, context, out)
    make_private(out)  # in case the renderer replaced the file
    converted = await asyncio.to_thread(to_pdf, out) if pdf else None
    if converted is not None:
        make_private(converted)  # LibreOffice writes with the umask's mode
    return Produced(
        kind,
        out,
        converted,
        display_name(case, kind, ".docx"),
        display_name(case, kind, ".pdf"),
    )
