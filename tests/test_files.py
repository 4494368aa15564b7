"""Issue 25.10: files holding personal data are 0600 and gone once sent; evidence file names
keep no control or bidirectional-override characters and no executable suffix."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.files import save_bytes
from handlers.app import Core
from handlers.conversation.edge import safe_file_name
from handlers.conversation.messages import Attachment
from handlers.office import document_context, documents
from handlers.office.ledger import Ledger, write_csv, write_xlsx
from storage.db import Database
from storage.models import Attachment as AttachmentRow
from storage.models import Case
from tests import test_documents, test_stats
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import running_bot, texts
from tests.test_detours import Party, up_to_the_narrative
from tests.test_documents import no_libreoffice  # noqa: F401  (a fixture)

SPOOF = "invoice\u202efdp.exe"  # shows as "invoiceexe.pdf" where bidi overrides work


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (022) would make new files 0644: ours must be 0600 regardless."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        (SPOOF, "invoicefdp_exe"),
        ("pay slip.pdf.exe", "pay slip.pdf_exe"),
        ("合同\u200b.pdf", "合同.pdf"),
        ("run.SH ", "run_SH"),
        ("..\\..\\boot.ini", "_.._boot.ini"),
        ("\u2067evil\u2069.scr", "evil_scr"),
        ("工资条.jpg", "工资条.jpg"),
    ],
)
def test_file_names_lose_bidi_controls_and_executable_suffixes(name: str, safe: str) -> None:
    assert safe_file_name(name) == safe


def test_saved_evidence_is_private_and_never_executable(tmp_path: Path, loose_umask: None) -> None:
    saved = save_bytes(tmp_path, b"MZ\x90\x00 not really", kind="document", file_name=SPOOF)
    assert saved.file_name == "invoicefdp_exe"
    assert not saved.path.endswith(".exe") and Path(saved.path).suffix == ""
    assert mode(saved.path) == 0o600
    photo = save_bytes(tmp_path, b"\x89PNG", kind="photo")
    assert photo.path.endswith(".jpg") and mode(photo.path) == 0o600


async def test_a_spoofed_name_is_cleaned_before_it_is_stored(
    settings: Settings, db: Database
) -> None:
    """Whatever the channel: the core cleans the name (a channel may skip bot.files)."""
    p = Party(Core(settings, db), user="files")
    await up_to_the_narrative(p)
    await p.say("老板拖欠工资")
    spoofed = Attachment(kind="document", path="x/abc", size=3, sha256="a" * 64, file_name=SPOOF)
    assert "1 file so far" in await p.say(attachments=(spoofed,))
    async with db.session() as s:
        (row,) = (await s.execute(select(AttachmentRow))).scalars().all()
    assert row.file_name == "invoicefdp_exe"


def test_application_form_shows_old_rows_cleaned() -> None:
    old = AttachmentRow(kind="document", file_name=SPOOF, size=1, sha256="b" * 64, path="p")
    assert document_context._evidence([old]) == ["invoicefdp_exe（文件）"]


def test_ledger_exports_are_private(tmp_path: Path, loose_umask: None) -> None:
    ledger = Ledger(keys=["number"], headers=["案件编号"], rows=[["LJ-2026-000001"]], case_ids=[1])
    assert mode(write_xlsx(ledger, tmp_path / "out.xlsx", "t")) == 0o600
    assert mode(write_csv(ledger, tmp_path / "out.csv")) == 0o600


async def test_documents_are_private_and_removed_once_sent(
    settings: Settings,
    server: FakeTelegramServer,
    db: Database,
    no_libreoffice: None,  # noqa: F811
    loose_umask: None,
) -> None:
    settings.staff.admins = [f"telegram:{test_documents.ADMIN}"]
    await test_documents.seed(db)
    async with db.session() as s:
        case = (
            await s.execute(select(Case).where(Case.number == test_documents.OURS))
        ).scalar_one()
        made = await documents.produce(s, case, "application", settings, pdf=False)
    assert mode(made.docx) == 0o600
    folder = documents.documents_dir(settings)
    made.docx.unlink()
    async with running_bot(settings, server) as bot:
        got = await bot.send(test_documents.ADMIN, f"/doc {test_documents.OURS} application")
        assert [m for m in got if m["method"] == "sendDocument"], texts(got)
    assert list(folder.iterdir()) == []  # sent, then removed: it held personal data


async def test_an_export_is_removed_once_sent(
    settings: Settings, server: FakeTelegramServer, db: Database
) -> None:
    await test_stats.seed(db)
    settings.staff.admins = [f"telegram:{test_stats.ADMIN}"]
    clock = test_stats.AFTER_MARCH.astimezone(UTC)
    async with running_bot(settings, server, clock=lambda: clock) as bot:
        sent = await bot.send(test_stats.ADMIN, "/export 2026-03")
        (doc,) = [m for m in sent if m["method"] == "sendDocument"]
        assert doc["document"]["file_name"] == "ledger-2026-03.xlsx"
    reports = Path(settings.storage.files_dir) / "reports"
    assert [p.name for p in reports.iterdir()] == []
