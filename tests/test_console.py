"""The console channel, driven through a real process's stdin and stdout."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest


def console_config(tmp_path: Path) -> Path:
    """config.toml in `tmp_path` (a SQLite file and a files folder there), unless one exists."""
    config = tmp_path / "config.toml"
    if not config.exists():
        config.write_text(
            "[database]\n"
            f'url = "sqlite+aiosqlite:///{tmp_path / "console.db"}"\n'
            "[storage]\n"
            f'files_dir = "{tmp_path / "files"}"\n',
            encoding="utf-8",
        )
    return config


def employer_files(evidence: Path | None = None) -> list[str]:
    """An employer files a wages case on the console in Chinese, typing numbers for buttons
    (with `evidence` attached before 完成)."""
    return [
        "2",  # 申请调解
        "2",  # 用人单位
        *["1"] * 6,  # no proceedings, enterprise, wages, no pension, a street, still employed
        "2025-12-01",
        "1",  # one worker
        "1",  # 现在申请
        "1",  # 我同意
        "示例餐饮有限公司",
        "张经理",  # the contact person
        "137 0000 1111",
        "1",  # skip the credit code
        "示例区美食街1号",  # the unit's address
        "李测试",
        "1",  # skip the worker's address
        "1",  # skip the worker's phone
        "7",  # claims: keep the pre-selected 拖欠工资, press 完成 (an employer's own list)
        "请求确认工资已经结清",
        "3000",
        "2025-01",
        "劳动者称拖欠工资，单位认为已经结清。",
        *([f"/file {evidence}"] if evidence else []),
        "1",  # 完成
        "1",  # any time
        "1",  # 提交
    ]


def run_console(tmp_path: Path, lines: list[str], *extra: str) -> str:
    config = console_config(tmp_path)
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


def test_employer_files_a_case_on_the_console(tmp_path: Path) -> None:
    """The whole journey in Chinese, typing numbers for buttons, as an employer."""
    evidence = tmp_path / "工资表.pdf"
    evidence.write_bytes(b"%PDF-1.4 synthetic payroll")
    lines = [*employer_files(evidence), "/status"]
    out = run_console(tmp_path, lines)
    assert "示例餐饮有限公司" in out
    assert re.search(r"LJ-\d{4}-000001", out), out[-2000:]
    notice = out[out.index("📋") :]
    assert "137****1111" in notice and "13700001111" not in notice
    assert "用人单位" in notice
    assert "状态：已收到，等待审核" in out  # /status
    assert "初步筛查结果：本中心可以调解" in notice
    stored = list((tmp_path / "files").rglob("*.pdf"))
    assert len(stored) == 1 and stored[0].read_bytes() == evidence.read_bytes()
