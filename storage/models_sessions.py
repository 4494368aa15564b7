"""Tables of session reminders and the mediator roster's specialties and employer links
(issue 23). Re-exported by storage.models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.schema_base import Base, utcnow


class SessionReminder(Base):
    """One reminder of one session: the day before or an hour before.

    The rows are the schedule: a reminder is sent once (a row is claimed with a row lock, its
    pushes carry the row's id in their outbox keys), across restarts and several processes.
    A moved or cancelled session cancels its open rows; the new time gets new ones.
    """

    __tablename__ = "session_reminders"
    __table_args__ = (
        UniqueConstraint("case_id", "session_at", "kind", name="uq_session_reminder"),
        Index("ix_session_reminders_due", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    session_at: Mapped[datetime] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))  # "day_before" | "hour_before"
    due_at: Mapped[datetime] = mapped_column()
    # scheduled → sent | skipped (too late to be useful) | cancelled (session moved/cancelled)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MediatorSpecialty(Base):
    """A claim category a mediator on the roster specialises in (e.g. "pay", "injury")."""

    __tablename__ = "mediator_specialties"
    __table_args__ = (UniqueConstraint("staff_id", "category", name="uq_mediator_specialty"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(40))


class MediatorLink(Base):
    """An employer a mediator is linked to (worked for, family there…): never their case."""

    __tablename__ = "mediator_links"
    __table_args__ = (UniqueConstraint("staff_id", "employer_key", name="uq_mediator_link"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    employer: Mapped[str] = mapped_column(String(200))  # as staff typed it
    employer_key: Mapped[str] = mapped_column(String(200))  # compared: see handlers.staff.suggest
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")
