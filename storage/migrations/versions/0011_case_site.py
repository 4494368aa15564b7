"""the site handling each case

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

A district runs one center, several mediators' workrooms and a station in every street and
town (issue 21). Each case records the site that handles it; every existing case belongs to
the district center ("center"), which is the only site of a single-site install.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("site", sa.String(length=40), nullable=False, server_default="center")
        )
        batch.create_index("ix_cases_site", ["site"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_site")
        batch.drop_column("site")
