"""the district network's sites, a staff member's site, escalation to the center

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

`sites` mirrors `[[sites]]` of the configuration (synced at every start) so that staff
commands and reports can name the sites of past cases too; `staff.site` is the site a member
works for (NULL: the district center, who sees every site); `cases.escalated_at` records the
one automatic escalation of a collective or overdue case to the district center.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("name_en", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("kind", sa.String(length=20), nullable=False, server_default="center"),
        sa.Column("streets", sa.JSON(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("hours", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("site", sa.String(length=40), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("escalated_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("escalated_at")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("site")
    op.drop_table("sites")
