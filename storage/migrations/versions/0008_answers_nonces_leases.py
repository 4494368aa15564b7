"""answers kept with their update until sent; callback nonces; outbox lease owner and parts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0008"
# "0006" in the task's numbering; this branch already has 0007 on top of 0006, and Alembic
# needs one head, so it follows 0007 here (the integrator re-chains the migrations).
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("answer_owner", sa.Integer(), nullable=True))
    op.create_index(
        "ix_inbound_updates_unsent",
        "inbound_updates",
        ["received_at"],
        postgresql_where=sa.text("answer IS NOT NULL"),
        sqlite_where=sa.text("answer IS NOT NULL"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("sent_parts", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "callback_nonces",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("timestamp", sa.String(length=20), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("source", "timestamp", "nonce", name="uq_callback_nonce"),
    )
    op.create_index("ix_callback_nonces_expires", "callback_nonces", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_callback_nonces_expires", table_name="callback_nonces")
    op.drop_table("callback_nonces")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("sent_parts")
        batch_op.drop_column("lease_owner")
    op.drop_index("ix_inbound_updates_unsent", table_name="inbound_updates")
    with op.batch_alter_table("inbound_updates", schema=None) as batch_op:
        batch_op.drop_column("answer_owner")
        batch_op.drop_column("answer")
