"""The console as people first try it (issue 20, points 22-23): labelled work-group notices,
numbers that press the notice's buttons in `console --staff`, full paths of written files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.test_console import console_config, employer_files, run_console


def _file_then_press_2(tmp_path: Path, *extra: str) -> tuple[str, str]:
    """Typed like a person: "2" only after the work-group notice has been shown."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(console_config(tmp_path)), "console", *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write("\n".join(employer_files()) + "\n")
    proc.stdin.flush()
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.strip() == "[2] 受理" and any("📋 [工作群] " in s for s in seen):
            break
    proc.stdin.write("2\n")  # the notice's second button is 受理
    proc.stdin.close()
    rest = proc.stdout.read()
    assert proc.wait(timeout=90) == 0, proc.stderr.read() if proc.stderr else ""
    return "".join(seen), rest


def test_staff_console_numbers_press_the_work_group_notice(tmp_path: Path) -> None:
    before, rest = _file_then_press_2(tmp_path, "--staff")
    assert "📋 [工作群] 新申请 LJ-" in before
    assert "已受理" in rest, rest[-1500:]
    assert "🔔 [申请人 示例餐饮有限公司] " in rest, rest[-1500:]  # the party's own push, labelled
    assert "您好" not in rest  # not the party's 主菜单 (button 2 of the last party reply)


def test_party_console_numbers_stay_with_the_party(tmp_path: Path) -> None:
    before, rest = _file_then_press_2(tmp_path)
    assert "📋 [工作群] 新申请 LJ-" in before
    assert "已受理" not in rest and "您好" in rest  # 2 = 主菜单 of the party's last reply


# --- 23: the full path of the file written -------------------------------------------------
def test_console_prints_the_full_path_of_a_document(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(  # a relative files folder, as in a fresh clone's
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "c.db"}"\n'
        '[storage]\nfiles_dir = "data/files"\n',
        encoding="utf-8",
    )
    out = run_console(tmp_path, ["/mydata"])
    line = next(x for x in out.splitlines() if "📄" in x)
    shown = Path(line.split("📄 ", 1)[1].split(" (")[0])
    assert shown.is_absolute() and shown.is_file(), line
    assert shown.is_relative_to(tmp_path / "data" / "files")


def test_cli_document_and_export_print_full_paths(tmp_path: Path) -> None:
    config = console_config(tmp_path)
    run = [sys.executable, "-m", "bot", "--config", str(config)]
    subprocess.run([*run, "db", "upgrade"], check=True, capture_output=True, cwd=tmp_path)
    export = subprocess.run(
        [*run, "export", "--out", "ledger.xlsx"],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
    )
    assert export.returncode == 0, export.stderr
    assert f"wrote {tmp_path / 'ledger.xlsx'}" in export.stderr
