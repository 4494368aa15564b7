"""Per-case subsidies (以案定补, seeds 001 §四(三), 003 §四(三)): what each mediator's concluded
cases of a month earn at the rates in `[subsidy]`.

A case counts once, for its mediator, in the month it concluded (the outcome's day in the
center's time zone). The base rate follows how it ended: an agreement; concluded without one
(mediation failed, or the other side declined); withdrawn. A collective case and a case a court
delegated each add their supplement. Cases referred elsewhere never reach a mediator and earn
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.office.case_history import OUTCOMES
from handlers.office.ledger import Ledger
from handlers.office.months import add_months, local_day, month_start
from settings import Settings, SubsidySettings
from storage.models import Case, CaseEvent, Staff

BASE_RULE = {
    "agreement": "agreement",
    "failed": "no_agreement",
    "declined_by_respondent": "no_agreement",
    "withdrawn": "withdrawn",
}
RULE_LABELS = {
    "agreement": _("agreement"),
    "no_agreement": _("concluded without agreement"),
    "withdrawn": _("withdrawn"),
    "collective_supplement": _("collective supplement"),
    "court_supplement": _("court-delegated supplement"),
}


@dataclass
class SubsidyCase:
    number: str
    concluded: date
    outcome: str
    rules: list[str]
    amount: int


@dataclass
class MediatorSubsidy:
    mediator: str
    cases: list[SubsidyCase] = field(default_factory=list)

    @property
    def agreements(self) -> int:
        return sum(1 for c in self.cases if c.outcome == "agreement")

    @property
    def amount(self) -> int:
        return sum(c.amount for c in self.cases)

    def to_json(self) -> dict[str, Any]:
        return {
            "mediator": self.mediator,
            "cases": len(self.cases),
            "agreements": self.agreements,
            "amount": self.amount,
            "detail": [
                {
                    "number": c.number,
                    "concluded": c.concluded.isoformat(),
                    "rules": c.rules,
                    "amount": c.amount,
                }
                for c in self.cases
            ],
        }


def rules_for(outcome: str, case: Any, rates: SubsidySettings) -> tuple[list[str], int]:
    """The rules that apply to one concluded case and what they add up to."""
    base = BASE_RULE.get(outcome)
    if base is None:
        return [], 0
    rules = [base]
    if case.collective:
        rules.append("collective_supplement")
    if case.court_delegated:
        rules.append("court_supplement")
    return rules, sum(int(getattr(rates, r)) for r in rules)


async def outcomes_of(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    """How each case ended, from its history (a case closed after follow-up keeps its outcome)."""
    if not ids:
        return {}
    stmt = (
        select(CaseEvent.case_id, CaseEvent.to_state)
        .where(CaseEvent.case_id.in_(ids), CaseEvent.to_state.in_(OUTCOMES))
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    found: dict[int, str] = {}
    for case_id, state in (await session.execute(stmt)).all():
        found.setdefault(case_id, state or "")
    return found


async def concluded_between(
    session: AsyncSession, since: datetime, until: datetime
) -> list[tuple[Any, str]]:
    """Cases with a mediator that concluded in [since, until), with how they ended."""
    columns = (Case.id, Case.number, Case.state, Case.mediator_id, Case.outcome_at)
    stmt = (
        select(*columns, Case.collective, Case.court_delegated)
        .where(
            Case.mediator_id.is_not(None),
            Case.outcome_at >= since,
            Case.outcome_at < until,
        )
        .order_by(Case.outcome_at, Case.id)
    )
    cases = list((await session.execute(stmt)).all())  # columns only: nothing to decrypt
    ended = await outcomes_of(session, [c.id for c in cases])
    result = []
    for case in cases:
        outcome = ended.get(case.id) or (case.state if case.state in OUTCOMES else "")
        if outcome:
            result.append((case, outcome))
    return result


async def month_subsidies(
    session: AsyncSession, month: date, settings: Settings
) -> list[MediatorSubsidy]:
    tz = settings.tz
    since, until = month_start(month, tz), month_start(add_months(month, 1), tz)
    names = {s.id: s.name or s.member for s in (await session.execute(select(Staff))).scalars()}
    per: dict[int, MediatorSubsidy] = {}
    for case, outcome in await concluded_between(session, since, until):
        assert case.mediator_id is not None and case.outcome_at is not None
        rules, amount = rules_for(outcome, case, settings.subsidy)
        entry = per.setdefault(case.mediator_id, MediatorSubsidy(names.get(case.mediator_id, "")))
        entry.cases.append(
            SubsidyCase(case.number or "", local_day(case.outcome_at, tz), outcome, rules, amount)
        )
    return sorted(per.values(), key=lambda m: m.mediator)


def rule_text(t: Translator, rules: list[str]) -> str:
    return " + ".join(t(RULE_LABELS[r]) for r in rules)


def subsidy_text(t: Translator, month_label: str, rows: list[MediatorSubsidy]) -> str:
    """The month's subsidies per mediator, with each case and the rule applied."""
    if not rows:
        return t("No case with a mediator concluded in {month}.", month=month_label)
    lines = [t("Per-case subsidies (以案定补) for {month}:", month=month_label)]
    for row in rows:
        lines.append(
            t(
                "{name}: {count} cases, {agreements} agreements, {amount}",
                name=row.mediator,
                count=t.number(len(row.cases)),
                agreements=t.number(row.agreements),
                amount=t.money(Decimal(row.amount)),
            )
        )
        for c in row.cases:
            rule, money = rule_text(t, c.rules), t.money(Decimal(c.amount))
            lines.append(f"  {c.number} · {t.date(c.concluded)} · {rule} · {money}")
    total = sum(r.amount for r in rows)
    lines.append(t("Total: {amount}", amount=t.money(Decimal(total))))
    return "\n".join(lines)


def subsidy_table(t: Translator, rows: list[MediatorSubsidy]) -> Ledger:
    """One row per case (for XLSX), then a subtotal per mediator."""
    keys = ["mediator", "number", "closed", "outcome", "amount"]
    headers = [
        t("Mediator"),
        t("Case number"),
        t("Date concluded"),
        t("Rule applied"),
        t("Amount (yuan)"),
    ]
    table: list[list[Any]] = []
    for row in rows:
        for c in row.cases:
            table.append([row.mediator, c.number, c.concluded, rule_text(t, c.rules), c.amount])
        table.append([row.mediator, t("Total"), None, "", row.amount])
    return Ledger(keys, headers, table, [])
