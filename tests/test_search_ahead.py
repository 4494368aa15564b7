"""The search process (handlers/conversation/search_ahead.py, knowledge/search_process.py):
a bot on two cores searches text messages in a child process before handling them. People
get the very answers the bot's own search gives; the bot does not search again; and when
the process is gone, slow, rebuilding or out of step, the bot searches itself.

The child processes here are real ones (`python -m knowledge.search_process`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotApp
from bot.config import Settings
from handlers.app import Core
from handlers.conversation import search_ahead
from handlers.conversation.knowledge import KnowledgeHolder
from handlers.conversation.messages import Inbound, Reply
from handlers.conversation.search_ahead import Ahead, SearchAhead, Searching
from knowledge.faq import KnowledgeBase, SearchResult
from knowledge.kb_shared import load_kb_shared
from knowledge.search_process import BuildSpec
from storage.db import Database
from tests.fault_tools import HoldingTelegramServer, bot_process, eventually, write_config
from tests.harness import running_bot, texts
from tests.test_faq import write_sample
from tests.test_faq_sync import ADMIN, LINKED_TO, ODD_QUESTION, answered, last_miss, rebuilt, say

# answered in Chinese and English, referred elsewhere, not sure, rambling, traditional, empty
QUESTIONS = [
    ("老板拖了我三个月工资一直不给，我该怎么办", "zh_CN"),
    ("试用期被辞退了有没有补偿", "zh_CN"),
    ("how many days of annual leave do i get after 3 years", "en"),
    ("how many days of annual leave do i get after 3 years", "zh_CN"),
    ("房东扣着租房押金不退怎么办", "zh_CN"),
    ("我想问一下打印机卡纸了到底应该怎么弄", "zh_CN"),
    (
        "我在厂里干了五年，上个月厂里说订单少了让我回家，也没说给什么补偿，社保也停了，"
        "我想问一下这种情况我能拿到多少钱，要去哪里申请",
        "zh_CN",
    ),
    ("公司唔俾加班費點算", "zh_CN"),
    ("你是机器人吗", "zh_CN"),
    ("我该怎么办呢", "zh_CN"),
    ("？？", "en"),
]
ARREARS = "老板拖了我三个月工资一直不给，我该怎么办"
TENANCY = "房东扣着租房押金不退怎么办"


def summary(result: SearchResult) -> tuple[Any, ...]:
    """What a person is shown, and what decides it."""
    return (
        result.best.id if result.best else None,
        result.confidence,
        result.answered,
        [e.id for e in result.related],
        [(e.id, c) for e, c in result.candidates],
        result.referral.id if result.referral else None,
        result.evidence,
        result.vague,
    )


async def files_unchanged() -> bool:
    return True


async def with_search_process(settings: Settings, db: Database) -> tuple[Core, SearchAhead]:
    """A bot core as `bot run` makes it on two cores, its search process ready."""
    core = Core(settings, db)
    await core.warm_knowledge()
    ahead = await core.start_search_process()
    assert ahead is not None and await ahead.until_ready(60)
    return core, ahead


@pytest.fixture
async def process() -> AsyncIterator[SearchAhead]:
    ahead = SearchAhead()
    await ahead.start()
    try:
        yield ahead
    finally:
        await ahead.close()


@pytest.fixture
def searches_here(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The questions searched in this (the bot's) process; the child's are not counted."""
    searched: list[str] = []
    own = KnowledgeBase.search

    def counted(self: KnowledgeBase, question: str, locale: str = "zh_CN") -> SearchResult:
        searched.append(question)
        return own(self, question, locale)

    monkeypatch.setattr(KnowledgeBase, "search", counted)
    yield searched


async def test_the_search_process_finds_exactly_what_the_bot_finds(
    process: SearchAhead,
) -> None:
    kb = load_kb_shared({})
    process.built(kb, BuildSpec({}), files_unchanged)
    assert await process.until_ready(60)
    for question, locale in QUESTIONS:
        ahead = await process.search(question, locale)
        assert ahead is not None, question
        assert ahead.kb is kb
        assert summary(ahead.result) == summary(kb.search(question, locale)), question


async def test_an_answer_searched_ahead_is_only_taken_for_that_very_search() -> None:
    kb, other = load_kb_shared({}), load_kb_shared({"pay.arrears": ["一个新链接的问法"]})
    ahead = Ahead(kb, ARREARS, "zh_CN", kb.search(ARREARS, "zh_CN"))
    assert ahead.answers(kb, ARREARS, "zh_CN") is ahead.result
    assert ahead.answers(kb, ARREARS, "en") is None  # the person reads English: near ties differ
    assert ahead.answers(other, ARREARS, "zh_CN") is None  # rebuilt since
    assert ahead.answers(kb, ARREARS[:-3], "zh_CN") is None  # the last sentence of a story


async def test_a_bot_with_the_search_process_does_not_search_again(
    settings: Settings, db: Database, searches_here: list[str]
) -> None:
    plain = Core(settings, db)
    want = [await say(plain, q, user="plain") for q in (ARREARS, TENANCY, ODD_QUESTION)]
    core, _ = await with_search_process(settings, db)
    searches_here.clear()
    try:
        got = [await say(core, q, user="ahead") for q in (ARREARS, TENANCY, ODD_QUESTION)]
    finally:
        await core.close()
    assert got == want  # the answer, the referral to the tenancy route, "not sure"
    assert "拖欠工资" in got[0] or "wage" in got[0].lower()
    assert searches_here == []


async def test_while_the_search_process_is_gone_the_bot_searches_itself_then_restarts_it(
    settings: Settings,
    db: Database,
    searches_here: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search_ahead, "RESTART_SECONDS", 0.2)
    core, ahead = await with_search_process(settings, db)
    try:
        want = await say(core, ARREARS, user="u1")
        proc = ahead._proc
        assert proc is not None
        proc.kill()
        await proc.wait()
        searches_here.clear()
        assert await say(core, ARREARS, user="u2") == want  # answered all the same
        assert searches_here == [ARREARS]  # by the bot itself
        assert await ahead.until_ready(60)  # started again, built again
        assert ahead._proc is not proc
        searches_here.clear()
        assert await say(core, ARREARS, user="u3") == want
        assert searches_here == []
    finally:
        await core.close()


async def test_a_chats_messages_keep_their_order_when_the_search_process_drops_out(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first message waits for its search, the second (the process gone meanwhile) has
    none to wait for: it still waits for the first, in its chat's turn."""
    core, ahead = await with_search_process(settings, db)
    send = ahead.send

    def send_then_drop_out(question: str, locale: str) -> Searching | None:
        searching = send(question, locale)
        ahead._ready = False  # as if the process died right after taking the first message
        return searching

    monkeypatch.setattr(ahead, "send", send_then_drop_out)
    handled: list[str] = []
    handle_once = core._handle_once

    async def noted(inbound: Inbound, searched: Ahead | None = None) -> list[Reply]:
        handled.append(inbound.text)
        return await handle_once(inbound, searched)

    core._handle_once = noted  # type: ignore[method-assign]
    first, second = "试用期被辞退了有没有补偿", ARREARS
    try:
        await asyncio.gather(say(core, first, user="same"), say(core, second, user="same"))
    finally:
        await core.close()
    assert handled == [first, second]


async def test_a_linked_phrasing_reaches_the_search_process_after_the_rebuild(
    settings: Settings, db: Database, searches_here: list[str]
) -> None:
    settings.staff.admins = [f"console:{ADMIN}"]
    core, ahead = await with_search_process(settings, db)
    try:
        assert "not sure" in await say(core, ODD_QUESTION)
        before = core.kb
        await say(core, f"/faq link {await last_miss(db)} {LINKED_TO}", user=ADMIN)
        await rebuilt(core, before)
        assert await ahead.until_ready(60)  # the child built the new knowledge base too
        searches_here.clear()
        assert answered(await say(core, ODD_QUESTION, user="u2"))
        assert searches_here == []
    finally:
        await core.close()


async def test_a_build_from_files_that_changed_meanwhile_is_not_used(
    process: SearchAhead,
) -> None:
    async def files_changed() -> bool:
        return False

    process.built(load_kb_shared({}), BuildSpec({}), files_changed)
    with pytest.raises(TimeoutError):
        await process.until_ready(5)
    assert await process.search(ARREARS, "zh_CN") is None  # the bot searches itself


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no search process")
async def test_a_telegram_bot_on_two_cores_answers_through_its_search_process(
    settings: Settings, server: Any, searches_here: list[str]
) -> None:
    settings.faq.search_process = True  # as shipped (the tests' settings turn it off)
    async with running_bot(settings, server) as bot:
        ahead = bot.app.core._search_ahead
        assert ahead is not None, "bot run starts the search process on two cores or more"
        assert await ahead.until_ready(60)
        searches_here.clear()
        sent = await bot.send(31, TENANCY)
        assert "12345" in texts(sent) or "人民调解" in texts(sent)  # referred, with where to go
        assert searches_here == []
        await asyncio.sleep(0)


async def test_edited_files_reach_the_search_process_after_a_reload(
    settings: Settings, db: Database, tmp_path: Path, searches_here: list[str]
) -> None:
    # until the twenty-sixth pass the child kept its build of the packaged files by the linked
    # phrasings alone: after /faq reload of edited files it answered as from the files before
    # the edit. Every folder now takes one path, keyed on the files' contents: a copy shows it
    settings.staff.admins = [f"console:{ADMIN}"]
    folder = write_sample(tmp_path / "faq")  # a few entries: built in a moment
    core = Core(settings, db, knowledge=KnowledgeHolder(db, folder=folder))
    await core.warm_knowledge()
    ahead = await core.start_search_process()
    assert ahead is not None and await ahead.until_ready(60)
    wages = "📖 My employer has not paid my wages"
    new = "东家的薪水一直赊着不结"
    try:
        assert wages not in await say(core, new)
        before = core.kb
        sample = folder / "sample.toml"
        text = sample.read_text(encoding="utf-8")
        sample.write_text(
            text.replace('"工资被拖了三个月"', f'"工资被拖了三个月", "{new}"'), "utf-8"
        )
        assert "Reloading the knowledge base" in await say(core, "/faq reload", user=ADMIN)
        await rebuilt(core, before)
        assert await ahead.until_ready(60)  # the child built from the edited files too
        searches_here.clear()
        assert wages in await say(core, new, user="u2")
        assert searches_here == []  # the child's answer
    finally:
        await core.close()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no search process")
async def test_the_console_alone_starts_no_search_process(settings: Settings) -> None:
    # `make run`: one person typing, and the start about three seconds quicker without it
    settings.faq.search_process = True  # as shipped
    assert not BotApp(settings, ["console"]).searches_ahead()
    assert BotApp(settings, ["console", "telegram"]).searches_ahead()
    settings.faq.search_process = False
    assert not BotApp(settings, ["telegram"]).searches_ahead()


def search_children(parent: int) -> list[int]:
    """The search processes `parent` started that are still running (not yet reaped)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:  # ended meanwhile
            continue
        if fields[1] == str(parent) and fields[0] != "Z" and b"knowledge.search_process" in command:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no search process")
async def test_a_bot_killed_with_sigkill_leaves_no_search_process_behind(tmp_path: Path) -> None:
    # the other tests that kill bot processes run them without it (tests/fault_tools.py)
    async with HoldingTelegramServer() as fake:
        db_url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
        bot = bot_process(write_config(tmp_path, fake, db_url, search_process=True), fake)
        await bot.start()
        try:
            assert bot.proc is not None
            pid = bot.proc.pid
            children: list[int] = []

            async def started() -> bool:
                children[:] = search_children(pid)
                return bool(children)

            await eventually(started, "bot run started no search process")
            await bot.kill()  # kill -9: no cleanup of any kind

            async def gone() -> bool:
                return not any(running(child) for child in children)

            await eventually(gone, "the search process outlived its bot", timeout=15)
        finally:
            await bot.stop()
