"""Tables of the platform plumbing: handled update ids and their stored replies, signed-call
nonces, the outbox, API tokens, numbered choices and scheduled job runs. Re-exported by
storage.models, which holds the tables of the center's own work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import EncryptedJSON, EncryptedString
from storage.schema_base import Base, utcnow


class InboundUpdate(Base):
    """Every platform update id we handled; a repeat is ignored."""

    __tablename__ = "inbound_updates"
    __table_args__ = (
        UniqueConstraint("channel", "update_key", name="uq_inbound_update"),
        Index(
            "ix_inbound_updates_unsent",
            "received_at",
            postgresql_where=text("answer IS NOT NULL"),
            sqlite_where=text("answer IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    update_key: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The replies, written in the transaction that handled the update and cleared once the
    # channel sent them: a redelivery after a crash in between sends them (handlers/core.py).
    answer: Mapped[str | None] = mapped_column(EncryptedString, default=None)
    # The process that stored it (handlers/answers.py: a redelivery sends the answer only
    # when that process is gone; otherwise it is sending it).
    answer_owner: Mapped[int | None] = mapped_column(Integer, default=None)


class CallbackNonce(Base):
    """A signed WeChat/WeCom callback seen recently: its (timestamp, nonce) may come again
    only with the same body (the platform's retry), never with another (a replay)."""

    __tablename__ = "callback_nonces"
    __table_args__ = (
        UniqueConstraint("source", "timestamp", "nonce", name="uq_callback_nonce"),
        Index("ix_callback_nonces_expires", "expires_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    timestamp: Mapped[str] = mapped_column(String(20))
    nonce: Mapped[str] = mapped_column(String(100))
    body_digest: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column()


class OutboxMessage(Base):
    """A push to someone other than the sender, written in the transaction that caused it.

    status: pending → delivered | failed, or held (the channel cannot reach the person until
    they write again; released then). route: how the channel delivered it (e.g. WeChat's
    "customer_service" or "template").
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat", "channel", "chat_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True, default=None
    )
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    route: Mapped[str | None] = mapped_column(String(20), default=None)
    # Which dispatcher pass holds the lease: only it may record the outcome or renew it.
    lease_owner: Mapped[str | None] = mapped_column(String(40), default=None)
    # Replies already sent (a push of several resumes after them instead of resending them).
    sent_parts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PlatformToken(Base):
    """An API access token shared by every instance (a new WeChat token voids the old one)."""

    __tablename__ = "platform_tokens"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatChoices(Base):
    """The numbered choices last shown in a text-only chat (WeChat): "1" presses the first."""

    __tablename__ = "chat_choices"
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    payloads: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobRun(Base):
    """A scheduled job that ran for a period; the unique key makes it run once across instances."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_run"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(50))
    period: Mapped[str] = mapped_column(String(30))
    ran_at: Mapped[datetime] = mapped_column(default=utcnow)
