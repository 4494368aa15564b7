"""What a new user sees from `make run` / `make test` before the bot answers (issue 20, 24)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_db_upgrade_says_created_then_up_to_date(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "data" / "m.db"}"\n', encoding="utf-8"
    )

    def upgrade() -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(config), "db", "upgrade"],
            capture_output=True,
            text=True,
            timeout=90,
            cwd=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    first, second = upgrade(), upgrade()
    assert first.startswith("database created (revision ") and "up to date" not in first
    assert second.startswith("database already up to date (revision ")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_catalog_compile_prints_no_alarming_statistic(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(ROOT / "handlers" / "locale", locale)
    for compiled in locale.glob("*/LC_MESSAGES/messages.mo"):
        compiled.unlink()
    stamp = tmp_path / "stamp"
    stamp.touch()  # newer than pyproject.toml: make does not reinstall anything
    proc = subprocess.run(
        [
            "make",
            "-s",
            "catalogs",
            f"BIN={Path(sys.executable).parent}",
            f"STAMP={stamp}",
            f"LOCALE_DIR={locale}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "(0%)" not in out and "en/LC_MESSAGES" not in out, out
    assert "(100%) translated" in out and "zh_CN" in out, out
    for lang in ("zh_CN", "en"):
        assert (locale / lang / "LC_MESSAGES" / "messages.mo").stat().st_size > 0


def test_readme_says_how_to_leave_the_console() -> None:
    assert "Ctrl-D" in (ROOT / "README.md").read_text(encoding="utf-8").split("## ")[0]
