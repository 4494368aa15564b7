"""Database tables. One schema for SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    or_,
    update,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from storage.crypto import EncryptedJSON, EncryptedString, EncryptedText
from storage.models_broadcast import (
    Broadcast,
    MassSendSlot,
    PublicationDraft,
    PublicationReceipt,
    Subscription,
)
from storage.models_mediators import TermsReading, Training
from storage.models_platform import (
    CallbackNonce,
    ChatChoices,
    InboundUpdate,
    JobRun,
    OutboxMessage,
    PlatformToken,
)
from storage.models_risk import RiskEvaluation, RiskLevel
from storage.models_sessions import MediatorLink, MediatorSpecialty, SessionReminder
from storage.schema_base import Base, UTCDateTime, utcnow

__all__ = [  # the platform tables and the base are re-exported: import tables from here
    "Base",
    "Broadcast",
    "CallbackNonce",
    "ChatChoices",
    "InboundUpdate",
    "JobRun",
    "MassSendSlot",
    "MediatorLink",
    "MediatorSpecialty",
    "OutboxMessage",
    "PlatformToken",
    "PublicationDraft",
    "PublicationReceipt",
    "RiskEvaluation",
    "RiskLevel",
    "SessionReminder",
    "Subscription",
    "TermsReading",
    "Training",
    "UTCDateTime",
    "utcnow",
]


class Person(Base):
    """Someone who talks to the bot; may have identities on several channels."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str | None] = mapped_column(String(10), default=None)
    survey_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    identities: Mapped[list[Identity]] = relationship(back_populates="person", lazy="raise")


class Identity(Base):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_identity_channel_ext"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    chat_id: Mapped[str] = mapped_column(String(100))
    username: Mapped[str | None] = mapped_column(String(100), default=None)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Pushes sent since the person last wrote (WeChat caps them inside its 48-hour window).
    window_pushes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    person: Mapped[Person] = relationship(back_populates="identities")


class Conversation(Base):
    """The step machine's state for one person in one chat."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "person_id", name="uq_conversation"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    flow: Mapped[str | None] = mapped_column(String(50), default=None)
    step: Mapped[str | None] = mapped_column(String(50), default=None)
    # Encrypted: an unfinished application holds the phone, ID number and the person's words.
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    history: Mapped[list[Any]] = mapped_column(EncryptedJSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CaseCounter(Base):
    """Last sequence number used per prefix and year; bumped atomically by an upsert."""

    __tablename__ = "case_counters"
    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    """An intake record (受理登记) and its lifecycle."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_outcome_due", "outcome_at", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(30), unique=True, default=None)
    state: Mapped[str] = mapped_column(String(30), default="submitted", index=True)
    applicant_role: Mapped[str] = mapped_column(String(10), default="worker")
    applicant_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_phone: Mapped[str] = mapped_column(EncryptedString)
    applicant_phone_last4: Mapped[str] = mapped_column(String(4), default="", index=True)
    applicant_id_number: Mapped[str | None] = mapped_column(EncryptedString, default=None)
    applicant_uscc: Mapped[str | None] = mapped_column(String(18), default=None)
    respondent_name: Mapped[str] = mapped_column(String(200))
    respondent_address: Mapped[str] = mapped_column(EncryptedText, default="")
    respondent_uscc: Mapped[str | None] = mapped_column(String(18), default=None)
    respondent_phone: Mapped[str | None] = mapped_column(EncryptedString, default=None)
    respondent_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True, default=None
    )
    respondent_code_hash: Mapped[str | None] = mapped_column(String(128), default=None)
    respondent_response: Mapped[str | None] = mapped_column(String(20), default=None)
    respondent_code_failures: Mapped[int] = mapped_column(Integer, default=0)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    claims_text: Mapped[str] = mapped_column(EncryptedText, default="")
    amount_claimed: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    employment_start: Mapped[date | None] = mapped_column(Date, default=None)
    employment_end: Mapped[date | None] = mapped_column(Date, default=None)
    facts: Mapped[str] = mapped_column(EncryptedText, default="")
    workers_count: Mapped[int] = mapped_column(Integer, default=1)
    collective: Mapped[bool] = mapped_column(Boolean, default=False)
    work_place: Mapped[str] = mapped_column(String(200), default="")
    contact_time: Mapped[str] = mapped_column(EncryptedText, default="")
    screening: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_channel: Mapped[str] = mapped_column(String(20), default="")
    entry_source: Mapped[str | None] = mapped_column(String(100), default=None)
    # the site handling the case; "center": the district center (a single-site install's only)
    site: Mapped[str] = mapped_column(String(40), default="center", index=True)
    consent_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    accept_by: Mapped[date | None] = mapped_column(Date, default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    # The day the center received the application: the 15 days after which either side may
    # apply for arbitration run from it (调解仲裁法 第十四条). Set at filing, never moved.
    received_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # The center's OWN working period (from acceptance, extendable by consent; for a court
    # delegation, the court's period). It never suspends the statutory 15 days above.
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    court_delegated: Mapped[bool] = mapped_column(Boolean, default=False)
    court_delegation: Mapped[str | None] = mapped_column(String(12), default=None)  # 委派/委托
    court_period_days: Mapped[int | None] = mapped_column(Integer, default=None)
    intake_source: Mapped[str] = mapped_column(String(20), default="bot")
    court_name: Mapped[str | None] = mapped_column(String(200), default=None)
    court_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    registered_by: Mapped[str | None] = mapped_column(String(120), default=None)
    applicant_code_hash: Mapped[str | None] = mapped_column(String(128), default=None)
    lead_department: Mapped[str | None] = mapped_column(String(50), default=None)
    departments: Mapped[list[Any]] = mapped_column(default=list)
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    mediator_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True, default=None
    )
    department: Mapped[str | None] = mapped_column(String(50), default=None)
    session_at: Mapped[datetime | None] = mapped_column(default=None)
    session_place: Mapped[str | None] = mapped_column(String(200), default=None)
    referred_route: Mapped[str | None] = mapped_column(Text, default=None)
    outcome_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    outcome_due: Mapped[date | None] = mapped_column(Date, default=None)
    outcome_at: Mapped[datetime | None] = mapped_column(default=None)
    first_outcome: Mapped[str | None] = mapped_column(String(30), default=None)
    first_outcome_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    outcome_terms: Mapped[str] = mapped_column(EncryptedText, default="")
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    anonymized_at: Mapped[datetime | None] = mapped_column(default=None)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(default=None)
    # when a station's collective or overdue case was escalated to the district center, or
    # the center sent a case to a station itself: either way never escalated (again)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", lazy="raise", passive_deletes=True
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", lazy="raise", passive_deletes=True
    )


class CaseEvent(Base):
    """Audit trail: every change to a case, with who, when and why."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_outcome", "to_state", "at"),
        Index("ix_case_events_case_at", "case_id", "at"),  # a case's last event: one entry
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    from_state: Mapped[str | None] = mapped_column(String(30), default=None)
    to_state: Mapped[str | None] = mapped_column(String(30), default=None)
    action: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(EncryptedText, default="")
    case: Mapped[Case] = relationship(back_populates="events")


OUTCOME_STATES = ("agreement", "failed", "withdrawn", "declined_by_respondent")


@event.listens_for(CaseEvent, "after_insert")
def first_outcome(_mapper: Mapper[Any], connection: Connection, row: CaseEvent) -> None:
    """Keep the case's first outcome (bulk inserts: `storage.cases.backfill_first_outcomes`)."""
    if row.to_state not in OUTCOME_STATES:
        return
    cases = cast(Table, Case.__table__)
    connection.execute(
        update(cases)
        .where(
            cases.c.id == row.case_id,
            or_(cases.c.first_outcome_at.is_(None), cases.c.first_outcome_at > row.at),
        )
        .values(first_outcome=row.to_state, first_outcome_at=row.at)
    )


class Attachment(Base):
    """An evidence file; bytes live under the files directory, named by checksum."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True, default=None
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True, default=None
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    mime_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    case: Mapped[Case | None] = relationship(back_populates="attachments")


class Staff(Base):
    """A member of staff: admin, liaison (with a department) or mediator."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    member: Mapped[str] = mapped_column(String(120), unique=True)  # "telegram:12345"
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(50), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    # the site the member works for; None: the district center, which sees every site
    site: Mapped[str | None] = mapped_column(String(40), default=None)
    full_time: Mapped[bool] = mapped_column(Boolean, default=False)  # else part-time


class Site(Base):
    """A site of the district network as configured (`[[sites]]`), synced at every start;
    a site no longer configured stays, inactive, so that its cases still name it."""

    __tablename__ = "sites"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), default="center")
    streets: Mapped[list[Any]] = mapped_column(default=list)
    industries: Mapped[list[Any]] = mapped_column(default=list)
    address: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessLog(Base):
    """Who looked at full personal data, and who tried a staff command without the right."""

    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True, default=None
    )
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")


class FaqMiss(Base):
    """A question the FAQ could not answer with confidence, for staff to curate."""

    __tablename__ = "faq_misses"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    question: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    best_id: Mapped[str | None] = mapped_column(String(100), default=None)
    confidence: Mapped[float] = mapped_column(default=0.0)
    linked_entry_id: Mapped[str | None] = mapped_column(String(100), default=None)
    linked_by: Mapped[str | None] = mapped_column(String(120), default=None)


class FaqLink(Base):
    """A phrasing staff linked to an entry; indexed with the entry's own phrasings."""

    __tablename__ = "faq_links"
    __table_args__ = (UniqueConstraint("entry_id", "phrasing", name="uq_faq_link"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(100), index=True)
    phrasing: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")


class FollowUp(Base):
    """A scheduled follow-up visit (回访): a fulfilment check or a satisfaction survey.

    Rows are the schedule: they survive restarts, and a due row is claimed by one process.
    """

    __tablename__ = "follow_ups"
    __table_args__ = (
        UniqueConstraint("case_id", "person_id", "kind", name="uq_follow_up"),
        Index("ix_follow_ups_due", "status", "due_at"),
        Index("ix_follow_ups_answered_at", "answered_at"),
        Index("ix_follow_ups_person_id", "person_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # "fulfilment" | "satisfaction"
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    due_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    answer: Mapped[str | None] = mapped_column(String(20), default=None)
    comment: Mapped[str] = mapped_column(EncryptedText, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A comment staff flagged as a complaint (/flag_complaint), counted in the assessment.
    complaint_at: Mapped[datetime | None] = mapped_column(default=None)
    complaint_by: Mapped[str | None] = mapped_column(String(120), default=None)


class RiskWarning(Base):
    """An early warning sent about an employer (风险预警): one row per employer and level, so
    a level is warned once, by one process, however often the ledger is evaluated."""

    __tablename__ = "risk_warnings"
    __table_args__ = (UniqueConstraint("employer_key", "level", name="uq_risk_warning"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # "code:<credit code>", else "name#<hash of the normalised name>" (may be a person's)
    employer_key: Mapped[str] = mapped_column(String(220), index=True)
    employer_name: Mapped[str] = mapped_column(String(200), default="")  # with a code only
    level: Mapped[str] = mapped_column(String(10))
    rules: Mapped[list[Any]] = mapped_column(default=list)  # the rule ids that fired
    cases: Mapped[list[Any]] = mapped_column(default=list)  # the case numbers
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
