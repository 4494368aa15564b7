"""Tables around the mediators' work and the agreement: each party's "I have read these terms"
and the trainings a mediator attended. Re-exported by storage.models."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.schema_base import Base, utcnow


class TermsReading(Base):
    """A party pressed "I have read these terms" for the terms whose SHA-256 is `terms_hash`.

    Not a signature. When the terms change their hash changes, so an earlier reading no
    longer counts; the row stays as a record of what was read when.
    """

    __tablename__ = "terms_readings"
    __table_args__ = (
        UniqueConstraint("case_id", "person_id", "terms_hash", name="uq_terms_reading"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(12))  # "applicant" | "respondent"
    terms_hash: Mapped[str] = mapped_column(String(64))
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class Training(Base):
    """A training a mediator attended (seed 000 §六(五)), counted in the annual assessment."""

    __tablename__ = "trainings"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
