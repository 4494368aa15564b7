"""The platform-neutral core, driven with neutral messages (as every channel does)."""

from __future__ import annotations

import asyncio
import itertools

from sqlalchemy import select

from bot.config import Settings
from handlers.app import Core
from handlers.conversation.core import HANDLING_SLOTS
from handlers.conversation.messages import Inbound, Reply
from handlers.conversation.search_ahead import Ahead
from storage.db import Database
from storage.models import Conversation

_ids = itertools.count(1)


async def say(
    core: Core, text: str = "", *, button: str | None = None, user: str = "u1"
) -> list[Reply]:
    return await core.handle(
        Inbound(
            channel="console",
            update_key=f"k{next(_ids)}",
            sender_id=user,
            chat_id=user,
            text=text,
            button=button,
            locale_hint="en",
        )
    )


def joined(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def payload(replies: list[Reply], label: str) -> str:
    for r in reversed(replies):
        for b in r.flat_buttons:
            if b.label == label:
                return b.payload
    raise AssertionError(
        f"no button {label!r} in {[b.label for r in replies for b in r.flat_buttons]}"
    )


async def test_database_down_tells_the_user_to_retry(settings: Settings) -> None:
    settings.database.url = "postgresql+asyncpg://postgres@127.0.0.1:9/nowhere"
    db = Database(settings.database.url)
    core = Core(settings, db)
    replies = await say(core, "/start")
    await db.dispose()
    assert "send your last message again in a minute" in joined(replies)


async def test_huge_message_is_refused_politely_and_loses_nothing(
    settings: Settings, db: Database
) -> None:
    core = Core(settings, db)
    menu = await say(core, "/start")
    await say(core, button=payload(menu, "File a dispute"))
    async with db.session() as s:
        before = (await s.execute(select(Conversation))).scalar_one().step
    replies = await say(core, "欠" * 10_000)
    assert "too long" in joined(replies)
    async with db.session() as s:
        conv = (await s.execute(select(Conversation))).scalar_one()
    assert conv.flow == "dispute" and conv.step == before


async def test_out_of_scope_gets_route_and_why_with_citation(
    settings: Settings, db: Database
) -> None:
    core = Core(settings, db)
    replies = await say(core, "/start")
    replies = await say(core, button=payload(replies, "Can the center help me?"))
    replies = await say(core, button=payload(replies, "I am the worker (employee)"))
    replies = await say(core, button=payload(replies, "No, neither"))
    replies = await say(
        core,
        button=payload(
            replies, "A household or private person, as their domestic helper (nanny, cleaner…)"
        ),
    )
    text = joined(replies)
    assert "Where to go" in text
    assert "File my case now" not in [b.label for r in replies for b in r.flat_buttons]
    why = joined(await say(core, button=payload(replies, "Why?")))
    assert "Legal basis" in why and "Art. 2" in why


async def test_back_returns_to_the_previous_question_with_answers_as_they_were(
    settings: Settings, db: Database
) -> None:
    core = Core(settings, db)
    replies = await say(core, "/start")
    first = await say(core, button=payload(replies, "Can the center help me?"))
    second = await say(core, button=payload(first, "I am the worker (employee)"))
    again = await say(core, "/back")
    assert joined(again) == joined(first)
    async with db.session() as s:
        conv = (await s.execute(select(Conversation))).scalar_one()
    assert conv.answers.get("screen", {}) == {}
    assert joined(await say(core, button=payload(again, "I am the worker (employee)"))) == joined(
        second
    )


async def test_typing_instead_of_pressing_and_cancel(settings: Settings, db: Database) -> None:
    core = Core(settings, db)
    replies = await say(core, "/start")
    first = await say(core, button=payload(replies, "Can the center help me?"))
    confused = joined(await say(core, "hmm what?"))
    assert "Please choose one of the buttons" in confused
    by_number = await say(core, "1")  # the first choice, typed
    assert joined(by_number) != joined(first)
    cancelled = joined(await say(core, "/cancel"))
    assert "Cancelled" in cancelled
    assert "nothing to cancel" in joined(await say(core, "/cancel"))


async def test_two_processes_share_one_conversation(settings: Settings, db: Database) -> None:
    """Messages of one person alternate between two bot processes on one database."""
    other_db = Database(settings.database.url)
    cores = [Core(settings, db), Core(settings, other_db)]
    labels = [
        "File a dispute",
        "I am the worker (employee)",
        "No, neither",
        "A company, factory, shop or other enterprise",
        "Unpaid or underpaid wages or overtime pay",
        "No",
    ]
    replies = await say(cores[0], "/start")
    for i, label in enumerate(labels):
        replies = await say(cores[(i + 1) % 2], button=payload(replies, label))
    await other_db.dispose()
    async with db.session() as s:
        conv = (await s.execute(select(Conversation))).scalar_one()
    assert list(conv.answers["screen"]) == [
        "applicant_role",
        "proceedings",
        "employer_kind",
        "category",
        "pension",
    ]
    assert "Where do (or did) you do the work?" in joined(replies)


async def test_a_crowd_waits_its_turn_and_everyone_gets_a_real_answer(
    settings: Settings, db: Database
) -> None:
    """Far more people at once than the process handles at a time (HANDLING_SLOTS): nobody
    is told the service is busy, and no more than the slots are in the database at once."""
    core = Core(settings, db)
    inside = most = 0
    handle_once = core._handle_once

    async def counted(inbound: Inbound, ahead: Ahead | None = None) -> list[Reply]:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        try:
            return await handle_once(inbound, ahead)
        finally:
            inside -= 1

    core._handle_once = counted  # type: ignore[method-assign]
    answers = await asyncio.gather(*(say(core, "/start", user=f"p{n}") for n in range(40)))
    assert most <= HANDLING_SLOTS
    assert all("send your last message again" not in joined(a) for a in answers)
    assert all(a and a[0].buttons for a in answers)  # the menu, for each of them
