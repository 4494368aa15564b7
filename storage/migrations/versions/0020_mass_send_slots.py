"""the month's WeChat mass sends as numbered slots, so the quota holds under concurrency

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05

A confirmed broadcast that needs a mass send used to count the month's reserved broadcasts
and then mark its own row: two admins confirming at the same instant both counted before
either marked, and both went (PostgreSQL). Now a broadcast takes a slot (month, n), n from 1
to wechat.mass_sends_per_month, with one insert that a unique key guards; the broadcasts that
already reserved one get slots numbered in the order they were made.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mass_send_slots",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column(
            "broadcast_id",
            sa.Integer(),
            sa.ForeignKey("broadcasts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("month", "n"),
        sa.UniqueConstraint("broadcast_id", name="uq_mass_send_slots_broadcast"),
    )
    op.execute(
        "INSERT INTO mass_send_slots (month, n, broadcast_id) "
        "SELECT mass_month, ROW_NUMBER() OVER (PARTITION BY mass_month ORDER BY id), id "
        "FROM broadcasts WHERE mass_month IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("mass_send_slots")
