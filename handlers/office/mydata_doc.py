"""The copy /mydata sends: everything the center holds about one person, as a text file.

个人信息保护法第四十五条: a person may consult and copy their personal information, and the
handler provides it promptly. The copy lists the person's chat accounts, the cases they filed
(all their answers) or are bound to (their own side of it), their messages to staff, their
evidence files, their follow-up answers, the agreed terms they read (when, and the SHA-256 of
the text they read) and their earlier requests. The other side's phone
and ID number are never in it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from handlers.casework.answer_dates import month_only
from handlers.casework.claims import CATEGORIES, CONTACT_TIMES
from handlers.casework.lifecycle import STATE_LABELS
from handlers.casework.terms import terms_hash
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from storage import subscriptions
from storage.data_requests import DataRequest, copies_dir, person_cases
from storage.models import (
    Attachment,
    Case,
    CaseEvent,
    FollowUp,
    Identity,
    Subscription,
    TermsReading,
)

KINDS = {"copy": _("copy"), "correction": _("correction"), "deletion": _("deletion")}
STATUSES = {"open": _("open"), "done": _("done"), "refused": _("refused")}


def _day(t: Translator, case: Case, field: str) -> str:
    """An employment date as the party gave it: a month stays a month."""
    value = getattr(case, field)
    return t.month(value) if field in month_only(case.screening) else t.date(value)


def _field(ctx: Ctx, label: str, value: object) -> str:
    return "  " + ctx.t.label(ctx.t(label), value if value not in (None, "") else "—")


def _applicant_side(ctx: Ctx, case: Case) -> list[str]:
    t = ctx.t
    return [
        _field(ctx, _("Your name"), case.applicant_name),
        _field(ctx, _("Your mobile"), case.applicant_phone),
        _field(ctx, _("Your ID number"), case.applicant_id_number),
        _field(ctx, _("Your credit code"), case.applicant_uscc),
        _field(ctx, _("The other side"), case.respondent_name),
        _field(ctx, _("Their address"), case.respondent_address),
        _field(ctx, _("Their credit code"), case.respondent_uscc),
        _field(ctx, _("Their phone"), case.respondent_phone),
        _field(
            ctx,
            _("About"),
            "、".join(t(CATEGORIES[c]) for c in case.categories if c in CATEGORIES),
        ),
        _field(ctx, _("Your request"), case.claims_text),
        _field(ctx, _("Amount claimed"), t.money(case.amount_claimed)),
        _field(ctx, _("Employment started"), _day(t, case, "employment_start")),
        _field(ctx, _("Employment ended"), _day(t, case, "employment_end")),
        _field(ctx, _("What happened"), case.facts),
        _field(ctx, _("Workers"), case.workers_count),
        _field(ctx, _("Best time to call"), _contact_time(ctx, case.contact_time)),
        _field(ctx, _("Consent given"), t.datetime(case.consent_at)),
    ]


def _contact_time(ctx: Ctx, value: str) -> str:
    return ctx.t(CONTACT_TIMES[value]) if value in CONTACT_TIMES else value


def _respondent_side(ctx: Ctx, case: Case) -> list[str]:
    return [
        _field(ctx, _("Your name"), case.respondent_name),
        _field(ctx, _("Your address"), case.respondent_address),
        _field(ctx, _("Your credit code"), case.respondent_uscc),
        _field(ctx, _("Your phone"), case.respondent_phone),
        _field(ctx, _("Your answer"), case.respondent_response),
    ]


async def _case_lines(ctx: Ctx, case: Case, actors: set[str]) -> list[str]:
    t = ctx.t
    filed = case.applicant_person_id == ctx.person.id
    role = t("you filed it") if filed else t("you are the other side")
    lines = [
        "",
        t("Case {number} ({role})", number=case.number or "—", role=role),
        _field(ctx, _("Status"), t(STATE_LABELS.get(case.state, case.state))),
        _field(ctx, _("Filed"), t.datetime(case.submitted_at)),
    ]
    lines += _applicant_side(ctx, case) if filed else _respondent_side(ctx, case)
    events = await ctx.session.execute(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.actor.in_(actors))
        .order_by(CaseEvent.id)
    )
    said = [e for e in events.scalars() if e.note]
    if said:
        lines.append("  " + t("Your messages to staff:"))
        lines += [f"    {t.datetime(e.at)} {e.note}" for e in said]
    return lines


def _subscription(t: Translator, sub: Subscription | None) -> list[str]:
    """Where and what the person asked to receive (issue 22); [] when they never did."""
    if sub is None or sub.subscribed_at is None:
        return []
    where = "、".join(x for x in (sub.street, sub.industry) if x)
    what = f"{sub.topics}, {sub.role}{', ' + where if where else ''}, {sub.channel}"
    if sub.active:
        return ["  " + t.label(t("subscribed {date}", date=t.datetime(sub.subscribed_at)), what)]
    stopped = t("stopped {date}", date=t.datetime(sub.unsubscribed_at))
    return ["  " + t.label(stopped, what)]


async def _readings(ctx: Ctx, cases: list[Case]) -> list[str]:
    """Each "I have read these terms": the case, when, as which side, the SHA-256 of the text
    read, and whether the terms have changed since (a reading of old terms no longer counts)."""
    t = ctx.t
    rows = await ctx.session.execute(
        select(TermsReading)
        .where(TermsReading.person_id == ctx.person.id)
        .order_by(TermsReading.id)
    )
    by_id = {c.id: c for c in cases}
    lines = []
    for r in rows.scalars():
        case = by_id.get(r.case_id)
        side = t("the applicant") if r.side == "applicant" else t("the respondent")
        line = "  " + t(
            "{number}, read {time} as {side}: SHA-256 {digest}",
            number=(case.number if case else None) or "—",
            time=t.datetime(r.read_at),
            side=side,
            digest=r.terms_hash,
        )
        if case is not None and terms_hash(case) != r.terms_hash:
            line += " — " + t("the terms have changed since")
        lines.append(line)
    return lines


def _section(title: str, items: Iterable[str]) -> list[str]:
    items = list(items)
    return ["", title, *(items or ["  —"])]


async def build_copy(ctx: Ctx) -> str:
    """The text of the copy (in the person's language)."""
    t, pid, session = ctx.t, ctx.person.id, ctx.session
    identities = list(
        (await session.execute(select(Identity).where(Identity.person_id == pid))).scalars()
    )
    actors = {f"{i.channel}:{i.external_id}" for i in identities}
    cases = await person_cases(session, pid)
    numbers = {c.id: c.number or "—" for c in cases}
    lines = [
        t(
            "{center}: the personal data we hold about you",
            center=ctx.settings.center.display_name(t.locale),
        ),
        t("Made on {date}. Reference: #P{ref}.", date=t.datetime(ctx.now()), ref=pid),
        t("Language: {locale}", locale=ctx.person.locale or "—"),
        t("First contact: {date}", date=t.datetime(ctx.person.created_at)),
    ]
    lines += _section(
        t("Your chat accounts:"),
        (
            "  "
            + t.label(i.channel, f"{i.external_id} {('@' + i.username) if i.username else ''}")
            + f" — {t('last message')} {t.datetime(i.last_seen_at)}"
            for i in identities
        ),
    )
    lines += ["", t("Cases:")] if cases else _section(t("Cases:"), [])
    for case in cases:
        lines += await _case_lines(ctx, case, actors)
    files = await session.execute(
        select(Attachment).where(Attachment.person_id == pid).order_by(Attachment.id)
    )
    lines += _section(
        t("Evidence you sent:"),
        (
            f"  {t.datetime(a.created_at)} {a.file_name or a.kind}, {a.size} B, "
            f"SHA-256 {a.sha256[:16]}…, {numbers.get(a.case_id or 0, t('unfinished application'))}"
            for a in files.scalars()
        ),
    )
    answers = await session.execute(
        select(FollowUp)
        .where(FollowUp.person_id == pid, FollowUp.answer.is_not(None))
        .order_by(FollowUp.id)
    )
    lines += _section(
        t("Your follow-up answers:"),
        (
            "  "
            + t.label(f"{numbers.get(f.case_id, '—')} {t.datetime(f.answered_at)}", f.answer)
            + (f" — {f.comment}" if f.comment else "")
            for f in answers.scalars()
        ),
    )
    lines += _section(
        t("Agreed terms you read (a record of reading, not a signature):"),
        await _readings(ctx, cases),
    )
    lines += _section(
        t("Your subscription to policy updates and typical cases:"),
        _subscription(t, await subscriptions.get(session, pid)),
    )
    requests = await session.execute(
        select(DataRequest).where(DataRequest.person_id == pid).order_by(DataRequest.id)
    )
    lines += _section(
        t("Your requests about your data:"),
        (
            "  "
            + t.label(
                f"R{r.id} {t.datetime(r.created_at)} {t(KINDS.get(r.kind, r.kind))}",
                t(STATUSES.get(r.status, r.status)),
            )
            + (f" — {r.outcome}" if r.outcome else "")
            for r in requests.scalars()
        ),
    )
    lines += [
        "",
        t(
            "Your rights (个人信息保护法 articles 44-47): /correct followed by what is wrong "
            "asks staff to correct it; /erase asks them to delete your data. Case files are "
            "kept until their retention period ends ({days} days after the case's last "
            "activity), then anonymized.",
            days=ctx.settings.retention.closed_case_days,
        ),
    ]
    return "\n".join(lines) + "\n"


def write_copy(ctx: Ctx, text: str) -> Path:
    """Save the copy under an unguessable name, readable by the bot's user only."""
    path = copies_dir(ctx.settings.storage.files_dir) / f"mydata-{secrets.token_hex(12)}.txt"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def kept_reason(t: Translator, cases: list[Case], days: int) -> str:
    """Why the case files of `cases` stay after a deletion request ("" when none do)."""
    kept = [c.number for c in cases if c.number and c.anonymized_at is None]
    if not kept:
        return ""
    return t(
        "Case files {numbers} are kept until their retention period ends ({days} days after "
        "the case's last activity) and are then anonymized: the center needs them for the "
        "case and what may follow it (arbitration, enforcement of an agreement), and the "
        "duty to delete applies once that purpose is achieved (个人信息保护法第四十七条). Until "
        "then they are used for nothing else.",
        numbers="、".join(kept),
        days=days,
    )
