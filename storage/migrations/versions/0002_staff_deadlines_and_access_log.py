"""staff, deadlines and access log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=50), nullable=False),
        sa.Column("period", sa.String(length=30), nullable=False),
        sa.Column("ran_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job", "period", name="uq_job_run"),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("department", sa.String(length=50), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("member"),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_log_case_id"), ["case_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accept_by", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("accepted_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("court_delegated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("extended_days", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("mediator_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("department", sa.String(length=50), nullable=True))
        batch_op.add_column(
            sa.Column("session_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("session_place", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("referred_route", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("outcome_amount", sa.Numeric(precision=14, scale=2), nullable=True)
        )
        batch_op.add_column(sa.Column("outcome_due", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("closed_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "overdue_notified_at", storage.models.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_index(batch_op.f("ix_cases_mediator_id"), ["mediator_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_cases_mediator_id_staff", "staff", ["mediator_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint("fk_cases_mediator_id_staff", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cases_mediator_id"))
        batch_op.drop_column("overdue_notified_at")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("outcome_due")
        batch_op.drop_column("outcome_amount")
        batch_op.drop_column("referred_route")
        batch_op.drop_column("session_place")
        batch_op.drop_column("session_at")
        batch_op.drop_column("department")
        batch_op.drop_column("mediator_id")
        batch_op.drop_column("extended_days")
        batch_op.drop_column("court_delegated")
        batch_op.drop_column("accepted_at")
        batch_op.drop_column("accept_by")

    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_log_case_id"))

    op.drop_table("access_log")
    op.drop_table("staff")
    op.drop_table("job_runs")
