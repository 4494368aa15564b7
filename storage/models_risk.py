"""The employers' risk levels as the last full evaluation of the risk ledger left them, and
when that evaluation ran. Re-exported by storage.models.

Written by the periodic risk check (handlers/office/risk_levels.py) so that the monthly
report reads a few rows instead of rebuilding the ledger from every open and recent case.
The rows are replaced at every evaluation: an employer leaves them as soon as no open or
recent case names it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.schema_base import Base


class RiskLevel(Base):
    """One graded employer (red, orange or yellow) at the last evaluation."""

    __tablename__ = "risk_levels"
    id: Mapped[int] = mapped_column(primary_key=True)
    # as risk_warnings keeps it: "code:<credit code>", else "name#<hash of the name>"
    employer_key: Mapped[str] = mapped_column(String(220), index=True)
    # for red employers only: the monthly report names them
    employer_name: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(10))
    cases: Mapped[int] = mapped_column(default=0)  # how many cases (the ledger's order)
    evaluated_at: Mapped[datetime] = mapped_column()


class RiskEvaluation(Base):
    """When the stored levels were evaluated: one row ("ledger"). Its conditional upsert
    (only a later evaluation replaces an earlier one) decides which process writes."""

    __tablename__ = "risk_evaluations"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    evaluated_at: Mapped[datetime] = mapped_column()
    employers: Mapped[int] = mapped_column(default=0)  # graded employers stored
