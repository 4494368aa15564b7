"""indexes for a city's worth of cases

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

bench/data_scale.py (200,000 cases, about a million state changes) showed the monthly figures,
the ledger of a month, the overdue checks and the retention run reading whole tables (issue
21; the plans before and after are in the README's Performance section):

- cases.submitted_at: the cases received in a month (figures, ledger, trend);
- cases (outcome_at, due_at): the cases concluded in a month, and those without an outcome
  whose period ended (possibly overdue);
- case_events (to_state, at): the cases that reached an outcome in a month;
- follow_ups.answered_at: the answers given in a month;
- follow_ups.person_id: whether a person is still needed (retention, data requests).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

INDEXES = (
    ("ix_cases_submitted_at", "cases", ["submitted_at"]),
    ("ix_cases_outcome_due", "cases", ["outcome_at", "due_at"]),
    ("ix_case_events_outcome", "case_events", ["to_state", "at"]),
    ("ix_follow_ups_answered_at", "follow_ups", ["answered_at"]),
    ("ix_follow_ups_person_id", "follow_ups", ["person_id"]),
)


def upgrade() -> None:
    # Only indexes: no table is rebuilt on SQLite, so no batch_alter_table is needed.
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
