"""The risk ledger in words: /risk, `mediation-bot risk`, the warnings, the monthly summary."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.office.risk import EmployerRisk, counts_by_level
from handlers.office.risk_levels import RiskSummary

LEVEL_LABELS = {"red": _("red"), "orange": _("orange"), "yellow": _("yellow")}
LEVEL_MARKS = {"red": "🔴", "orange": "🟠", "yellow": "🟡"}
MAX_LISTED = 30  # employers in one /risk answer; the CLI lists all


def level_word(t: Translator, level: str | None) -> str:
    return t(LEVEL_LABELS[level]) if level else t("no risk rule fired")


def employer_lines(t: Translator, employer: EmployerRisk, *, reasons: bool = True) -> list[str]:
    """One employer: level, cases, workers, amounts, open collective disputes, rules."""
    mark = LEVEL_MARKS.get(employer.level or "", "⚪")
    head = f"{mark} {employer.name}"
    if employer.credit_code:
        head += f" ({employer.credit_code})"
    lines = [
        head + " · " + level_word(t, employer.level),
        "  "
        + t(
            "{cases} cases ({numbers}) · {workers} workers · claimed {claimed} · agreed {agreed}",
            cases=t.number(len(employer.cases)),
            numbers=", ".join(employer.numbers),
            workers=t.number(employer.workers),
            claimed=t.money(employer.amount_claimed),
            agreed=t.money(employer.amount_agreed),
        ),
    ]
    if employer.open_collective:
        lines.append(
            "  "
            + t(
                "Open collective disputes: {numbers}",
                numbers=", ".join(employer.open_collective),
            )
        )
    for fired in employer.fired:
        line = f"  · [{t(LEVEL_LABELS[fired.rule.level])}] {fired.rule.text(t.locale)}"
        if reasons:
            line += " " + t("(cases: {numbers})", numbers=", ".join(fired.cases))
        lines.append(line)
    return lines


def ledger_text(t: Translator, ledger: Sequence[EmployerRisk], *, limit: int | None) -> str:
    """The whole ledger, red first."""
    counts = counts_by_level(ledger)
    if not ledger:
        return t("Risk ledger: no employer meets any risk rule now.")
    lines = [
        t(
            "Risk ledger: red {red} · orange {orange} · yellow {yellow}",
            red=t.number(counts["red"]),
            orange=t.number(counts["orange"]),
            yellow=t.number(counts["yellow"]),
        )
    ]
    shown = ledger if limit is None else ledger[:limit]
    for employer in shown:
        lines += employer_lines(t, employer)
    if len(shown) < len(ledger):
        lines.append(
            t(
                "… and {count} more; name one with /risk EMPLOYER or run `mediation-bot risk`.",
                count=t.number(len(ledger) - len(shown)),
            )
        )
    return "\n".join(lines)


def warning_text(t: Translator, employer: EmployerRisk) -> str:
    """The early warning: who, the new level, the reasons and the cases."""
    head = t(
        "⚠️ Risk warning: {employer} is now at level {level}.",
        employer=employer.name,
        level=level_word(t, employer.level),
    )
    tail = t(
        "Please respond first and get in touch with the employer; the full entry: /risk {name}",
        name=employer.credit_code or employer.name,
    )
    return "\n".join([head, *employer_lines(t, employer), tail])


def summary_text(t: Translator, summary: RiskSummary) -> str:
    """For the monthly report: the count per level and the red employers by name, as the
    last evaluation (at most `[risk] evaluate_minutes` ago) found them."""
    counts = summary.counts
    line = t(
        "Risk ledger as of {time}: red {red} · orange {orange} · yellow {yellow}",
        time=t.datetime(summary.evaluated_at),
        red=t.number(counts["red"]),
        orange=t.number(counts["orange"]),
        yellow=t.number(counts["yellow"]),
    )
    if summary.red:
        line += "\n" + t("Red: {names}", names=t.join(summary.red))
    return line
