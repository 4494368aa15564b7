"""API access tokens kept in the database, so every instance uses the same one.

WeChat (and WeCom) void the previous access token when a new one is fetched: two processes
each fetching their own would keep breaking each other. Here the token is fetched by one
process under a row lock, and the others read it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from storage.db import Database, insert_for
from storage.models import PlatformToken, utcnow

# Fetch a new token this long before the old one expires.
MARGIN = timedelta(minutes=5)

Fetch = Callable[[], Awaitable[tuple[str, int]]]  # returns (token, seconds it is valid)


class TokenStore:
    """The shared token called `name`; `fetch` asks the platform for a new one."""

    def __init__(self, db: Database, name: str, fetch: Fetch) -> None:
        self.db = db
        self.name = name
        self.fetch = fetch
        # (value, expires_at); cached only when usable, so expires_at is never None here
        self._cached: tuple[str, datetime] | None = None

    async def get(self, *, stale: str | None = None) -> str:
        """A valid token. Pass `stale` when the platform rejected that token: a newer one is
        used if another instance has it already, otherwise one is fetched."""
        now = utcnow()
        if self._cached and self._cached[0] != stale and self._cached[1] > now + MARGIN:
            return self._cached[0]
        async with self.db.session() as session:
            row = await session.get(PlatformToken, self.name)
            if row and row.expires_at and self._usable(row, stale):
                self._cached = (row.value, row.expires_at)
                return row.value
        return await self._refresh(stale)

    def _usable(self, row: PlatformToken, stale: str | None) -> bool:
        return bool(
            row.value
            and row.value != stale
            and row.expires_at is not None
            and row.expires_at > utcnow() + MARGIN
        )

    async def _refresh(self, stale: str | None) -> str:
        async with self.db.session() as session:
            insert = insert_for(session)
            await session.execute(
                insert(PlatformToken)
                .values(name=self.name, value="", expires_at=None, updated_at=utcnow())
                .on_conflict_do_nothing(index_elements=["name"])
            )
            stmt = select(PlatformToken).where(PlatformToken.name == self.name).with_for_update()
            row = (await session.execute(stmt)).scalar_one()
            if not self._usable(row, stale):  # nobody refreshed it while we waited
                value, seconds = await self.fetch()
                row.value = value
                row.expires_at = utcnow() + timedelta(seconds=seconds)
                row.updated_at = utcnow()
            self._cached = (row.value, row.expires_at)  # type: ignore[assignment]  # usable or just set: not None
            return row.value
