"""Tables of subscriptions, publications drafted from cases, and broadcasts (issue 22).

A subscription is made only when a person asks for it; a publication reaches a person once
(`publication_receipts`, unique on publication and person), whichever broadcast, process or
restart tries again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.schema_base import Base, utcnow


class Subscription(Base):
    """What a person asked to receive, and where (the chat they subscribed from)."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_active", "active", "channel"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    topics: Mapped[str] = mapped_column(String(10), default="both")  # policy | cases | both
    role: Mapped[str] = mapped_column(String(10), default="worker")  # worker | employer
    street: Mapped[str | None] = mapped_column(String(100), default=None)
    industry: Mapped[str | None] = mapped_column(String(100), default=None)
    active: Mapped[bool] = mapped_column(default=False)
    offered_at: Mapped[datetime | None] = mapped_column(default=None)  # after a case ended
    subscribed_at: Mapped[datetime | None] = mapped_column(default=None)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(default=None)
    # WeChat: the account's subscribers tag ("" not yet, "tagged", "untag" to remove)
    wechat_tag: Mapped[str] = mapped_column(String(10), default="", server_default="")


class PublicationDraft(Base):
    """A typical case drafted from a closed case by /publish: anonymised, edited, approved."""

    __tablename__ = "publication_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), default=None
    )
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    text_zh: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    law: Mapped[str] = mapped_column(Text, default="")  # the statutes cited, as shown
    audience: Mapped[str] = mapped_column(String(20), default="all")
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | approved
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(120), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)


class Broadcast(Base):
    """One /broadcast: previewed, confirmed, expanded into pushes, finished (the ledger)."""

    __tablename__ = "broadcasts"
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[str] = mapped_column(String(80))
    audience: Mapped[str] = mapped_column(String(120))
    created_by: Mapped[str] = mapped_column(String(120))
    # the admin's chat, for the progress line
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    # preview | queued | sending | done | refused | cancelled
    status: Mapped[str] = mapped_column(String(12), default="preview", index=True)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # recipients per route
    total: Mapped[int] = mapped_column(Integer, default=0)
    reported: Mapped[int] = mapped_column(Integer, default=0)  # sent, as last reported
    note: Mapped[str] = mapped_column(Text, default="")  # why it was refused
    mass_month: Mapped[str | None] = mapped_column(String(7), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)


class MassSendSlot(Base):
    """One of the month's WeChat mass sends (`wechat.mass_sends_per_month`), taken by a
    broadcast. Slots are numbered 1..quota and unique per month, so two confirmations at the
    same instant cannot both take the last one: the second insert meets the first's row."""

    __tablename__ = "mass_send_slots"
    __table_args__ = (UniqueConstraint("broadcast_id", name="uq_mass_send_slots_broadcast"),)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-12", center's time
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))


class PublicationReceipt(Base):
    """A publication given to a person: at most one row per (publication, person)."""

    __tablename__ = "publication_receipts"
    __table_args__ = (
        UniqueConstraint("publication_id", "person_id", name="uq_publication_receipt"),
        Index("ix_publication_receipts_broadcast", "broadcast_id", "route"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[str] = mapped_column(String(80))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    route: Mapped[str] = mapped_column(String(20))  # push | customer_service | mass
    outbox_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
