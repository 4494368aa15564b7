"""statutory receipt date and the court's delegation period

`received_at` is the day the center received the application: the 15 days of 调解仲裁法
第十四条 run from it (not from acceptance). Existing cases: the submitted time. `due_at` stays
the center's own working period (from acceptance, extendable by consent). Court-delegated
cases record the kind of delegation (委派 before filing / 委托 in a suit) and the period in
days given by the court's letter.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("court_delegation", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("court_period_days", sa.Integer(), nullable=True))
        batch_op.create_index("ix_cases_received_at", ["received_at"])
    op.execute("UPDATE cases SET received_at = submitted_at WHERE received_at IS NULL")
    op.execute(
        "UPDATE cases SET court_delegation = 'pre_filing' "
        "WHERE court_delegated AND court_delegation IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_received_at")
        batch_op.drop_column("court_period_days")
        batch_op.drop_column("court_delegation")
        batch_op.drop_column("received_at")
