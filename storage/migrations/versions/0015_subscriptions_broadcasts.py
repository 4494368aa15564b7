"""subscriptions, publication drafts, broadcasts and publication receipts (issue 22)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

People who asked for policy updates or typical cases, the typical cases staff draft from
closed cases, the ledger of broadcasts, and one receipt per publication and person (a
publication reaches a person once, across restarts and instances).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.schema_base import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(100), nullable=False),
        sa.Column("topics", sa.String(10), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("street", sa.String(100), nullable=True),
        sa.Column("industry", sa.String(100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("offered_at", UTCDateTime(), nullable=True),
        sa.Column("subscribed_at", UTCDateTime(), nullable=True),
        sa.Column("unsubscribed_at", UTCDateTime(), nullable=True),
        sa.Column("wechat_tag", sa.String(10), nullable=False, server_default=""),
    )
    op.create_index("ix_subscriptions_active", "subscriptions", ["active", "channel"])
    op.create_table(
        "publication_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("title_zh", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("law", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("approved_by", sa.String(120), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("publication_id", sa.String(80), nullable=False),
        sa.Column("audience", sa.String(120), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("reported", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("mass_month", sa.String(7), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_broadcasts_status", "broadcasts", ["status"])
    op.create_index("ix_broadcasts_mass_month", "broadcasts", ["mass_month"])
    op.create_table(
        "publication_receipts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("publication_id", sa.String(80), nullable=False),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "broadcast_id",
            sa.Integer(),
            sa.ForeignKey("broadcasts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(100), nullable=False),
        sa.Column("route", sa.String(20), nullable=False),
        sa.Column("outbox_key", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("publication_id", "person_id", name="uq_publication_receipt"),
    )
    op.create_index(
        "ix_publication_receipts_broadcast", "publication_receipts", ["broadcast_id", "route"]
    )


def downgrade() -> None:
    op.drop_index("ix_publication_receipts_broadcast", "publication_receipts")
    op.drop_table("publication_receipts")
    op.drop_index("ix_broadcasts_mass_month", "broadcasts")
    op.drop_index("ix_broadcasts_status", "broadcasts")
    op.drop_table("broadcasts")
    op.drop_table("publication_drafts")
    op.drop_index("ix_subscriptions_active", "subscriptions")
    op.drop_table("subscriptions")
