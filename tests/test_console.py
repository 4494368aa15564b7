"""The console channel, driven through a real process's stdin and stdout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run_console(tmp_path: Path, lines: list[str], *extra: str) -> str:
    config = tmp_path / "config.toml"
    if not config.exists():
        config.write_text(
            "[database]\n"
            f'url = "sqlite+aiosqlite:///{tmp_path / "console.db"}"\n'
            "[storage]\n"
            f'files_dir = "{tmp_path / "files"}"\n',
            encoding="utf-8",
        )
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "console", *extra],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout


def test_console_greets_in_chinese_and_switches_to_english(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["/lang en"])
    chinese, english = out.split("Language set to English.")
    assert "申请调解" in chinese
    assert "File a dispute" not in chinese
    assert "File a dispute" in english


def test_console_buttons_are_numbered_and_language_is_remembered(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["6", "2"])  # menu item 6: language; then 2: English
    assert "[6] 语言 / Language" in out
    assert "[2] English" in out
    assert "Language set to English." in out
    again = run_console(tmp_path, [])  # a new process on the same database
    assert "File a dispute" in again


@pytest.mark.parametrize(
    "line", ["/nonsense", "x" * 5000, "\x00\x01binary", "'; DROP TABLE cases;--"]
)
def test_console_bad_input_gets_a_polite_answer(tmp_path: Path, line: str) -> None:
    out = run_console(tmp_path, ["/lang en", line, "/help"])
    assert "/status" in out  # still alive and answering after the bad line
