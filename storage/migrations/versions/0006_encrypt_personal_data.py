"""encrypt phone and ID numbers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Phone and ID numbers become encrypted text (storage/crypto.py). Existing rows are encrypted
here with the configured data key; the last four digits of the applicant's phone are kept in
clear in their own column so staff can still /find a case by them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage import crypto

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

FIELDS = ("applicant_phone", "applicant_id_number", "respondent_phone")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "applicant_phone_last4", sa.String(length=4), nullable=False, server_default=""
            )
        )
        for name, length in (
            ("applicant_phone", 20),
            ("applicant_id_number", 18),
            ("respondent_phone", 20),
        ):
            batch_op.alter_column(name, existing_type=sa.VARCHAR(length=length), type_=sa.Text())
        batch_op.create_index("ix_cases_applicant_phone_last4", ["applicant_phone_last4"])
    bind = op.get_bind()
    cases = sa.table(
        "cases",
        sa.column("id", sa.Integer),
        sa.column("applicant_phone_last4", sa.String),
        *(sa.column(name, sa.Text) for name in FIELDS),
    )
    rows = bind.execute(sa.select(cases)).mappings().all()
    for row in rows:
        values: dict[str, str] = {"applicant_phone_last4": (row["applicant_phone"] or "")[-4:]}
        for name in FIELDS:
            value = row[name]
            if value and not value.startswith(crypto.PREFIX):
                values[name] = crypto.encrypt(value)  # needs the data key (open_database)
        bind.execute(sa.update(cases).where(cases.c.id == row["id"]).values(**values))


def downgrade() -> None:
    bind = op.get_bind()
    cases = sa.table(
        "cases", sa.column("id", sa.Integer), *(sa.column(name, sa.Text) for name in FIELDS)
    )
    for row in bind.execute(sa.select(cases)).mappings().all():
        values = {name: crypto.decrypt(row[name]) for name in FIELDS if row[name]}
        bind.execute(sa.update(cases).where(cases.c.id == row["id"]).values(**values))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_applicant_phone_last4")
        batch_op.drop_column("applicant_phone_last4")
