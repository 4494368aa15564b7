"""Retention: finished cases anonymized after their period, old drafts and logs deleted.

Every test runs on SQLite and on PostgreSQL (when TEST_DATABASE_URL is set); the command
line is run as a real process on a SQLite file.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.config import ConfigError, Settings, load_settings
from handlers.casework.followups import OPEN
from handlers.casework.lifecycle import ENDED
from handlers.casework.validators import id_check_char
from handlers.office.stats import month_figures
from storage import retention
from storage.db import Database
from storage.models import (
    AccessLog,
    Attachment,
    Case,
    CaseEvent,
    Conversation,
    FaqMiss,
    FollowUp,
    InboundUpdate,
    OutboxMessage,
    Person,
    Staff,
)
from tests.conftest import TEST_DATA_KEY

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
OLD_MONTH = date(2022, 3, 1)
MEDIATOR = "telegram:9300"


def fake_id_number(seq: int) -> str:
    """A made-up resident ID number with a valid check character (no real person's)."""
    body = f"110105199001{seq % 28 + 1:02d}{seq % 1000:03d}"
    return body + id_check_char(body)


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=SH)


@dataclass
class Seeded:
    old: str  # finished in 2022: due for anonymizing
    recent: str  # closed 100 days ago
    open: str  # still in mediation, filed in 2022
    shared_file: Path  # evidence of the old and the open case (same checksum)
    own_file: Path  # evidence of the old case only


async def add_case(
    db: Database,
    number: str,
    states: list[tuple[datetime, str]],
    *,
    kind: str = "enterprise",
    files: tuple[Path, ...] = (),
    **values: object,
) -> None:
    """A case with personal data, its history (with notes), a follow-up and evidence."""
    async with db.session() as s:
        person = Person(display_name="")
        s.add(person)
        await s.flush()
        seq = int(number[-3:])
        defaults: dict[str, object] = dict(
            number=number,
            state=states[-1][1],
            applicant_person_id=person.id,
            applicant_name="张测试",
            applicant_phone=f"1380000{seq:04d}",
            applicant_phone_last4=f"{seq:04d}",
            applicant_id_number=fake_id_number(seq),
            respondent_name="示例制造有限公司",
            respondent_address="示例区示例路1号",
            respondent_phone="13800009999",
            categories=["pay", "overtime"],
            claims_text="支付拖欠工资",
            amount_claimed=Decimal("12000"),
            facts="我在示例公司做了两年，老板欠我三个月工资。",
            contact_time="工作日下午",
            employment_start=date(2020, 1, 1),
            employment_end=date(2022, 1, 31),
            screening={
                "outcome": "in_scope",
                "facts": {"employer_kind": kind, "event_date": "2022-01-31"},
            },
            source_channel="telegram",
            submitted_at=states[0][0],
            department="hrss",
            outcome_terms="银行转账一次付清",
        )
        case = Case(**{**defaults, **values})
        s.add(case)
        previous = None
        for when, state in states:
            s.add(
                CaseEvent(
                    case=case,
                    at=when,
                    actor="system",
                    action="state",
                    from_state=previous,
                    to_state=state,
                    note="状态变更",
                )
            )
            previous = state
        first = states[0][0]
        s.add(
            CaseEvent(
                case=case,
                at=first,
                actor=f"telegram:{seq}",
                action="party_message",
                note="我的电话是13800001234，请联系我",
            )
        )
        s.add(
            CaseEvent(case=case, at=first, actor=MEDIATOR, action="note", note="单位同意先付一半")
        )
        await s.flush()
        if states[-1][1] == "closed":
            s.add(
                FollowUp(
                    case_id=case.id,
                    person_id=person.id,
                    kind="satisfaction",
                    status="answered",
                    due_at=first,
                    answered_at=states[-1][0],
                    answer="5",
                    comment="调解员张某很耐心",
                )
            )
        for path in files:
            s.add(
                Attachment(
                    case_id=case.id,
                    person_id=person.id,
                    kind="photo",
                    size=4,
                    sha256=path.stem,
                    path=str(path),
                )
            )
        s.add(AccessLog(actor=MEDIATOR, case_id=case.id, action="view_case"))


async def seed(db: Database, files_dir: Path) -> Seeded:
    files_dir.mkdir(parents=True, exist_ok=True)
    shared, own = files_dir / f"{'a' * 64}.jpg", files_dir / f"{'b' * 64}.jpg"
    shared.write_bytes(b"shrd")
    own.write_bytes(b"mine")
    async with db.session() as s:
        s.add(Staff(member=MEDIATOR, name="王调解", role="mediator"))
    await add_case(
        db,
        "LJ-2022-000001",
        [
            (at(2022, 3, 10), "submitted"),
            (at(2022, 3, 11), "accepted"),
            (at(2022, 3, 20), "agreement"),
            (at(2022, 3, 25), "closed"),
        ],
        files=(shared, own),
        outcome_amount=Decimal("10000"),
        outcome_at=at(2022, 3, 20),
    )
    recent = NOW - timedelta(days=100)
    await add_case(
        db,
        "LJ-2026-000002",
        [
            (recent - timedelta(days=20), "submitted"),
            (recent - timedelta(days=5), "failed"),
            (recent, "closed"),
        ],
    )
    await add_case(
        db,
        "LJ-2022-000003",
        [
            (at(2022, 3, 5), "submitted"),
            (at(2022, 3, 6), "accepted"),
            (at(2022, 3, 7), "in_mediation"),
        ],
        files=(shared,),
    )
    return Seeded("LJ-2022-000001", "LJ-2026-000002", "LJ-2022-000003", shared, own)


async def get_case(db: Database, number: str) -> Case:
    async with db.session() as s:
        return (await s.execute(select(Case).where(Case.number == number))).scalar_one()


async def snapshot(db: Database, number: str) -> dict[str, object]:
    """Everything stored about one case, as plain values."""
    case = await get_case(db, number)
    async with db.session() as s:
        events = (
            await s.execute(
                select(CaseEvent.actor, CaseEvent.note)
                .where(CaseEvent.case_id == case.id)
                .order_by(CaseEvent.id)
            )
        ).all()
        files = (
            (
                await s.execute(
                    select(Attachment.path)
                    .where(Attachment.case_id == case.id)
                    .order_by(Attachment.id)
                )
            )
            .scalars()
            .all()
        )
    row = {c.key: getattr(case, c.key) for c in Case.__table__.columns}
    return {**row, "events": [tuple(e) for e in events], "files": list(files)}


async def figures(db: Database, month: date) -> dict[str, object]:
    async with db.session() as s:
        data = (await month_figures(s, month, SH, now=NOW)).to_json()
    return data


async def test_an_old_finished_case_is_anonymized_and_the_figures_stay(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    seeded = await seed(db, tmp_path / "files")
    before_figures = await figures(db, OLD_MONTH)
    recent_before = await snapshot(db, seeded.recent)
    open_before = await snapshot(db, seeded.open)

    went = await retention.purge(db, settings, NOW)

    assert went.cases == [seeded.old]
    assert went.evidence == 2 and went.files_removed == 1
    case = await get_case(db, seeded.old)
    assert case.anonymized_at == NOW
    # the person is gone: names, numbers, own words, the link to their chat account
    assert case.applicant_name == retention.ANONYMIZED
    assert case.applicant_phone == "" and case.applicant_phone_last4 == ""
    assert case.applicant_id_number is None and case.respondent_phone is None
    assert case.applicant_person_id is None
    assert case.facts == case.claims_text == case.contact_time == case.outcome_terms == ""
    assert case.employment_start is None and case.employment_end is None
    assert "event_date" not in case.screening["facts"]
    # the employer is a company: its name and address stay, with the figures
    assert case.respondent_name == "示例制造有限公司"
    assert case.respondent_address == "示例区示例路1号"
    assert (case.state, case.categories, case.department) == ("closed", ["pay", "overtime"], "hrss")
    assert (case.amount_claimed, case.outcome_amount) == (Decimal("12000"), Decimal("10000"))
    assert case.submitted_at == at(2022, 3, 10) and case.outcome_at == at(2022, 3, 20)
    async with db.session() as s:
        events = (
            (
                await s.execute(
                    select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
                )
            )
            .scalars()
            .all()
        )
        follow_up = (
            await s.execute(select(FollowUp).where(FollowUp.case_id == case.id))
        ).scalar_one()
        logged = await s.scalar(
            select(func.count()).select_from(AccessLog).where(AccessLog.case_id == case.id)
        )
    assert {e.note for e in events} == {""}
    assert events[-1].action == "anonymized"
    assert {e.actor for e in events} == {"system", "party", MEDIATOR}  # staff stay accountable
    assert follow_up.comment == "" and follow_up.answer == "5"
    assert logged == 1  # the audit trail is kept
    # the month's figures are the same as before
    assert await figures(db, OLD_MONTH) == before_figures
    # evidence: the old case's own file is gone, the one the open case also uses is not
    assert not seeded.own_file.exists()
    assert seeded.shared_file.exists()
    # the recent closed case and the open case are untouched
    assert await snapshot(db, seeded.recent) == recent_before
    assert await snapshot(db, seeded.open) == open_before


async def test_an_individual_employer_is_anonymized_like_the_worker(
    settings: Settings, db: Database
) -> None:
    finished = [(at(2022, 5, 1), "submitted"), (at(2022, 5, 9), "referred")]
    await add_case(db, "LJ-2022-000011", finished, kind="household")
    await add_case(db, "LJ-2022-000012", finished, respondent_uscc="92110105MA0000000X")
    await add_case(db, "LJ-2022-000013", finished, kind="enterprise")
    await add_case(  # the company filed against a worker
        db,
        "LJ-2022-000014",
        finished,
        applicant_role="employer",
        applicant_name="示例制造有限公司",
        applicant_uscc="91110105MA00000001",
        applicant_id_number=None,
        respondent_name="王测试",
        respondent_address="示例区示例小区2号楼",
    )

    went = await retention.purge(db, settings, NOW)

    assert went.cases == [f"LJ-2022-00001{i}" for i in range(1, 5)]
    for number in ("LJ-2022-000011", "LJ-2022-000012"):  # a household, a sole trader
        case = await get_case(db, number)
        assert case.respondent_name == retention.ANONYMIZED
        assert case.respondent_address == "" and case.respondent_uscc is None
    assert (await get_case(db, "LJ-2022-000013")).respondent_name == "示例制造有限公司"
    employer_filed = await get_case(db, "LJ-2022-000014")
    assert employer_filed.applicant_name == "示例制造有限公司"
    assert employer_filed.applicant_phone == ""  # a contact person's mobile
    assert employer_filed.respondent_name == retention.ANONYMIZED
    assert employer_filed.respondent_address == ""


async def test_a_case_waiting_for_a_follow_up_answer_is_kept(
    settings: Settings, db: Database
) -> None:
    await add_case(
        db, "LJ-2022-000021", [(at(2022, 5, 1), "submitted"), (at(2022, 5, 9), "agreement")]
    )
    case = await get_case(db, "LJ-2022-000021")
    async with db.session() as s:
        s.add(
            FollowUp(
                case_id=case.id,
                person_id=case.applicant_person_id,
                kind="fulfilment",
                status="scheduled",
                due_at=NOW + timedelta(days=3),
            )
        )
    assert (await retention.plan(db, settings, NOW)).cases == []


async def test_dry_run_changes_nothing_and_lists_the_case(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    seeded = await seed(db, tmp_path / "files")
    before = await snapshot(db, seeded.old)

    planned = await retention.plan(db, settings, NOW)

    assert planned.cases == [seeded.old]
    assert planned.counts()["evidence"] == 2
    assert await snapshot(db, seeded.old) == before
    assert seeded.own_file.exists()


async def test_running_twice_does_nothing_more(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    seeded = await seed(db, tmp_path / "files")
    first = await retention.purge(db, settings, NOW)
    after_first = await snapshot(db, seeded.old)

    second = await retention.purge(db, settings, NOW + timedelta(minutes=5))

    assert not first.empty
    assert second.empty and second.files_removed == 0
    assert await snapshot(db, seeded.old) == after_first


async def test_two_instances_run_the_day_once(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    seeded = await seed(db, tmp_path / "files")
    other = Database(settings.database.url)
    try:
        results = await asyncio.gather(
            retention.run_daily(db, settings, NOW), retention.run_daily(other, settings, NOW)
        )
    finally:
        await other.dispose()
    ran = [r for r in results if r is not None]
    assert len(ran) == 1 and ran[0].cases == [seeded.old]
    later = NOW + timedelta(hours=3)  # the same day in Shanghai: not again
    assert await retention.run_daily(db, settings, later) is None


async def test_old_drafts_updates_pushes_and_faq_questions_go(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    old, new = NOW - timedelta(days=400), NOW - timedelta(days=1)
    draft_file = tmp_path / f"{'c' * 64}.jpg"
    draft_file.write_bytes(b"drft")
    async with db.session() as s:
        person = Person(display_name="")
        s.add(person)
        await s.flush()
        for chat, when in (("1", old), ("2", new)):
            conv = Conversation(
                channel="telegram",
                chat_id=chat,
                person_id=person.id,
                flow="dispute",
                step="facts",
                answers={"facts": "欠薪"},
                history=[],
                updated_at=when,
            )
            s.add(conv)
            await s.flush()
            if chat == "1":
                s.add(
                    Attachment(
                        conversation_id=conv.id,
                        person_id=person.id,
                        kind="photo",
                        size=4,
                        sha256="c" * 64,
                        path=str(draft_file),
                    )
                )
        for i, when in enumerate((old, new)):
            s.add(InboundUpdate(channel="telegram", update_key=str(i), received_at=when))
            s.add(FaqMiss(question="老板不给钱怎么办", at=when))
            for status in ("delivered", "failed", "pending"):
                s.add(
                    OutboxMessage(
                        idempotency_key=f"{status}{i}",
                        channel="telegram",
                        chat_id="1",
                        payload={"replies": []},
                        status=status,
                        created_at=when,
                    )
                )

    planned = await retention.plan(db, settings, NOW)
    assert planned.counts() == {
        "cases": 0,
        "evidence": 0,
        "drafts": 1,
        "inbound_updates": 1,
        "outbox": 2,
        "faq_misses": 1,
        "people": 0,  # the person still has a recent draft
    }
    went = await retention.apply(db, settings, planned)

    assert went.counts() == planned.counts()
    assert not draft_file.exists()
    async with db.session() as s:
        convs = {c.chat_id: c for c in (await s.execute(select(Conversation))).scalars()}
        statuses = sorted((await s.execute(select(OutboxMessage.status))).scalars())
        assert await s.scalar(select(func.count()).select_from(InboundUpdate)) == 1
        assert await s.scalar(select(func.count()).select_from(FaqMiss)) == 1
    assert convs["1"].flow is None and convs["1"].answers == {}
    assert convs["2"].flow == "dispute"
    assert statuses == ["delivered", "failed", "pending", "pending"]  # pending is never purged


def test_the_states_match_the_lifecycle() -> None:
    assert set(retention.FINISHED_STATES) == ENDED
    assert set(retention.OPEN_FOLLOW_UPS) == set(OPEN)


def test_periods_must_be_positive(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[retention]\noutbox_days = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"retention\.outbox_days"):
        load_settings(path, env={})


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_purge_command_dry_run_then_for_real(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    """`mediation-bot purge` as an operator runs it, in its own process (real now)."""
    now = datetime.now(UTC)
    await add_case(
        db,
        "LJ-2022-000031",
        [(now - timedelta(days=1300), "submitted"), (now - timedelta(days=1200), "withdrawn")],
    )
    await add_case(db, "LJ-2026-000032", [(now - timedelta(days=10), "submitted")])
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "{settings.database.url}"\n'
        f'[storage]\nfiles_dir = "{tmp_path / "files"}"\n'
        f'[security]\ndata_key = "{TEST_DATA_KEY}"\n'
        "[retention]\nclosed_case_days = 1095\n",
        encoding="utf-8",
    )

    def purge(*extra: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(config), "purge", *extra],
            capture_output=True,
            text=True,
            timeout=90,
            cwd=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    dry = purge("--dry-run")
    assert "nothing was changed" in dry
    assert "LJ-2022-000031" in dry and "LJ-2026-000032" not in dry
    assert (await get_case(db, "LJ-2022-000031")).applicant_name == "张测试"

    real = purge()
    assert "LJ-2022-000031" in real
    assert (await get_case(db, "LJ-2022-000031")).applicant_name == retention.ANONYMIZED
    assert (await get_case(db, "LJ-2026-000032")).applicant_name == "张测试"

    assert "Nothing is past its retention period." in purge("--dry-run")
