"""agreement terms read by the parties, mediators' trainings, full-time flag, complaints

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

Issue 23: each party's "I have read these terms" (with the SHA-256 of the terms read), the
trainings a mediator attended, whether a mediator is full-time (专职) or part-time (兼职),
and a follow-up comment flagged by staff as a complaint — for the annual assessment.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "terms_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=12), nullable=False),
        sa.Column("terms_hash", sa.String(length=64), nullable=False),
        sa.Column("read_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "person_id", "terms_hash", name="uq_terms_reading"),
    )
    with op.batch_alter_table("terms_readings") as batch:
        batch.create_index("ix_terms_readings_case_id", ["case_id"], unique=False)
    op.create_table(
        "trainings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("trainings") as batch:
        batch.create_index("ix_trainings_staff_id", ["staff_id"], unique=False)
    with op.batch_alter_table("staff") as batch:
        batch.add_column(
            sa.Column("full_time", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("follow_ups") as batch:
        batch.add_column(
            sa.Column("complaint_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("complaint_by", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("follow_ups") as batch:
        batch.drop_column("complaint_by")
        batch.drop_column("complaint_at")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("full_time")
    with op.batch_alter_table("trainings") as batch:
        batch.drop_index("ix_trainings_staff_id")
    op.drop_table("trainings")
    with op.batch_alter_table("terms_readings") as batch:
        batch.drop_index("ix_terms_readings_case_id")
    op.drop_table("terms_readings")
