"""The annual assessment of mediators (年度考核, seed 000 §六(一)): per mediator the year's
figures with the center's figure beside each, the basis for reappointment.

- handled: their cases open at some time in the year (received before it ended, not concluded
  before it began; cases referred out are not theirs); concluded: concluded in the year (the
  outcome's day, center's time zone);
- agreement rate: agreements / concluded; within period: concluded by the center's working
  period (`due_at`, with extensions) / concluded cases that had one; median days from receipt
  to outcome;
- satisfaction: mean follow-up score (1-5) and fulfilment: agreements carried out / answered,
  on the cases concluded in the year; complaints: follow-up comments staff flagged
  (/flag_complaint) in the year; trainings attended in the year (/mediators training).

The center's figure: the same ratio over all mediators' cases (the counts: the mean per
mediator).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.office.ledger import Ledger
from handlers.office.stats import local_day
from handlers.office.subsidy import outcomes_of
from settings import Settings
from storage.models import Case, FollowUp, Staff, Training

FIGURES: tuple[tuple[str, str], ...] = (
    ("handled", _("Cases handled")),
    ("concluded", _("Cases concluded")),
    ("agreement_rate", _("Agreement rate")),
    ("within_period", _("Concluded within the period")),
    ("median_days", _("Median days")),
    ("satisfaction", _("Satisfaction (1-5)")),
    ("fulfilment", _("Agreements carried out")),
    ("complaints", _("Complaints")),
    ("trainings", _("Trainings attended")),
)
RATES = ("agreement_rate", "within_period", "fulfilment")
COUNTS = ("handled", "concluded", "complaints", "trainings")


@dataclass
class Tally:
    """The raw counts behind one row (a mediator, or the whole center)."""

    handled: int = 0
    concluded: int = 0
    agreements: int = 0
    with_period: int = 0
    in_period: int = 0
    days: list[int] = field(default_factory=list)
    scores: list[int] = field(default_factory=list)
    kept: list[bool] = field(default_factory=list)
    complaints: int = 0
    trainings: int = 0

    def add(self, other: Tally) -> None:
        for name in ("handled", "concluded", "agreements", "with_period", "in_period"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.days += other.days
        self.scores += other.scores
        self.kept += other.kept
        self.complaints += other.complaints
        self.trainings += other.trainings

    def figures(self, people: int = 1) -> dict[str, float | None]:
        """The row's figures; counts divided by `people` (the center's mean per mediator)."""
        per = max(people, 1)
        return {
            "handled": self.handled / per,
            "concluded": self.concluded / per,
            "agreement_rate": self.agreements / self.concluded if self.concluded else None,
            "within_period": self.in_period / self.with_period if self.with_period else None,
            "median_days": float(median(self.days)) if self.days else None,
            "satisfaction": sum(self.scores) / len(self.scores) if self.scores else None,
            "fulfilment": sum(self.kept) / len(self.kept) if self.kept else None,
            "complaints": self.complaints / per,
            "trainings": self.trainings / per,
        }


@dataclass
class Assessment:
    year: int
    mediators: list[tuple[str, dict[str, float | None]]]  # (name, figures), by name
    center: dict[str, float | None]

    def to_json(self) -> list[dict[str, Any]]:
        rows = [{"mediator": name, **figs} for name, figs in self.mediators]
        return [*rows, {"mediator": None, "center_average": True, **self.center}]


def year_bounds(year: int, settings: Settings) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=settings.tz), datetime(year + 1, 1, 1, tzinfo=settings.tz)


async def assess(session: AsyncSession, year: int, settings: Settings) -> Assessment:
    tz = settings.tz
    since, until = year_bounds(year, settings)
    staff = {s.id: s for s in (await session.execute(select(Staff))).scalars()}
    columns = (Case.id, Case.mediator_id, Case.submitted_at, Case.received_at, Case.due_at)
    stmt = select(*columns, Case.outcome_at).where(
        Case.mediator_id.is_not(None),
        Case.submitted_at.is_not(None),
        Case.state != "referred",  # referred out: not a mediator's case
        Case.referred_route.is_(None),
        Case.submitted_at < until,
        or_(Case.outcome_at.is_(None), Case.outcome_at >= since),
    )
    cases = list((await session.execute(stmt)).all())  # columns only: nothing to decrypt
    ended = await outcomes_of(session, [c.id for c in cases])
    tallies: dict[int, Tally] = defaultdict(Tally)
    concluded_ids: dict[int, int] = {}  # case id -> mediator id
    for case in cases:
        mid = case.mediator_id
        assert mid is not None
        tally = tallies[mid]
        tally.handled += 1
        outcome = ended.get(case.id)
        if case.outcome_at is None or outcome is None or case.outcome_at >= until:
            continue
        tally.concluded += 1
        concluded_ids[case.id] = mid
        tally.agreements += outcome == "agreement"
        day = local_day(case.outcome_at, tz)
        start = case.received_at or case.submitted_at
        assert start is not None
        tally.days.append((day - local_day(start, tz)).days)
        if case.due_at is not None:
            tally.with_period += 1
            tally.in_period += day <= local_day(case.due_at, tz)
    if concluded_ids:
        rows = await session.execute(
            select(FollowUp.case_id, FollowUp.kind, FollowUp.answer).where(  # no comments
                FollowUp.case_id.in_(list(concluded_ids)), FollowUp.answer.is_not(None)
            )
        )
        for row in rows.all():
            tally = tallies[concluded_ids[row.case_id]]
            if row.kind == "satisfaction" and (row.answer or "").isdecimal():
                tally.scores.append(int(row.answer or 0))
            elif row.kind == "fulfilment":
                tally.kept.append(row.answer == "yes")
    flagged = await session.execute(
        select(Case.mediator_id)
        .join(FollowUp, FollowUp.case_id == Case.id)
        .where(
            Case.mediator_id.is_not(None),
            and_(FollowUp.complaint_at >= since, FollowUp.complaint_at < until),
        )
    )
    for (mid,) in flagged.all():
        if mid is not None:
            tallies[mid].complaints += 1
    trained = await session.execute(
        select(Training.staff_id).where(
            Training.day >= date(year, 1, 1), Training.day < date(year + 1, 1, 1)
        )
    )
    for (sid,) in trained.all():
        tallies[sid].trainings += 1
    for sid, member in staff.items():  # everyone on the roster appears, even with nothing
        if member.role == "mediator" and (member.active or sid in tallies):
            tallies[sid]
    center = Tally()
    for tally in tallies.values():
        center.add(tally)
    named = sorted(
        (
            (staff[sid].name or staff[sid].member if sid in staff else "—", t.figures())
            for sid, t in tallies.items()
        ),
        key=lambda row: row[0],
    )
    return Assessment(year, named, center.figures(len(tallies)))


def shown(t: Translator, key: str, value: float | None) -> str:
    if value is None:
        return "—"
    if key in RATES:
        return f"{100 * value:.0f}%"
    if key in ("satisfaction", "median_days") or (key in COUNTS and value != int(value)):
        return f"{value:.1f}"
    return t.number(int(value))


def assessment_text(t: Translator, a: Assessment) -> str:
    if not a.mediators:
        return t("No mediators and no mediated cases in {year}.", year=a.year)
    lines = [t("Annual assessment {year} (center's figure in brackets):", year=a.year)]
    for name, figs in a.mediators:
        parts = [
            f"{t(label)} {shown(t, key, figs[key])} ({shown(t, key, a.center[key])})"
            for key, label in FIGURES
        ]
        lines.append(t("{name}: {figures}", name=name, figures=t.join(parts, strong=True)))
    return "\n".join(lines)


def assessment_table(t: Translator, a: Assessment) -> Ledger:
    """One row per mediator and the center's row, for XLSX (rates as fractions)."""
    keys = ["mediator", *(k for k, _m in FIGURES)]
    headers = [t("Mediator"), *(t(m) for _k, m in FIGURES)]
    rows: list[list[Any]] = [[name, *(figs[k] for k, _m in FIGURES)] for name, figs in a.mediators]
    rows.append([t("Center average"), *(a.center[k] for k, _m in FIGURES)])
    return Ledger(keys, headers, rows, [])
