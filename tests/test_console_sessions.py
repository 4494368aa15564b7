"""Issue 23 on the console (`console --staff`): the suggested mediators as numbered buttons,
a video session with a link from the template, moved and cancelled, each announced to the
party (🔔)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_console import console_config, employer_files, run_console


def test_console_suggests_assigns_schedules_moves_and_cancels(tmp_path: Path) -> None:
    config = console_config(tmp_path)
    config.write_text(
        config.read_text(encoding="utf-8")
        + '[center]\nmeeting_link_template = "https://meet.example.org/{case}-{token}"\n',
        encoding="utf-8",
    )
    out = run_console(
        tmp_path,
        [
            *employer_files(),  # the employer 示例餐饮有限公司 files case 1 (wages)
            "/accept 1",
            "/mediators add console:m1 王调解",
            "/mediators add console:m2 李调解",
            "/mediators specialty console:m2 pay",
            "/mediators link console:m1 示例餐饮有限公司",  # the employer is the applicant here
            "/assign 1",
            "1",  # the first suggestion
            "/schedule 1 2099-01-05 10:00 video",
            "/reschedule 1 2099-01-06 15:00",
            "/cancel_session 1 调解员生病",
        ],
        "--staff",
    )
    suggestion = out[out.index("1. 李调解") :]
    assert "王调解 (示例餐饮有限公司)" in suggestion.split("[1]")[0]  # left out, and why
    assert "[1] ★ 李调解 (0)" in suggestion and "] 王调解" not in suggestion
    assert "已指派给李调解" in out
    pushes = [line for line in out.splitlines() if line.startswith("🔔 [申请人")]
    links = re.findall(r"https://meet\.example\.org/LJ-\d{4}-\d{6}-[\w-]{22,}", out)
    assert links and len(set(links)) == 1  # one session, one link, sent with each notice
    assert any("2099年1月5日 10:00" in p for p in pushes)
    moved = next(i for i, p in enumerate(pushes) if "2099年1月6日 15:00" in p)
    assert "2099年1月5日 10:00" in pushes[moved]  # from the old time to the new one
    cancelled = out[out.rindex("🔔 [申请人") :]
    assert "2099年1月6日 15:00" in cancelled and "调解员生病" in cancelled
