"""What `mediation-bot doctor` reports: one finding per check (bot/cli/doctor.py and
bot/cli/doctor_sites.py)."""

from __future__ import annotations

from dataclasses import dataclass

OK, WARN, FAIL = "ok", "warning", "FAIL"
TIMEOUT = 10.0  # seconds for each call the doctor makes


@dataclass(frozen=True)
class Finding:
    check: str
    status: str
    detail: str
    fix: str = ""
