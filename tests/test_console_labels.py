"""Issue 20, point 22: on the console, where one person may play every part, every message
addressed to someone other than the person typing says whom it is for — the work group, the
applicant, the respondent, a staff member or a person without a case — in the reader's
language, whichever feature pushed it (handlers/conversation/audience.py)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, select, update

from bot.channels.console import STAFF_CHAT, ConsoleChannel
from bot.config import Settings
from handlers.app import Core
from handlers.conversation.messages import Reply
from handlers.staff import digest
from storage.db import Database
from storage.models import Case, Identity, OutboxMessage, Person, Staff
from tests.test_console import console_config, employer_files, run_console
from tests.test_followup import START, Clock, say, seed


def test_staff_replies_to_a_party_are_labelled_in_the_partys_language(tmp_path: Path) -> None:
    out = run_console(
        tmp_path,
        [
            *employer_files(),
            "/human",
            "请问什么时候调解？",
            "/reply P1 下周会安排调解。",
            "/lang en",
            "/reply P1 We will call you.",
            "/lang en",  # one more message: the last push is printed before Ctrl-D
        ],
        "--staff",
    )
    assert "📋 [工作群] 🙋 #P1（案件 LJ-2026-000001）请求人工服务" in out
    assert "🔔 [申请人 示例餐饮有限公司] 💬 中心工作人员：下周会安排调解。" in out
    assert "🔔 [Applicant 示例餐饮有限公司] 💬 Staff of the center: We will call you." in out


def test_an_english_center_labels_the_work_group_and_a_person_without_a_case(
    tmp_path: Path,
) -> None:
    config = console_config(tmp_path)
    config.write_text(
        config.read_text(encoding="utf-8") + '[center]\ndefault_locale = "en"\n', encoding="utf-8"
    )
    out = run_console(
        tmp_path, ["/human", "Can someone call me?", "/reply P1 Yes, today."], "--staff"
    )
    assert "📋 [Work group] 🙋 #P1" in out, out[-1500:]
    assert "工作群" not in out
    assert "🔔 [Person #P1] 💬 Staff of the center: Yes, today." in out


async def _render(rows: list[OutboxMessage]) -> str:
    """The outbox rows as the console prints them when the dispatcher delivers them."""
    out = io.StringIO()
    channel = ConsoleChannel(_no_handler, stdout=out, work_group="Work group")
    for row in rows:
        await channel.deliver(row.chat_id, [Reply.from_dict(r) for r in row.payload["replies"]])
    return out.getvalue()


async def test_follow_up_surveys_and_private_staff_notes_are_labelled(
    settings: Settings, db: Database
) -> None:
    """The pushes no case notice writes: surveys (casework/followups.py), the assigned
    mediator's private note (Core.push_to_member). The parties and the mediator use the
    console (only it shows labels); the admin types on another channel."""
    settings.staff.admins = ["test:admin"]
    settings.center.default_locale = "en"
    clock = Clock()
    core = Core(settings, db, clock=clock)
    await seed(db, "LJ-2026-000001")
    async with db.session() as s:
        await s.execute(update(Identity).values(channel="console"))  # the two parties
        s.add(Staff(member="console:med", name="王调解", role="mediator"))
        mediator = Person(locale="en")
        s.add(mediator)
        await s.flush()
        s.add(Identity(person_id=mediator.id, channel="console", external_id="med", chat_id="med"))
        await s.execute(update(Case).values(state="accepted"))
    await say(core, "admin", "/lang en")
    assert "assigned" in await say(core, "admin", "/assign 1 王调解")
    assert "set for" in await say(core, "admin", "/schedule 1 2026-11-03 9:30 调解室一")
    due = (START + timedelta(days=10)).astimezone(settings.tz).date()
    await say(core, "admin", f"/outcome 1 agreement 12000 {due.isoformat()}")
    clock.now = START + timedelta(hours=22, minutes=30)  # the next morning: surveys go out
    await digest.tick(core, clock.now)
    async with db.session() as s:
        rows = list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())
    to_people = [r for r in rows if r.channel == "console" and r.chat_id != STAFF_CHAT]
    assert to_people and all(
        reply.get("audience") for r in to_people for reply in r.payload["replies"]
    )
    printed = await _render([r for r in rows if r.channel == "console"])
    surveys = [line for line in printed.splitlines() if "How satisfied" in line]
    assert len(surveys) == 2
    assert any(line.startswith("🔔 [Applicant 张测试] ") for line in surveys), surveys
    assert any(line.startswith("🔔 [Respondent 示例公司] ") for line in surveys), surveys
    assert re.search(r"🔔 \[Staff 王调解\] You have been assigned case LJ-2026-000001", printed)


async def _no_handler(_inbound: object) -> list[Reply]:
    return []


async def test_a_push_to_another_channel_has_no_label_and_looks_none_up(
    settings: Settings, db: Database
) -> None:
    """Telegram shows no label: the push is written without one, and neither the person's
    cases nor the staff roster is read for it (a query per push nobody would see)."""
    core = Core(settings, db)
    await seed(db, "LJ-2026-000001")  # the console would label it "Applicant 张测试"
    async with db.session() as s:
        await s.execute(update(Identity).values(channel="telegram"))
        worker = await s.execute(select(Identity).where(Identity.external_id == "worker"))
        worker_id = worker.scalar_one().person_id
        s.add(Staff(member="telegram:med", name="王调解", role="mediator"))
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with db.session() as s:
            assert await core.push_to_person(s, worker_id, "k1", [Reply("您好")])
            assert await core.push_to_person(
                s, worker_id, "k2", [Reply("您好", audience="申请人 张测试")]
            )
            assert await core.push_to_member(s, "telegram:med", "k3", [Reply("新案件")])
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    reads = [q for q in statements if q.lstrip().upper().startswith("SELECT")]
    assert not [q for q in reads if re.search(r"\bFROM cases\b|\bFROM staff\b", q)], reads
    async with db.session() as s:
        rows = list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())
    assert [r.channel for r in rows] == ["telegram"] * 3
    assert all("audience" not in reply for r in rows for reply in r.payload["replies"])
    printed = await _render(rows)  # were they shown on a console, they would carry no label
    assert "[" not in printed and "您好" in printed and "新案件" in printed
