"""encrypt free text, event notes, drafts and outbox payloads; data requests

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24

Numbers a party types (phones, ID and card numbers) can be anywhere in free text. The
columns that hold what people typed become encrypted text (storage/crypto.py), like the
phone and ID fields in 0006: the case's address, request, facts, contact time and terms,
every event note (relayed /human messages), follow-up comments, unfinished applications
(conversation answers and their undo history) and outbox payloads. Existing rows are
encrypted here; outbox rows addressed to a group also get their numbers masked, so a pending
group notice written before this version is delivered masked. New data requests (个人信息保护法
art. 44-47) get their own table.
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage import crypto
from storage.models import UTCDateTime

revision: str = "0010"
# "0006" in the task's numbering; this branch has 0007 on top of 0006 and Alembic needs one
# head, so it follows 0007 here (the integrator re-chains the migrations).
down_revision: str | None = "0009"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# table -> (text columns to encrypt, {column: old type} changed to Text, JSON columns)
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "cases": ("respondent_address", "claims_text", "facts", "contact_time", "outcome_terms"),
    "case_events": ("note",),
    "follow_ups": ("comment",),
}
RETYPED: dict[str, dict[str, Any]] = {
    "cases": {"respondent_address": sa.String(500), "contact_time": sa.String(100)},
    "conversations": {"answers": sa.JSON(), "history": sa.JSON()},
    "outbox": {"payload": sa.JSON()},
}
JSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "conversations": ("answers", "history"),
    "outbox": ("payload",),
}
GROUP_CHATS = ("#group", "staff")  # WeCom group robot, console work group; Telegram: "-..."


def _is_group(chat_id: str) -> bool:
    return chat_id in GROUP_CHATS or chat_id.startswith("-")


def _masked_payload(payload: Any) -> Any:
    # The masking rules live in handlers/conversation/masking.py; a migration is a one-off
    # script run by the application, so it may reach up to them (storage itself never does).
    from handlers.conversation.masking import mask_text

    if not isinstance(payload, dict):
        return payload
    replies = [
        {**r, "text": mask_text(r.get("text") or "")} if isinstance(r, dict) else r
        for r in payload.get("replies", [])
    ]
    return {**payload, "replies": replies}


def _retype(to_text: bool) -> None:
    """PostgreSQL: change the column types in place. SQLite keeps its declared types (it
    stores any text in them), because changing a type there means recreating the table, and
    dropping the old `cases` table would cascade to every event and attachment row."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, columns in RETYPED.items():
        for name, old in columns.items():
            new, existing = (sa.Text(), old) if to_text else (old, sa.Text())
            target = new.compile(dialect=bind.dialect)
            op.alter_column(
                table,
                name,
                existing_type=existing,
                type_=new,
                postgresql_using=f"{name}::{target}",
            )


def _rows(table: str, columns: Sequence[str]) -> tuple[sa.TableClause, list[Any]]:
    extra = ("chat_id",) if table == "outbox" else ()
    tbl = sa.table(
        table, sa.column("id", sa.Integer), *(sa.column(c, sa.Text) for c in (*columns, *extra))
    )
    return tbl, list(op.get_bind().execute(sa.select(tbl)).mappings())


def upgrade() -> None:
    _retype(to_text=True)
    bind = op.get_bind()
    for table, columns in {**TEXT_COLUMNS, **JSON_COLUMNS}.items():
        tbl, rows = _rows(table, columns)
        for row in rows:
            values = {}
            for name in columns:
                value = row[name]
                if not value or value.startswith(crypto.PREFIX):
                    continue
                if table == "outbox" and _is_group(row["chat_id"] or ""):
                    value = json.dumps(_masked_payload(json.loads(value)), ensure_ascii=False)
                values[name] = crypto.encrypt(value)  # needs the data key (open_database)
            if values:
                bind.execute(sa.update(tbl).where(tbl.c.id == row["id"]).values(**values))
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("people.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("actor", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False, server_default=""),
        sa.Column("kept", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.String(length=20), nullable=False, server_default="open"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_data_requests_status", "data_requests", ["status"])
    op.create_index("ix_data_requests_person_id", "data_requests", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_data_requests_person_id", table_name="data_requests")
    op.drop_index("ix_data_requests_status", table_name="data_requests")
    op.drop_table("data_requests")
    bind = op.get_bind()
    for table, columns in {**TEXT_COLUMNS, **JSON_COLUMNS}.items():
        tbl, rows = _rows(table, columns)
        for row in rows:
            values = {n: crypto.decrypt(row[n]) for n in columns if row[n]}
            if values:
                bind.execute(sa.update(tbl).where(tbl.c.id == row["id"]).values(**values))
    _retype(to_text=False)
