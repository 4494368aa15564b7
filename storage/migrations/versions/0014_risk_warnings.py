"""early warnings sent about employers (the risk ledger)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

One row per employer and level warned (issue 22): the unique key makes a level warned once
even when two bot processes evaluate the ledger at the same moment.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_key", sa.String(length=220), nullable=False),
        sa.Column("employer_name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("cases", sa.JSON(), nullable=False),
        sa.Column("sent_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("employer_key", "level", name="uq_risk_warning"),
    )
    with op.batch_alter_table("risk_warnings") as batch:
        batch.create_index("ix_risk_warnings_employer_key", ["employer_key"])


def downgrade() -> None:
    with op.batch_alter_table("risk_warnings") as batch:
        batch.drop_index("ix_risk_warnings_employer_key")
    op.drop_table("risk_warnings")
