"""Issue 25.2: a detour in the middle of an application never deletes the draft.

Driven through the platform-neutral core (as every channel drives it), and once through the
real Telegram Application against the fake Bot API.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from handlers.app import Core
from handlers.conversation.messages import Attachment, Inbound, Reply
from storage.db import Database
from storage.models import Attachment as AttachmentRow
from storage.models import Case
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import running_bot, texts

_ids = itertools.count(1)
NARRATIVE = "Please describe what happened"


class Party:
    """One person talking to the core; remembers the buttons shown last."""

    def __init__(self, core: Core, user: str = "d1") -> None:
        self.core, self.user, self.shown = core, user, []  # type: ignore[var-annotated]
        self.history: list[Reply] = []

    async def say(self, text: str = "", button: str | None = None, **kw: object) -> str:
        replies = await self.core.handle(
            Inbound(
                channel="console",
                update_key=f"d{next(_ids)}",
                sender_id=self.user,
                chat_id=self.user,
                text=text,
                button=button,
                locale_hint="en",
                **kw,  # type: ignore[arg-type]
            )
        )
        self.history += replies
        return "\n".join(r.text for r in replies)

    async def press(self, label: str) -> str:
        for reply in reversed(self.history):
            exact = [b for b in reply.flat_buttons if b.label == label]
            near = [b for b in reply.flat_buttons if label in b.label]
            if exact or near:
                return await self.say(button=(exact or near)[0].payload)
        raise AssertionError(f"no button {label!r}")

    def buttons(self) -> list[str]:
        return [b.label for r in self.history[-3:] for b in r.flat_buttons]


async def screened_and_consented(p: Party, workers: str = "Just me") -> None:
    """In English, a worker with unpaid wages screened in scope, who agreed to the notice:
    the application's first question is next."""
    await p.say("/lang en")
    await p.press("File a dispute")
    for label in (
        "I am the worker (employee)",
        "No, neither",
        "A company, factory, shop or other enterprise",
        "Unpaid or underpaid wages or overtime pay",
        "No",
        "示例街道",
        "No, I have left",
    ):
        await p.press(label)
    await p.say("2026-10-01")
    await p.press(workers)
    await p.press("File my case now")
    await p.press("I agree")


async def up_to_the_narrative(p: Party) -> str:
    """Screen in scope, consent, and answer every question before the narrative."""
    await screened_and_consented(p)
    for answer in ("张测试", "13912345678"):
        await p.say(answer)
    await p.press("Skip")  # ID number
    await p.say("示例制造有限公司")
    await p.say("示例区示例路1号")
    await p.press("Skip")
    await p.press("Skip")
    await p.press("Done")
    await p.say("支付拖欠工资")
    await p.say("12000")
    await p.say("2024-03")
    return await p.say("2026-09-30")


async def assert_draft_comes_back(p: Party, after_detour: str) -> None:
    assert "unfinished application" in after_detour or "Continue my application" in p.buttons()
    start = await p.say("/start")
    assert "unfinished application" in start
    again = await p.press("Continue")
    assert NARRATIVE in again
    summary = await p.say("老板从七月开始不发工资。")  # the narrative, then on as before
    assert "Evidence" in summary or "evidence" in summary
    await p.press("Done")
    summary = await p.press("Weekday mornings")
    assert "张测试" in summary and "13912345678" in summary and "示例制造有限公司" in summary


async def test_human_then_end_keeps_the_draft(settings: Settings, db: Database) -> None:
    p = Party(Core(settings, db))
    assert NARRATIVE in await up_to_the_narrative(p)
    await p.say("/human")
    await p.say("Is anybody there?")
    await assert_draft_comes_back(p, await p.press("End"))


async def test_bind_then_cancel_keeps_the_draft(settings: Settings, db: Database) -> None:
    p = Party(Core(settings, db))
    await up_to_the_narrative(p)
    await p.say("/bind")
    stopped = await p.say("/cancel")
    assert "deleted" not in stopped
    await assert_draft_comes_back(p, stopped)


@pytest.mark.parametrize(
    "label", ["Can the center help me?", "Ask a legal question", "Talk to a person"]
)
async def test_old_menu_buttons_keep_the_draft(
    settings: Settings, db: Database, label: str
) -> None:
    p = Party(Core(settings, db))
    await p.say("/start")  # the main menu stays visible higher up in the chat
    await up_to_the_narrative(p)
    detour = await p.press(label)
    if label == "Can the center help me?":  # a second walk through the questions
        await p.press("I am the worker (employee)")
        detour = await p.say("/start")
    if label == "Talk to a person":
        detour = await p.press("End")
    await assert_draft_comes_back(p, detour)


async def test_only_a_confirmed_cancel_deletes_the_draft(settings: Settings, db: Database) -> None:
    p = Party(Core(settings, db))
    await up_to_the_narrative(p)
    await p.say("/human")
    await p.press("End")
    asked = await p.say("/cancel")  # the application waits: cancelling it asks first
    assert "Delete your unfinished application?" in asked
    await p.press("No, keep it")
    assert "unfinished application" in await p.say("/start")
    await p.press("Continue")
    assert "Delete your unfinished application?" in await p.say("/cancel")
    gone = await p.press("Yes, delete it")
    assert "deleted" in gone
    assert "unfinished application" not in await p.say("/start")


async def test_evidence_survives_a_detour_and_is_filed(settings: Settings, db: Database) -> None:
    p = Party(Core(settings, db))
    await up_to_the_narrative(p)
    await p.say("老板从七月开始不发工资。")
    assert "Evidence helps" in "\n".join(r.text for r in p.history[-2:])
    photo = Attachment(
        kind="photo", path="x/slip.jpg", size=3, sha256="0" * 64, file_name="slip.jpg"
    )
    assert "1 file so far" in await p.say(attachments=(photo,))
    await p.say("/human")
    await p.press("End")
    await p.say("/start")
    await p.press("Continue")
    await p.press("Done")
    await p.press("Weekday mornings")
    receipt = await p.press("Submit")
    assert "Case number" in receipt
    async with db.session() as s:
        case = (await s.execute(select(Case))).scalar_one()
        count = (
            select(func.count()).select_from(AttachmentRow).where(AttachmentRow.case_id == case.id)
        )
        assert (await s.execute(count)).scalar_one() == 1
        assert case.applicant_name == "张测试"


async def test_human_detour_keeps_the_draft_on_telegram(
    settings: Settings, server: FakeTelegramServer
) -> None:
    user = 7101
    async with running_bot(settings, server) as bot:
        await bot.send(user, "/start")
        await bot.send(user, "/lang en")
        await bot.press(user, "File a dispute")
        for label in (
            "I am the worker (employee)",
            "No, neither",
            "A company, factory, shop or other enterprise",
            "Unpaid or underpaid wages or overtime pay",
            "No",
            "示例街道",
            "No, I have left",
        ):
            await bot.press(user, label)
        await bot.send(user, "2026-10-01")
        await bot.press(user, "Just me")
        await bot.press(user, "File my case now")
        await bot.press(user, "I agree")
        await bot.send(user, "张测试")
        await bot.send(user, "13912345678")
        await bot.press(user, "Skip")
        await bot.send(user, "示例制造有限公司")
        await bot.send(user, "示例区示例路1号")
        await bot.press(user, "Skip")
        await bot.press(user, "Skip")
        await bot.press(user, "Done")
        await bot.send(user, "支付拖欠工资")
        await bot.send(user, "12000")
        await bot.send(user, "2024-03")
        assert NARRATIVE in texts(await bot.send(user, "2026-09-30"))
        await bot.send(user, "/human")
        await bot.send(user, "Hello, a question for a person")
        await bot.press(user, "End")
        await bot.send(user, "/bind")
        await bot.send(user, "/cancel")
        await bot.press(user, "Ask a legal question")  # the old main menu, higher up
        assert "unfinished application" in texts(await bot.send(user, "/start"))
        assert NARRATIVE in texts(await bot.press(user, "Continue"))
        await bot.send(user, "老板从七月开始不发工资。")
        await bot.press(user, "Done")
        summary = texts(await bot.press(user, "Weekday mornings"))
        assert "张测试" in summary and "示例制造有限公司" in summary


async def test_a_parked_draft_is_purged_like_any_old_draft(
    settings: Settings, db: Database
) -> None:
    from datetime import UTC, datetime, timedelta

    from storage.drafts import reset_stale_drafts
    from storage.models import Conversation, Person

    old = datetime.now(UTC) - timedelta(days=400)
    async with db.session() as s:
        person = Person(display_name="")
        s.add(person)
        await s.flush()
        parked = {"_draft": {"flow": "dispute", "step": "facts", "answers": {"phone": "139"}}}
        for chat, answers in (("1", parked), ("2", {"_entry": "qr"})):
            s.add(
                Conversation(
                    channel="console",
                    chat_id=chat,
                    person_id=person.id,
                    answers=answers,
                    history=[],
                    updated_at=old,
                )
            )
    count, _ = await reset_stale_drafts(db, datetime.now(UTC) - timedelta(days=30))
    assert count == 1
    async with db.session() as s:
        rows = {c.chat_id: c.answers for c in (await s.execute(select(Conversation))).scalars()}
    assert rows == {"1": {}, "2": {"_entry": "qr"}}
