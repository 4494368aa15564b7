"""Several bot processes on one database: a `/faq link` made through one, or a changed
knowledge file, reaches the others at their next housekeeping tick (Core.sync_knowledge).

Each test runs on SQLite and on PostgreSQL (when TEST_DATABASE_URL is set); two `Core`
instances with their own connections stand for two processes.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.config import Settings
from handlers.app import Core
from handlers.conversation.knowledge import KnowledgeHolder
from handlers.conversation.messages import Inbound, Reply
from knowledge.faq import KnowledgeBase
from knowledge.faq_files import DEFAULT_FOLDER
from knowledge.referrals import REFERRALS_PATH
from storage.db import Database
from storage.models import FaqMiss, OutboxMessage

ODD_QUESTION = "我想问一下打印机卡纸了到底应该怎么弄"  # unsure: no topic, no route
LINKED_TO = "arbitration.free"  # "Is arbitration free?": its answer cites art. 53
ADMIN = "admin"
_ids = itertools.count(1)


async def say(core: Core, message: str, user: str = "u1") -> str:
    replies: list[Reply] = await core.handle(
        Inbound(
            channel="console",
            update_key=f"sync{next(_ids)}",
            sender_id=user,
            chat_id=user,
            text=message,
            locale_hint="en",
        )
    )
    return "\n".join(r.text for r in replies)


def answered(reply: str) -> bool:
    """The question was answered with the linked entry."""
    return "📖 Does labour arbitration cost money?" in reply


async def rebuilt(core: Core, before: KnowledgeBase | None) -> None:
    """Wait for the rebuild in the background (about 2 s; more beside the rest of the suite).
    A question handled while it starts is answered from the old index."""
    for _ in range(300):
        if core.kb is not None and core.kb is not before:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the knowledge base was not rebuilt")


async def last_miss(db: Database) -> int:
    async with db.session() as s:
        miss = (await s.execute(select(FaqMiss).order_by(FaqMiss.id.desc()))).scalars().first()
    assert miss is not None and miss.question == ODD_QUESTION
    return miss.id


async def test_a_link_made_in_one_process_reaches_the_other_at_its_sync(
    settings: Settings, db: Database
) -> None:
    settings.staff.admins = [f"console:{ADMIN}"]
    other_db = Database(settings.database.url)
    a, b = Core(settings, db), Core(settings, other_db)
    try:
        assert "not sure" in await say(a, ODD_QUESTION, user="u2")  # both built their index
        assert "not sure" in await say(b, ODD_QUESTION)
        assert not await b.sync_knowledge()  # nothing changed: nothing to rebuild
        before_a, before_b = a.kb, b.kb
        linked = await say(a, f"/faq link {await last_miss(db)} {LINKED_TO}", user=ADMIN)
        assert "Linked" in linked
        await rebuilt(a, before_a)
        assert answered(await say(a, ODD_QUESTION, user="u2"))  # A rebuilt as it committed
        assert "not sure" in await say(b, ODD_QUESTION)  # B: its old index, until it syncs
        assert b.kb is before_b
        assert await b.sync_knowledge()
        await rebuilt(b, before_b)
        assert answered(await say(b, ODD_QUESTION))  # the linked entry's answer
        assert not await b.sync_knowledge()  # caught up: the next tick rebuilds nothing
        assert not await a.sync_knowledge()  # A built from this link itself
    finally:
        await other_db.dispose()


async def test_a_question_asked_as_the_link_commits_does_not_stall_the_rebuild(
    settings: Settings, db: Database
) -> None:
    """A question asked while the index is rebuilt is answered at once from the old one (it
    used to wait the seconds of the build; on SQLite it once stalled for 30 s holding the
    database while the rebuild waited to read the links, and the link was left out)."""
    settings.staff.admins = [f"console:{ADMIN}"]
    core = Core(settings, db)
    assert "not sure" in await say(core, ODD_QUESTION)
    before = core.kb
    await say(core, f"/faq link {await last_miss(db)} {LINKED_TO}", user=ADMIN)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert "not sure" in await say(core, ODD_QUESTION, user="u2")  # the old index
    assert loop.time() - started < 2 and core.kb is before  # a build takes several seconds
    await rebuilt(core, before)
    assert answered(await say(core, ODD_QUESTION, user="u3"))


async def test_sync_before_any_question_builds_nothing(settings: Settings, db: Database) -> None:
    core = Core(settings, db)
    assert not await core.sync_knowledge()
    assert core.kb is None  # the first question builds it, not the housekeeping loop
    assert answered(await say(core, "申请劳动仲裁要不要交钱？"))


@pytest.fixture
def own_files(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the knowledge files this test may change."""
    folder = tmp_path / "faq"
    shutil.copytree(DEFAULT_FOLDER, folder)
    referrals = tmp_path / "referrals.toml"
    shutil.copy(REFERRALS_PATH, referrals)
    return folder, referrals


async def test_a_changed_knowledge_file_is_picked_up_by_sync(
    settings: Settings, db: Database, own_files: tuple[Path, Path]
) -> None:
    folder, referrals = own_files
    holder = KnowledgeHolder(db, folder=folder, referrals=referrals)
    core = Core(settings, db, knowledge=holder)
    assert "not sure" in await say(core, ODD_QUESTION)
    before = core.kb
    phrasings = folder / "phrasings" / "arbitration.toml"
    content = phrasings.read_text(encoding="utf-8")
    heading = f'["{LINKED_TO}"]\nzh_CN = ['
    assert heading in content
    # what an editor adds to the file on disk; no /faq reload in this process
    phrasings.write_text(content.replace(heading, f'{heading}"{ODD_QUESTION}", '), "utf-8")
    assert await core.sync_knowledge()
    await rebuilt(core, before)
    assert answered(await say(core, ODD_QUESTION))
    assert not await core.sync_knowledge()  # built from the files as they are now


async def test_a_failed_check_is_logged_and_answers_go_on(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    if not settings.database.url.startswith("sqlite"):
        pytest.skip("drops a table: the SQLite file is this test's own")
    core = Core(settings, db)
    assert answered(await say(core, "申请劳动仲裁要不要交钱？"))
    async with db.session() as s:
        await s.execute(text("drop table faq_links"))
    with caplog.at_level(logging.ERROR, logger="handlers.conversation.knowledge"):
        assert not await core.sync_knowledge()  # logged, not raised into the loop
    assert "checking the FAQ knowledge base for changes failed" in caplog.text
    assert answered(await say(core, "申请劳动仲裁要不要交钱？"))


async def test_a_rebuild_under_way_at_shutdown_is_given_up(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    # the bot stops (BotApp.stop closes the core, then the database) while another process's
    # link is being built in: nothing is left running against the closing database
    holder = KnowledgeHolder(db)
    core = Core(settings, db, knowledge=holder)
    assert "not sure" in await say(core, ODD_QUESTION)
    before = core.kb
    holder.rebuild()
    with caplog.at_level(logging.ERROR, logger="handlers.conversation.knowledge"):
        await core.close()
        await asyncio.sleep(0.2)
    assert holder._rebuild is not None and holder._rebuild.cancelled()
    assert core.kb is before
    assert "failed" not in caplog.text


async def reload_report(db: Database, number: int) -> str:
    """The text of the ``number``-th (from 0) report /faq reload left for the admin's chat
    (waits up to 60 s: a build)."""
    for _ in range(600):
        async with db.session() as s:
            rows = (
                await s.execute(
                    select(OutboxMessage)
                    .where(OutboxMessage.idempotency_key.like("faq-reload:%"))
                    .order_by(OutboxMessage.id)
                )
            ).scalars()
            reports = list(rows)
        if len(reports) > number:
            row = reports[number]
            assert (row.channel, row.chat_id) == ("console", ADMIN)
            return str(row.payload["replies"][0]["text"])
        await asyncio.sleep(0.1)
    raise AssertionError("no report of the reload")


async def test_a_reload_of_a_broken_file_keeps_answering_and_says_what_is_wrong(
    settings: Settings, db: Database, own_files: tuple[Path, Path]
) -> None:
    settings.staff.admins = [f"console:{ADMIN}"]
    folder, referrals = own_files
    core = Core(settings, db, knowledge=KnowledgeHolder(db, folder=folder, referrals=referrals))
    assert answered(await say(core, "申请劳动仲裁要不要交钱？"))
    before = core.kb
    good = referrals.read_text(encoding="utf-8")
    referrals.write_text(good + "\n[[route]\n", encoding="utf-8")  # an editor's slip
    reply = await say(core, "/faq reload", user=ADMIN)
    assert "Reloading the knowledge base from the files" in reply
    report = await reload_report(db, 0)
    assert "Reloading the knowledge base failed: referrals.toml" in report and "line" in report
    assert "still answered from the previous one" in report
    assert core.kb is before and answered(await say(core, "申请劳动仲裁要不要交钱？"))
    referrals.write_text(good, encoding="utf-8")  # fixed, and reloaded again
    await say(core, "/faq reload", user=ADMIN)
    assert "Knowledge base reloaded: " in (clean := await reload_report(db, 1))
    assert "Problems" not in clean
    assert core.kb is before  # the files are as they were: that very build, not built again
    # a broken entry file is left out, not failed: the report names it
    count = len(core.kb.entries) if core.kb else 0
    (folder / "hours_leave.toml").write_text("[[entry]\n", encoding="utf-8")  # its entries gone
    await say(core, "/faq reload", user=ADMIN)
    report = await reload_report(db, 2)
    assert "Knowledge base reloaded: " in report and "Problems in the files (" in report
    assert "\n• hours_leave.toml: not valid TOML" in report  # the cause first
    assert core.kb is not None and len(core.kb.entries) < count


async def test_a_reload_that_cannot_read_the_links_says_so(
    settings: Settings, db: Database
) -> None:
    settings.staff.admins = [f"console:{ADMIN}"]
    core = Core(settings, db)
    assert answered(await say(core, "申请劳动仲裁要不要交钱？"))
    before = core.kb
    async with db.session() as s:
        await s.execute(text("drop table faq_links"))
    await say(core, "/faq reload", user=ADMIN)
    report = await reload_report(db, 0)
    assert "Reloading the knowledge base failed: " in report and "faq_links" in report
    assert "[SQL" not in report  # the error's first line, not the statement
    assert core.kb is before and answered(await say(core, "申请劳动仲裁要不要交钱？"))
