"""Issue 25.9: input that reaches the database, on SQLite and PostgreSQL.

NUL bytes are removed before anything is stored (PostgreSQL refused them, and the person was
told "busy" for ever); invisible-only text is refused as empty; ids longer than their column
are refused politely; a number or a date is not a name.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from handlers.app import Core
from handlers.casework.validators import ValidationError, parse_name
from storage.db import Database
from storage.models import Conversation, FaqMiss, Identity, InboundUpdate
from tests.test_detours import Party, screened_and_consented, up_to_the_narrative

BUSY = "busy"


async def test_nul_bytes_are_removed_before_anything_is_stored(
    settings: Settings, db: Database
) -> None:
    p = Party(Core(settings, db), user="nul\x00user")
    await p.say("/lang en")
    answer = await p.say("my boss\x00 has not paid me for three months, what can I do?")
    assert BUSY not in answer and "went wrong" not in answer
    await p.press("File a dispute")
    assert BUSY not in await p.say("/start\x00")
    async with db.session() as s:
        ids = (await s.execute(select(Identity.external_id))).scalars().all()
        misses = (await s.execute(select(FaqMiss.question))).scalars().all()
        keys = (await s.execute(select(InboundUpdate.update_key))).scalars().all()
    assert ids == ["nuluser"]
    assert all("\x00" not in q for q in misses) and all("\x00" not in k for k in keys)

    q = Party(Core(settings, db), user="u-nul-2")
    assert "Please describe what happened" in await up_to_the_narrative(q)
    await q.say("/back")  # back to the end date; then on to the narrative with NULs in it
    await q.say("2026-09-30")
    evidence = await q.say("老板\x00拖欠\x00工资")
    assert "Evidence helps" in evidence and BUSY not in evidence
    async with db.session() as s:
        conv = (
            await s.execute(select(Conversation).where(Conversation.chat_id == "u-nul-2"))
        ).scalar_one()
    assert conv.answers["facts"] == "老板拖欠工资"


@pytest.mark.parametrize("invisible", ["\u200b", "\u200b\u200d\u2060\ufeff", "\x00\x07 \u200e"])
async def test_invisible_only_text_is_refused_as_empty(
    settings: Settings, db: Database, invisible: str
) -> None:
    p = Party(Core(settings, db), user="zw")
    await up_to_the_narrative(p)
    answer = await p.say(invisible)
    assert "looked empty" in answer and "Please describe what happened" in answer
    async with db.session() as s:
        conv = (await s.execute(select(Conversation))).scalar_one()
    assert "facts" not in conv.answers and conv.step == "facts"
    outside = Party(Core(settings, db), user="zw2")
    await outside.say("/lang en")
    assert "looked empty" in await outside.say(invisible)


async def test_an_id_longer_than_its_column_is_refused_politely(
    settings: Settings, db: Database
) -> None:
    long_id = "o" + "x" * 300  # a forged OpenID far longer than any real one
    p = Party(Core(settings, db), user=long_id)
    answer = await p.say("/start")
    assert "cannot serve this account" in answer or "无法为这个账号服务" in answer
    assert BUSY not in answer
    async with db.session() as s:
        count = (await s.execute(select(func.count()).select_from(Identity))).scalar_one()
    assert count == 0


@pytest.mark.parametrize("text", ["-5", "2025-02-30", "123", "+86"])
def test_numbers_and_dates_are_not_names(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_name(text)
    assert info.value.code == "name.no_letters"


@pytest.mark.parametrize("text", ["--", "😀", "👍👍 ！", "……"])
def test_symbols_are_not_names(text: str) -> None:
    """Issue 20.12: no digits either, so "that looks like a number" would be wrong."""
    with pytest.raises(ValidationError) as info:
        parse_name(text)
    assert info.value.code == "name.symbols_only"


async def test_the_person_is_told_why_a_name_is_refused(settings: Settings, db: Database) -> None:
    q = Party(Core(settings, db), user="nm2")
    await screened_and_consented(q)
    for bad in ("-5", "2025-02-30"):
        assert "not a name" in await q.say(bad)
    assert "mobile number" in await q.say("张测试")
