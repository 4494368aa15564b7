"""one window: desk registration, court delegations, joint mediation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("intake_source", sa.String(length=20), nullable=False, server_default="bot")
        )
        batch_op.add_column(sa.Column("court_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("court_ref", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("registered_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("applicant_code_hash", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("lead_department", sa.String(length=50), nullable=True))
        batch_op.add_column(
            sa.Column("departments", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("departments")
        batch_op.drop_column("lead_department")
        batch_op.drop_column("applicant_code_hash")
        batch_op.drop_column("registered_by")
        batch_op.drop_column("court_ref")
        batch_op.drop_column("court_name")
        batch_op.drop_column("intake_source")
