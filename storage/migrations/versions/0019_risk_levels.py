"""the employers' risk levels kept by the periodic risk check

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05

The monthly report ended with the risk ledger's count per level, rebuilt from every open and
recent case: about 2 s of the report on bench/data_scale.py's database (issue 21). The risk
check that runs every `[risk] evaluate_minutes` now keeps each graded employer's level here
(replaced at every evaluation), and when it ran; the report reads them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_key", sa.String(length=220), nullable=False),
        sa.Column("employer_name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("evaluated_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_risk_levels_employer_key", "risk_levels", ["employer_key"])
    op.create_table(
        "risk_evaluations",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("evaluated_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("employers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("risk_evaluations")
    op.drop_index("ix_risk_levels_employer_key", table_name="risk_levels")
    op.drop_table("risk_levels")
