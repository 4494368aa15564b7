"""faq misses and links

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "faq_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=100), nullable=False),
        sa.Column("phrasing", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id", "phrasing", name="uq_faq_link"),
    )
    with op.batch_alter_table("faq_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_links_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "faq_misses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("best_id", sa.String(length=100), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("linked_entry_id", sa.String(length=100), nullable=True),
        sa.Column("linked_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("faq_misses")
    with op.batch_alter_table("faq_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_links_entry_id"))

    op.drop_table("faq_links")
