"""Re-encrypt every encrypted column with the current data key (`mediation-bot rekey`).

Run after rotating the key (new `data_key`, the previous one in `old_keys`); once it reports
nothing left to do, the old keys can be removed. Safe while the bot runs: each value is
written back only if it is still the one read (compare-and-set), so a phone number changed
meanwhile is not overwritten, and a second run changes nothing.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, column, select, table
from sqlalchemy.sql.schema import Table

from storage import (
    crypto,
    data_requests,  # noqa: F401  (its table has encrypted columns)
)
from storage.crypto import EncryptedString
from storage.db import Database
from storage.models import Base

BATCH = 200


def encrypted_columns() -> list[tuple[Table, list[str]]]:
    """Each table with encrypted columns, and those columns' names."""
    found = []
    for tbl in Base.metadata.sorted_tables:
        names = [c.name for c in tbl.columns if isinstance(c.type, EncryptedString)]
        if names:
            found.append((tbl, names))
    return found


async def rekey(db: Database) -> int:
    """Re-encrypt the values not yet under the current key; how many were rewritten."""
    rewritten = 0
    for model_table, names in encrypted_columns():
        # A plain table: values are read and written as stored, not through EncryptedString.
        raw = table(model_table.name, column("id"), *(column(n) for n in names))
        last_id = 0
        while True:
            async with db.session() as session:
                rows = (
                    await session.execute(
                        select(raw).where(raw.c.id > last_id).order_by(raw.c.id).limit(BATCH)
                    )
                ).all()
                for row in rows:
                    for name in names:
                        stored = getattr(row, name)
                        new = None if stored is None else crypto.rotated(stored)
                        if new is None:
                            continue
                        result = await session.execute(
                            raw.update()
                            .where(raw.c.id == row.id, raw.c[name] == stored)
                            .values({name: new})
                        )
                        rewritten += cast(CursorResult[Any], result).rowcount or 0
            if not rows:
                break
            last_id = rows[-1].id
    return rewritten
