"""The per-message database path kept short (issue 18): no conversation row for a question
answered, one query for the sender, the reply stored and earlier ones cleared in one UPDATE,
on SQLite and PostgreSQL, without giving up a guarantee."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.config import Settings
from handlers.app import Core
from storage.db import Database
from storage.models import Conversation, InboundUpdate
from storage.updates import clear_answers, pending_answer, record_update, store_answer
from tests.test_core import joined, payload, say

FAILED = ("something went wrong", "service is busy")


async def rows(db: Database, model: type) -> int:
    async with db.session() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_question_answered_writes_no_conversation_a_flow_keeps_one(
    settings: Settings, db: Database
) -> None:
    core = Core(settings, db)
    answer = joined(await say(core, "my boss has not paid my wages for three months"))
    assert "wage" in answer.lower()
    assert await rows(db, Conversation) == 0  # nothing to remember: nothing written
    assert await rows(db, InboundUpdate) == 1  # the update is still recorded (handled once)
    menu = await say(core, "/start")
    first = await say(core, button=payload(menu, "File a dispute"))
    assert await rows(db, Conversation) == 1  # a flow started: its state is kept
    second = await say(core, button=payload(first, "I am the worker (employee)"))
    assert "court" in joined(second).lower() or "arbitration" in joined(second).lower()
    async with db.session() as s:
        conv = (await s.execute(select(Conversation))).scalar_one()
    assert conv.flow and conv.answers["screen"]["applicant_role"] == "worker"
    # a question in between is answered and the application is still there
    await say(core, "how many days of annual leave do i get")
    async with db.session() as s:
        again = (await s.execute(select(Conversation))).scalar_one()
    assert again.step == conv.step and again.answers == conv.answers


async def test_two_processes_starting_one_new_conversation_at_once(
    settings: Settings, db: Database
) -> None:
    """Two processes each take a first press from the same new person at the same moment:
    one conversation row, both answered (one of them after the core's retry)."""
    other_db = Database(settings.database.url)
    cores = [Core(settings, db), Core(settings, other_db)]
    menu = await say(cores[0], "/start", user="racer")
    press = payload(menu, "File a dispute")
    replies = await asyncio.gather(*(say(c, button=press, user="racer") for c in cores))
    await other_db.dispose()
    for reply in replies:
        text = joined(reply)
        assert text and not any(f in text for f in FAILED), text
    assert await rows(db, Conversation) == 1


async def test_storing_a_reply_clears_the_earlier_ones_sent_in_the_same_statement(
    db: Database,
) -> None:
    async with db.session() as s:
        first = await record_update(s, "telegram", "1")
        second = await record_update(s, "telegram", "2")
        assert first and second
        await store_answer(s, first, "c1", [{"text": "one"}], owner=7)
        await store_answer(s, second, "c1", [{"text": "two"}], owner=8)
        third = await record_update(s, "telegram", "3")
        assert third
    async with db.session() as s:  # the next message: its reply stored, 1 and 2 were sent
        await store_answer(s, third, "c1", [{"text": "three"}], owner=9, clear=[first, second])
    async with db.session() as s:
        assert await pending_answer(s, "telegram", "1") is None
        assert await pending_answer(s, "telegram", "2") is None
        assert await pending_answer(s, "telegram", "3") == (third, [{"text": "three"}], 9)
        await clear_answers(s, [third])
    async with db.session() as s:
        assert await pending_answer(s, "telegram", "3") is None
