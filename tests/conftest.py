"""Shared fixtures: settings, real databases (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from hypothesis import settings as hypothesis_settings

from bot.config import Settings
from knowledge.faq import KnowledgeBase
from knowledge.kb_shared import load_kb_shared
from storage import crypto
from storage.db import Database
from tests.databases import MigratedDatabases
from tests.fakes.telegram_api import FakeTelegramServer
from tests.local import create_database, reset_postgres, worker_database_url

# python-telegram-bot 22 warns about retry_after unless timedelta mode is on.
os.environ.setdefault("PTB_TIMEDELTA", "true")

# Property tests check behaviour, not speed: a shared CI machine made a first example miss
# hypothesis's 200 ms deadline while the rest of the suite ran.
hypothesis_settings.register_profile("project", deadline=None)
hypothesis_settings.load_profile("project")

# Under pytest-xdist (`-n 2`) each worker has a database of its own, named after the one
# configured (`test` -> `test_gw0`, `test_gw1`) and created on its first run; without xdist
# the configured one. Every test and every bot process a test starts uses this URL.
PG_URL = worker_database_url(
    os.environ.get("TEST_DATABASE_URL", ""), os.environ.get("PYTEST_XDIST_WORKER")
)
TEST_DATA_KEY = Fernet.generate_key().decode()  # one per test run; never a real key


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The packaged knowledge base, built once per test process (load_kb_shared keeps it, and
    the disk cache names it by the files' contents). A module that needs another one (the
    sample folder, a copy it edits) defines its own ``kb``."""
    return load_kb_shared({})


def pytest_configure(config: pytest.Config) -> None:
    if PG_URL and os.environ.get("PYTEST_XDIST_WORKER"):
        asyncio.run(create_database(PG_URL))
    config.addinivalue_line(
        "markers",
        "empty_database: db_url is a database with no schema at all (migration tests, first "
        "starts), not one at the latest revision",
    )


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> MigratedDatabases:
    """Migrated once per session; each test gets a copy or an emptied schema."""
    return MigratedDatabases(tmp_path_factory.mktemp("migrated"), PG_URL)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, databases: MigratedDatabases
) -> str:
    """A fresh database of each kind, at the latest revision with no rows (ids start at 1);
    with the `empty_database` mark, one with no schema at all. PostgreSQL runs when
    TEST_DATABASE_URL is set."""
    empty = request.node.get_closest_marker("empty_database") is not None
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        return f"sqlite+aiosqlite:///{path}" if empty else await databases.sqlite(path)
    if not PG_URL:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (set by .ci/run and make test-pg)")
    if empty:
        await reset_postgres(PG_URL)
        return PG_URL
    return await databases.postgresql()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    s = Settings()
    s.database.url = db_url
    s.storage.files_dir = str(tmp_path / "files")
    s.security.data_key = TEST_DATA_KEY  # the same key the bot under test will install
    s.security.key_file = str(tmp_path / "secret.key")
    s.center.name = "测试调解中心"
    s.center.district = "示例区"
    s.center.streets = ["示例街道", "新城街道", "河西镇"]
    s.faq.search_process = False  # a child process per bot: tests/test_search_ahead.py
    return s


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database.url)
    await database.upgrade()
    yield database
    await database.dispose()


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    """A fake Telegram Bot API server on 127.0.0.1."""
    async with FakeTelegramServer() as fake:
        yield fake


@pytest.fixture(autouse=True, scope="session")
def data_key() -> None:
    """Encrypted fields need a data key; the bot gets it from its configuration."""
    crypto.configure(TEST_DATA_KEY)
