"""wechat: shared access tokens, numbered choices, push windows and routes; retention

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform_tokens",
        sa.Column("name", sa.String(length=100), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False, server_default=""),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "chat_choices",
        sa.Column("channel", sa.String(length=20), primary_key=True),
        sa.Column("chat_id", sa.String(length=100), primary_key=True),
        sa.Column("payloads", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("window_pushes", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("route", sa.String(length=20), nullable=True))
        batch_op.create_index("ix_outbox_chat", ["channel", "chat_id", "status"])
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymized_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("anonymized_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_chat")
        batch_op.drop_column("route")
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_column("window_pushes")
    op.drop_table("chat_choices")
    op.drop_table("platform_tokens")
