"""The employer risk ledger (风险台账): every employer the rules grade, read from the cases.

Cases still open and cases received within the rules' longest window are grouped by
employer (handlers/casework/employers.py) and graded (handlers/casework/risk_rules.py with
knowledge/risk.toml). Only the columns the rules read are loaded: nothing encrypted is
decrypted to build the ledger.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.employers import (
    EmployerRef,
    group_employers,
    normalise_credit_code,
    normalise_name,
)
from handlers.casework.lifecycle import ENDED
from handlers.casework.risk_rules import CaseFacts, Fired, evaluate, level_of
from knowledge.risk import RANK, RiskRules, load_risk_rules
from storage.models import Case, FollowUp

COLLECTIVE_WORKERS = 10  # 调解仲裁法 第七条


@dataclass
class EmployerRisk:
    key: str
    name: str
    credit_code: str | None
    cases: list[CaseFacts]
    fired: list[Fired] = field(default_factory=list)

    @property
    def level(self) -> str | None:
        return level_of(self.fired)

    @property
    def workers(self) -> int:
        return sum(c.workers for c in self.cases)

    @property
    def amount_claimed(self) -> Decimal:
        return sum((c.amount_claimed or Decimal(0) for c in self.cases), Decimal(0))

    @property
    def amount_agreed(self) -> Decimal:
        return sum((c.amount_agreed or Decimal(0) for c in self.cases), Decimal(0))

    @property
    def open_collective(self) -> list[str]:
        return [c.number for c in self.cases if c.open and c.workers >= COLLECTIVE_WORKERS]

    @property
    def numbers(self) -> list[str]:
        return [c.number for c in self.cases]

    def to_json(self) -> dict[str, Any]:
        return {
            "employer": self.name,
            "credit_code": self.credit_code,
            "level": self.level,
            "cases": self.numbers,
            "workers": self.workers,
            "amount_claimed": _number(self.amount_claimed),
            "rules": [f.rule.id for f in self.fired],
            "amount_agreed": _number(self.amount_agreed),
            "open_collective": self.open_collective,
            "key": self.key,
        }


def stored_key(employer: EmployerRisk) -> str:
    """The employer as the risk tables keep it (risk_warnings, risk_levels): the credit code
    (an organisation), else a hash of the normalised name, which may be a person's (a
    household, a sole trader) and must not outlive the cases' retention."""
    if employer.credit_code:
        return employer.key
    return "name#" + hashlib.sha256(employer.key.encode()).hexdigest()[:40]


def _number(amount: Decimal) -> int | float:
    return int(amount) if amount == amount.to_integral_value() else float(amount)


_RECEIVED = func.coalesce(Case.received_at, Case.submitted_at, Case.created_at)
_COLUMNS = (
    Case.id,
    Case.number,
    Case.state,
    Case.applicant_role,
    Case.applicant_name,
    Case.applicant_uscc,
    Case.respondent_name,
    Case.respondent_uscc,
    Case.categories,
    Case.workers_count,
    Case.collective,
    Case.amount_claimed,
    Case.outcome_amount,
    Case.received_at,
    Case.submitted_at,
    Case.created_at,
)


async def _fulfilment(session: AsyncSession, cases: Any) -> dict[int, Any]:
    """Each case's latest fulfilment answer (yes / partly / no) and when it was given, for
    the cases the query `cases` (of case ids) selects: given as a query, not as a list, as
    a city's open and recent cases are 40,000 ids, more than a PostgreSQL statement may
    carry as parameters."""
    stmt = (
        select(FollowUp.case_id, FollowUp.answer, FollowUp.answered_at)
        .where(
            FollowUp.kind == "fulfilment",
            FollowUp.answer.is_not(None),
            FollowUp.answered_at.is_not(None),
            FollowUp.case_id.in_(cases),
        )
        .order_by(FollowUp.answered_at)
    )
    return {row.case_id: row for row in await session.execute(stmt)}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _near(case: Case) -> Any:
    """SQL: the cases that may be `case`'s employer's: the same credit code, or a name that
    contains the first two characters of its normalised name (the variants of a name share
    them: brackets, forms and branches are at the end)."""
    employer_filed = case.applicant_role == "employer"
    code = normalise_credit_code(case.applicant_uscc if employer_filed else case.respondent_uscc)
    name = normalise_name(case.applicant_name if employer_filed else case.respondent_name)
    conditions = [Case.id == case.id]
    if code:
        conditions += [Case.respondent_uscc == code, Case.applicant_uscc == code]
    if name:
        conditions += [
            Case.respondent_name.contains(name[:2]),
            Case.applicant_name.contains(name[:2]),
        ]
    return or_(*conditions)


async def load_cases(
    session: AsyncSession, rules: RiskRules, now: datetime, near: Case | None = None
) -> tuple[list[CaseFacts], list[EmployerRef]]:
    """The cases the rules read: open ones and those received within the longest window
    (with `near`, only those that may be that case's employer's)."""
    since = now - timedelta(days=rules.lookback_days())
    where = (
        Case.number.is_not(None),
        Case.state != "draft",
        or_(Case.state.not_in(ENDED), since <= _RECEIVED),
        *([_near(near)] if near is not None else []),
    )
    rows = list(await session.execute(select(*_COLUMNS).where(*where).order_by(_RECEIVED, Case.id)))
    answers = await _fulfilment(session, select(Case.id).where(*where)) if rows else {}
    facts, refs = [], []
    for i, r in enumerate(rows):
        answer = answers.get(r.id)
        facts.append(
            CaseFacts(
                case_id=r.id,
                number=r.number,
                received=_aware(r.received_at or r.submitted_at or r.created_at),
                open=r.state not in ENDED,
                categories=tuple(r.categories or ()),
                workers=max(int(r.workers_count or 1), 1),
                amount_claimed=r.amount_claimed,
                amount_agreed=r.outcome_amount,
                fulfilment=answer.answer if answer else None,
                fulfilment_at=_aware(answer.answered_at) if answer else None,
            )
        )
        employer_filed = r.applicant_role == "employer"
        refs.append(
            EmployerRef(
                index=i,
                name=r.applicant_name if employer_filed else r.respondent_name,
                credit_code=r.applicant_uscc if employer_filed else r.respondent_uscc,
            )
        )
    return facts, refs


async def build_ledger(
    session: AsyncSession,
    tz: tzinfo,
    now: datetime,
    *,
    rules: RiskRules | None = None,
    graded_only: bool = True,
    near: Case | None = None,
) -> list[EmployerRisk]:
    """Every employer with a level (or all, `graded_only=False`), red first, then by the
    number of cases. With `near`, only the employer of that case (after a filing)."""
    rules = rules or load_risk_rules()
    facts, refs = await load_cases(session, rules, now, near)
    today = now.astimezone(tz).date()
    ledger = []
    for group in group_employers(refs):
        cases = [facts[i] for i in group.members]
        if near is not None and near.id not in {c.case_id for c in cases}:
            continue  # another employer, seen only in part
        employer = EmployerRisk(group.key, group.name, group.credit_code, cases)
        employer.fired = evaluate(rules, cases, employer_name=group.name, now=now, today=today)
        if employer.level or not graded_only:
            ledger.append(employer)
    ledger.sort(key=lambda e: (-RANK.get(e.level or "", 0), -len(e.cases), e.name))
    return ledger


def find_employer(ledger: Sequence[EmployerRisk], query: str) -> list[EmployerRisk]:
    """The employers `query` names: by credit code, by normalised name, else those whose
    normalised name contains it."""
    code = normalise_credit_code(query)
    if code:
        return [e for e in ledger if e.credit_code == code]
    wanted = normalise_name(query)
    if not wanted:
        return []
    exact = [e for e in ledger if normalise_name(e.name) == wanted]
    return exact or [e for e in ledger if wanted in normalise_name(e.name)]


def counts_by_level(ledger: Sequence[EmployerRisk]) -> dict[str, int]:
    counts = {level: 0 for level in RANK}
    for employer in ledger:
        if employer.level:
            counts[employer.level] += 1
    return counts
