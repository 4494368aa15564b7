"""indexes on the tables that point to a person, for deleting people at scale

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05

Deleting a person (the retention run, /erase) deletes their identities and conversations and
makes the database check every table whose rows point to people (ON DELETE CASCADE / SET
NULL). Without an index on the pointing column each check reads the whole table: on
bench/data_scale.py's database (200,000 identities) deleting 14,000 people took minutes on
PostgreSQL, a sequential scan of `identities` per person (issue 21; the plans before and
after are in the README's Performance section).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

INDEXES = (
    ("ix_identities_person_id", "identities", ["person_id"]),
    ("ix_conversations_person_id", "conversations", ["person_id"]),
    ("ix_attachments_person_id", "attachments", ["person_id"]),
    ("ix_outbox_person_id", "outbox", ["person_id"]),
)


def upgrade() -> None:
    # Only indexes: no table is rebuilt on SQLite, so no batch_alter_table is needed.
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
