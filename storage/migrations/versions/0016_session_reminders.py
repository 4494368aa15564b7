"""session reminders; mediators' specialties and employer links

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05

Issue 23: every scheduled session is reminded the day before and an hour before, once each
(rows claimed with a row lock); `/assign ID` suggests mediators by specialty and workload and
never one linked to the employer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    utc = storage.models.UTCDateTime(timezone=True)
    op.create_table(
        "session_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("session_at", utc, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due_at", utc, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sent_at", utc, nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "session_at", "kind", name="uq_session_reminder"),
    )
    with op.batch_alter_table("session_reminders") as batch:
        batch.create_index("ix_session_reminders_case_id", ["case_id"])
        batch.create_index("ix_session_reminders_due", ["status", "due_at"])
    op.create_table(
        "mediator_specialties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id", "category", name="uq_mediator_specialty"),
    )
    with op.batch_alter_table("mediator_specialties") as batch:
        batch.create_index("ix_mediator_specialties_staff_id", ["staff_id"])
    op.create_table(
        "mediator_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("employer", sa.String(length=200), nullable=False),
        sa.Column("employer_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id", "employer_key", name="uq_mediator_link"),
    )
    with op.batch_alter_table("mediator_links") as batch:
        batch.create_index("ix_mediator_links_staff_id", ["staff_id"])


def downgrade() -> None:
    op.drop_table("mediator_links")
    op.drop_table("mediator_specialties")
    op.drop_table("session_reminders")
