"""How long personal data is kept: plan what would go, then apply it.

`plan()` only reads; `apply()` re-checks every item in short transactions (up to
`CASE_BATCH` cases each, their rows locked while they are anonymized; on PostgreSQL rows
another instance holds are skipped), so running it twice, or on two instances at once,
changes nothing more. `run_daily()` is what the bot's timer calls: one instance a day does the work.

What goes (periods in `[retention]` and `storage.draft_max_age_days`):

- *finished cases* — closed, or ended (agreement, failed, withdrawn, declined, referred) with
  no follow-up still open — whose last event is older than `closed_case_days` are
  **anonymized**, not deleted: the number, dates, states and their history, categories,
  amounts, outcome, department, mediator, channel and follow-up answers stay, so the monthly
  figures and the ledger do not change. Names, phones, ID number, the individual's address,
  claims and facts in their own words, contact time, outcome terms, event notes, follow-up
  comments, employment dates, screening dates and the link to the chat account go; the
  evidence rows are deleted, and each file once no other row uses it. The employer's name,
  address and credit code are kept only when the employer is an organisation (see
  `employer_is_organisation`); an individual employer is a person like the worker.
- *drafts* idle longer than `storage.draft_max_age_days` are reset (storage/drafts.py).
- ids of handled platform updates, delivered or failed outbox messages and FAQ questions the
  bot could not answer are deleted after their periods. The access log is kept (audit trail).
- *people* no case, follow-up, evidence, draft or open request needs, silent for
  `people_idle_days`, are deleted with their chat identities (storage/data_requests.py);
  copies made by /mydata are deleted from disk after a day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from settings import Settings
from storage.cases import add_event
from storage.data_requests import remove_old_copies, remove_people, unneeded_people
from storage.db import Database
from storage.drafts import remove_unused_files, reset_stale_drafts, stale_drafts
from storage.jobs import claim_job
from storage.models import (
    Attachment,
    Case,
    CaseEvent,
    FaqMiss,
    FollowUp,
    InboundUpdate,
    OutboxMessage,
    Staff,
)

# The states in which a case has ended (handlers/casework/lifecycle.py ENDED; a test keeps
# them equal).
FINISHED_STATES = (
    "agreement",
    "failed",
    "withdrawn",
    "declined_by_respondent",
    "referred",
    "closed",
)
# Follow-up statuses still waiting for an answer (handlers/casework/followups.py OPEN).
OPEN_FOLLOW_UPS = ("scheduled", "sent", "reminded")
# Employer kinds (knowledge/scope.toml, question employer_kind) that are organisations.
ORGANISATION_KINDS = frozenset(
    {"enterprise", "private_non_enterprise", "public_body", "military_civilian"}
)
ANONYMIZED = "—"  # shown instead of a removed name
PARTY_ACTOR = "party"  # a party's chat account in the history, once anonymized
SYSTEM_ACTORS = frozenset({"system", "cli"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PURGED_OUTBOX = ("delivered", "failed")
CASE_BATCH = 200  # cases anonymized in one transaction
PEOPLE_BATCH = 500  # people deleted in one transaction


@dataclass
class RetentionPlan:
    """What a purge would remove (from `plan`) or did remove (from `apply`)."""

    now: datetime
    cases: list[str] = field(default_factory=list)  # case numbers to anonymize
    case_ids: list[int] = field(default_factory=list)
    evidence: int = 0  # evidence rows of those cases
    drafts: int = 0
    inbound_updates: int = 0
    outbox: int = 0
    faq_misses: int = 0
    people: int = 0  # people (and their identities) no case or draft needs
    files_removed: int = 0  # files deleted from disk (apply only)

    def counts(self) -> dict[str, int]:
        return {
            "cases": len(self.cases),
            "evidence": self.evidence,
            "drafts": self.drafts,
            "inbound_updates": self.inbound_updates,
            "outbox": self.outbox,
            "faq_misses": self.faq_misses,
            "people": self.people,
        }

    @property
    def empty(self) -> bool:
        return not any(self.counts().values())


@dataclass(frozen=True)
class Cutoffs:
    """Everything older than these moments goes."""

    cases: datetime
    drafts: datetime
    inbound_updates: datetime
    outbox: datetime
    faq_misses: datetime
    people: datetime

    @classmethod
    def of(cls, settings: Settings, now: datetime) -> Cutoffs:
        r = settings.retention
        return cls(
            cases=now - timedelta(days=r.closed_case_days),
            drafts=now - timedelta(days=settings.storage.draft_max_age_days),
            inbound_updates=now - timedelta(days=r.inbound_updates_days),
            outbox=now - timedelta(days=r.outbox_days),
            faq_misses=now - timedelta(days=r.faq_misses_days),
            people=now - timedelta(days=r.people_idle_days),
        )


# --- which rows ------------------------------------------------------------------------
def _finished_before(cutoff: datetime) -> ColumnElement[bool]:
    """Cases that ended, have no open follow-up, and saw no event since `cutoff`."""
    last_event = (
        select(func.max(CaseEvent.at)).where(CaseEvent.case_id == Case.id).scalar_subquery()
    )
    open_follow_up = exists().where(
        FollowUp.case_id == Case.id, FollowUp.status.in_(OPEN_FOLLOW_UPS)
    )
    return (
        Case.number.is_not(None)
        & Case.anonymized_at.is_(None)
        & Case.state.in_(FINISHED_STATES)
        & (func.coalesce(last_event, Case.updated_at) < cutoff)
        & ~open_follow_up
    )


def _outbox_old(cutoff: datetime) -> ColumnElement[bool]:
    return OutboxMessage.status.in_(PURGED_OUTBOX) & (OutboxMessage.created_at < cutoff)


async def _count(session: AsyncSession, model: Any, where: ColumnElement[bool]) -> int:
    return (
        await session.execute(select(func.count()).select_from(model).where(where))
    ).scalar_one()


async def plan(db: Database, settings: Settings, now: datetime) -> RetentionPlan:
    """What a purge at `now` would remove; changes nothing."""
    cut = Cutoffs.of(settings, now)
    result = RetentionPlan(now=now)
    async with db.session() as session:
        rows = await session.execute(
            select(Case.id, Case.number).where(_finished_before(cut.cases)).order_by(Case.id)
        )
        for case_id, number in rows.all():
            result.case_ids.append(case_id)
            result.cases.append(number)  # type: ignore[arg-type]  # a finished case was filed: it has a number
        if result.case_ids:
            result.evidence = await _count(
                session, Attachment, Attachment.case_id.in_(result.case_ids)
            )
        result.drafts = len(await stale_drafts(session, cut.drafts))
        result.inbound_updates = await _count(
            session, InboundUpdate, InboundUpdate.received_at < cut.inbound_updates
        )
        result.outbox = await _count(session, OutboxMessage, _outbox_old(cut.outbox))
        result.faq_misses = await _count(session, FaqMiss, FaqMiss.at < cut.faq_misses)
        result.people = len(await unneeded_people(session, cut.people))
    return result


# --- anonymizing a case ----------------------------------------------------------------
def employer_is_organisation(case: Case) -> bool:
    """Whether the employer party is an organisation, whose name is not personal data.

    A unified social credit code starting with "92" is an individual business (个体工商户),
    usually named after its owner; otherwise the screening answer decides, and without one a
    credit code shows a registered organisation. In doubt: a person.
    """
    uscc = case.applicant_uscc if case.applicant_role == "employer" else case.respondent_uscc
    if uscc and uscc.startswith("92"):
        return False
    kind = ((case.screening or {}).get("facts") or {}).get("employer_kind")
    if kind:
        return kind in ORGANISATION_KINDS
    return bool(uscc)


def _wipe_parties(case: Case) -> None:
    keep_employer = employer_is_organisation(case)
    employer_applied = case.applicant_role == "employer"
    if not (employer_applied and keep_employer):
        case.applicant_name = ANONYMIZED
        case.applicant_uscc = None
    case.applicant_phone = ""
    case.applicant_phone_last4 = ""
    case.applicant_id_number = None
    case.applicant_person_id = None
    case.applicant_code_hash = None
    if employer_applied or not keep_employer:
        case.respondent_name = ANONYMIZED
        case.respondent_address = ""
        case.respondent_uscc = None
    case.respondent_phone = None
    case.respondent_person_id = None
    case.respondent_code_hash = None


def _wipe_texts(case: Case) -> None:
    case.claims_text = ""
    case.facts = ""
    case.contact_time = ""
    case.outcome_terms = ""
    case.employment_start = None
    case.employment_end = None
    screening = dict(case.screening or {})
    facts = screening.get("facts") or {}
    screening["facts"] = {k: v for k, v in facts.items() if not _DATE.match(str(v))}
    case.screening = screening


async def _anonymize_batch(
    session: AsyncSession, case_ids: list[int], cutoff: datetime, now: datetime, staff: set[str]
) -> dict[int, tuple[str, list[str]]]:
    """Anonymize those of `case_ids` that still qualify, in one transaction: {case id: (its
    number, paths of its evidence rows)}.

    Their rows are locked first; on PostgreSQL a row another run holds is skipped (SKIP
    LOCKED): that run anonymizes it, or the next day's run does, so two instances never wait
    on each other nor anonymize a case twice."""
    stmt = (
        select(Case)
        .where(Case.id.in_(case_ids), _finished_before(cutoff))
        .order_by(Case.id)
        .with_for_update(skip_locked=True)
    )
    cases = list((await session.execute(stmt)).scalars())
    if not cases:  # done by another instance meanwhile, or no longer due
        return {}
    ids = [case.id for case in cases]
    for case in cases:
        _wipe_parties(case)
        _wipe_texts(case)
        case.anonymized_at = now
    await session.execute(update(CaseEvent).where(CaseEvent.case_id.in_(ids)).values(note=""))
    parties = CaseEvent.actor.not_in(staff | SYSTEM_ACTORS)
    await session.execute(
        update(CaseEvent).where(CaseEvent.case_id.in_(ids), parties).values(actor=PARTY_ACTOR)
    )
    await session.execute(update(FollowUp).where(FollowUp.case_id.in_(ids)).values(comment=""))
    paths: dict[int, list[str]] = {case_id: [] for case_id in ids}
    rows = await session.execute(
        select(Attachment.case_id, Attachment.path).where(Attachment.case_id.in_(ids))
    )
    for case_id, path in rows.all():
        paths[cast(int, case_id)].append(path)  # selected by case id: never None
    await session.execute(delete(Attachment).where(Attachment.case_id.in_(ids)))
    for case in cases:
        await add_event(session, case, actor="system", action="anonymized")  # shown in /case
    return {case.id: (case.number or "", paths[case.id]) for case in cases}


# --- applying ----------------------------------------------------------------------------
async def apply(db: Database, settings: Settings, planned: RetentionPlan) -> RetentionPlan:
    """Carry out a plan; returns what actually went (less, if another run was first)."""
    now = planned.now
    cut = Cutoffs.of(settings, now)
    went = RetentionPlan(now=now)
    async with db.session() as session:
        staff = set((await session.execute(select(Staff.member))).scalars())
    paths: list[str] = []
    for first in range(0, len(planned.case_ids), CASE_BATCH):
        batch = planned.case_ids[first : first + CASE_BATCH]
        async with db.session() as session:
            done = await _anonymize_batch(session, batch, cut.cases, now, staff)
        for case_id in batch:
            if case_id in done:
                went.case_ids.append(case_id)
                went.cases.append(done[case_id][0])
                went.evidence += len(done[case_id][1])
                paths.extend(done[case_id][1])
    went.drafts, draft_paths = await reset_stale_drafts(db, cut.drafts)
    paths.extend(draft_paths)
    went.files_removed = await remove_unused_files(db, paths)
    async with db.session() as session:
        went.inbound_updates = await _delete(
            session, InboundUpdate, InboundUpdate.received_at < cut.inbound_updates
        )
        went.outbox = await _delete(session, OutboxMessage, _outbox_old(cut.outbox))
        went.faq_misses = await _delete(session, FaqMiss, FaqMiss.at < cut.faq_misses)
    async with db.session() as session:  # after the cases: an anonymized case frees its people
        people = await unneeded_people(session, cut.people)
    for first in range(0, len(people), PEOPLE_BATCH):
        async with db.session() as session:  # re-checked: they may have written meanwhile
            batch = people[first : first + PEOPLE_BATCH]
            went.people += await remove_people(session, batch, silent_since=cut.people)
    went.files_removed += remove_old_copies(settings.storage.files_dir, now)
    return went


async def _delete(session: AsyncSession, model: Any, where: ColumnElement[bool]) -> int:
    result = await session.execute(delete(model).where(where))
    return cast(CursorResult[Any], result).rowcount or 0  # a DELETE's result has a rowcount


async def purge(db: Database, settings: Settings, now: datetime) -> RetentionPlan:
    """Plan and apply at once."""
    return await apply(db, settings, await plan(db, settings, now))


async def run_daily(db: Database, settings: Settings, now: datetime) -> RetentionPlan | None:
    """The day's purge, by the one instance that claims the day first; None for the others.

    The claim is committed before the work: a run that fails half-way is finished by the next
    day's run (every step is idempotent) rather than retried at once by every instance.
    """
    day = now.astimezone(settings.tz).date().isoformat()
    async with db.session() as session:
        if not await claim_job(session, "retention", day):
            return None
    return await purge(db, settings, now)
