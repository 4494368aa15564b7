"""Case documents on paper: the application form, the agreement draft, the fulfilment notice.

The templates are .docx files under knowledge/templates/ with jinja placeholders (docxtpl);
a center can replace them with its own letterhead without touching code (docs/documents.md).
Only the one case's own data goes into its context (document_context.py). DOCX always; PDF
too when LibreOffice (`soffice`/`libreoffice`) is on PATH, otherwise the PDF is skipped.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, TemplateError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.private_files import create_private, make_private

# Callers import build_context from here too: what a document may print is document_context.py.
from handlers.office.document_context import Viewer, build_context
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
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "templates"
DOCUMENT_MAX_AGE = timedelta(days=1)  # generated files hold personal data: kept one day
PDF_TIMEOUT = 120


class DocumentError(Exception):
    """A template is missing or cannot be rendered."""


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
