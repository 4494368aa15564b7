"""The summary, changes before submitting, and filing the case."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from handlers.casework.answer_dates import MONTH_ONLY, UNIT_CONTACT, first_day, is_month
from handlers.casework.binding import code_hash
from handlers.casework.claims import CATEGORIES
from handlers.casework.deadlines import (
    STATUTORY_MEDIATION_DAYS,
    accept_by,
    arbitration_open_from,
    court_period_days,
    court_report_due,
    work_calendar,
)
from handlers.casework.sites import route_filing, site_name
from handlers.conversation import log_context
from handlers.conversation.context import Ctx
from handlers.conversation.flow import StepResult, finish, goto, stay
from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.conversation.masking import mask_id_number, mask_phone
from handlers.conversation.messages import Button, Reply, grid
from handlers.office import risk_warnings
from handlers.party.intake import FIELDS
from handlers.party.intake_evidence import evidence_count
from handlers.party.intake_form import applies, display_value, is_employer
from handlers.party.menu import confirm_discard
from storage.cases import add_event, next_case_number
from storage.models import Attachment, Case, utcnow

SUMMARY_LABELS: dict[str, tuple[str, str]] = {
    # key: (label when a worker files, label when an employer files)
    "applicant_name": (_("Your name"), _("Your unit")),
    "contact_name": (_("(not asked)"), _("Contact person")),
    "phone": (_("Mobile"), _("Contact mobile")),
    "id_number": (_("ID number"), _("Unified social credit code")),
    "applicant_address": (_("(not asked)"), _("Your unit's address")),
    "respondent_name": (_("Employer"), _("Worker")),
    "respondent_address": (_("Employer's address"), _("Worker's address")),
    "respondent_uscc": (_("Employer's credit code"), _("Employer's credit code")),
    "respondent_phone": (_("Employer's phone"), _("Worker's phone")),
    "claims": (_("Dispute about"), _("Dispute about")),
    "claims_text": (_("Your request"), _("Your request")),
    "amount": (_("Amount claimed"), _("Amount in dispute")),
    "employment_start": (_("Started"), _("Started")),
    "employment_end": (_("Ended"), _("Ended")),
    "facts": (_("What happened"), _("What happened")),
    "workers_count": (_("Workers involved"), _("Workers involved")),
    "contact_time": (_("Best time to call"), _("Best time to call")),
}


def _unit_contact(a: dict[str, Any]) -> dict[str, Any]:
    """An employer's contact person and address: kept with the screening answers on the case
    (no column of their own; documents and staff views read them from there)."""
    if not a.get("contact_name") and not a.get("applicant_address"):
        return {}
    return {UNIT_CONTACT: {"name": a.get("contact_name"), "address": a.get("applicant_address")}}


def _label(ctx: Ctx, key: str) -> str:
    worker, employer = SUMMARY_LABELS[key]
    return ctx.t(employer if is_employer(ctx) else worker)


def summary_lines(ctx: Ctx) -> list[str]:
    lines = []
    for key in SUMMARY_LABELS:
        if key in ("claims", "contact_time") or applies(ctx, key):
            lines.append(ctx.t.label(_label(ctx, key), display_value(ctx, key)))
    return lines


async def ask_confirm(ctx: Ctx) -> list[Reply]:
    lines = [ctx.t("Please check your application:"), *summary_lines(ctx)]
    count = await evidence_count(ctx)
    lines.append(ctx.t.n("Evidence: {count} file", "Evidence: {count} files", count))
    buttons = grid(
        [
            Button(ctx.t("Submit"), "s:confirm:submit"),
            Button(ctx.t("Change something"), "s:confirm:change"),
            Button(ctx.t("Cancel"), "s:confirm:cancel"),
        ],
        per_row=1,
    )
    return [Reply("\n".join(lines), buttons=buttons)]


async def handle_confirm(ctx: Ctx) -> StepResult:
    choice = ctx.choice or ""
    if choice == "submit":
        return finish(*await submit(ctx))
    if choice == "change":
        items = [
            Button(_label(ctx, key), f"s:confirm:edit:{key}")
            for key in SUMMARY_LABELS
            if applies(ctx, key)
        ]
        items.append(Button(ctx.t("Evidence"), "s:confirm:edit:evidence"))
        return stay(Reply(ctx.t("What would you like to change?"), buttons=grid(items, 2)))
    if choice.startswith("edit:"):
        key = choice[5:]
        if key in FIELDS or key in ("claims", "contact_time", "evidence"):
            ctx.set_answer("editing", True)
            return goto(key)
    if choice == "cancel":  # deleting is confirmed first (menu.on_resume deletes)
        return stay(*confirm_discard(ctx))
    return stay(Reply(ctx.t("Please choose one of the buttons.")), reask=True)


async def submit(ctx: Ctx) -> list[Reply]:
    """Create the case, its first event, the staff notice; return the receipt."""
    a = ctx.answers
    settings = ctx.settings
    now = ctx.now()
    result = a.get("result", {})
    facts = result.get("facts", {})
    employer = is_employer(ctx)
    year = now.astimezone(settings.tz).year
    number = await next_case_number(ctx.session, settings.center.case_prefix, year)
    log_context.bind_case(number)
    code = f"{secrets.randbelow(10**6):06d}"
    workers = int(a.get("workers_count") or 1)
    case = Case(
        number=number,
        state="submitted",
        applicant_role="employer" if employer else "worker",
        applicant_person_id=ctx.person.id,
        applicant_name=a["applicant_name"],
        applicant_phone=a["phone"],
        applicant_phone_last4=a["phone"][-4:],
        applicant_id_number=None if employer else a.get("id_number"),
        applicant_uscc=a.get("id_number") if employer else None,
        respondent_name=a["respondent_name"],
        respondent_address=a.get("respondent_address") or "",
        respondent_uscc=a.get("respondent_uscc"),
        respondent_phone=a.get("respondent_phone"),
        respondent_code_hash=code_hash(number, code),
        categories=list(a.get("claims") or []),
        claims_text=a.get("claims_text") or "",
        amount_claimed=Decimal(a["amount"]) if a.get("amount") else None,
        employment_start=first_day(a["employment_start"]) if a.get("employment_start") else None,
        employment_end=first_day(a["employment_end"]) if a.get("employment_end") else None,
        facts=a.get("facts") or "",
        workers_count=workers,
        collective=workers >= 10 or "collective" in result.get("flags", []),
        work_place=str(facts.get("work_street") or facts.get("work_location") or ""),
        contact_time=str(a.get("contact_time") or ""),
        screening=result
        | {MONTH_ONLY: [k for k in ("employment_start", "employment_end") if is_month(a.get(k))]}
        | _unit_contact(a),
        source_channel=ctx.inbound.channel,
        entry_source=a.get("_entry"),
        consent_at=_parse_ts(a.get("consent")),
        submitted_at=now,
        received_at=now,  # the statutory receipt: 调解仲裁法 第十四条 counts from it
        accept_by=accept_by(settings, work_calendar(settings), now),
    )
    desk_code = None
    if a.get("desk"):  # registered by staff for a party who is not (yet) on the bot
        desk_code = f"{secrets.randbelow(10**6):06d}"
        case.applicant_person_id = None
        case.applicant_code_hash = code_hash(number, desk_code)
        case.source_channel = "desk"
        case.intake_source = a.get("desk_source", "walk_in")
        case.registered_by = ctx.actor
        case.court_delegated = case.intake_source == "court"
        case.court_name, case.court_ref = a.get("court_name"), a.get("court_ref")
        if case.court_delegated:
            case.court_delegation = a.get("court_delegation") or "pre_filing"
            case.court_period_days = a.get("court_period_days") or court_period_days(settings, case)
    if case.collective:  # group disputes: the HR and social security bureau leads
        case.lead_department = "hrss"
    case.site = a.get("desk_site") or route_filing(
        settings,
        entry=case.entry_source,
        facts=facts,
        employer_name=case.applicant_name if employer else case.respondent_name,
    )
    ctx.session.add(case)
    await ctx.session.flush()
    await add_event(
        ctx.session,
        case,
        actor=ctx.actor,
        action="submitted",
        to_state="submitted",
        note=result.get("outcome", ""),
    )
    await ctx.session.execute(
        update(Attachment)
        .where(Attachment.conversation_id == ctx.conv.id, Attachment.case_id.is_(None))
        .values(case_id=case.id)
    )
    staff_t = ctx.core.translator()
    oid = result.get("outcome")
    outcome = ctx.core.rules.outcome(oid, district=settings.center.district) if oid else None
    screening = staff_t.pick(outcome.title) if outcome else "—"
    warned = [  # the time-limit warnings the party saw, so staff see them too
        "⚠️ " + staff_t.pick(ctx.core.rules.warning(w, role=case.applicant_role).text)
        for w in result.get("warnings", [])
        if w in LIMITATION_WARNINGS
    ]
    if settings.sites:  # a district network: every group sees which site has the case
        warned.append(staff_t(_("Site: {site}"), site=site_name(settings, staff_t, case.site)))
    notice = staff_notice(staff_t, case, code, screening, warned)
    await ctx.push_to_staff(f"case:{number}:new", [notice], site=case.site)
    await risk_warnings.after_filing(ctx.core, ctx.session, case, now)  # the risk ledger (风险预警)
    if desk_code is not None:
        return [desk_receipt(ctx, case, desk_code)]
    return [receipt(ctx, case)]


def desk_receipt(ctx: Ctx, case: Case, code: str) -> Reply:
    t = ctx.t
    text = t(
        "Registered case {number} for {name}. Give the party the case number and this "
        "one-time code: {code} (on paper or by SMS). With /bind on WeChat or Telegram they "
        "can then follow the case and receive its updates.",
        number=case.number,
        name=case.applicant_name,
        code=code,
    )
    if case.court_delegated:
        kind = (
            t("in-suit delegation (委托)")
            if case.court_delegation == "in_suit"
            else t("pre-filing delegation (委派)")
        )
        text += "\n" + t(
            "Court {kind}: the result must be reported back within {days} days of the "
            "center receiving the court's materials, by {date} (the court's letter); "
            "/report {number} gives the summary.",
            kind=kind,
            days=court_period_days(ctx.settings, case),
            date=t.date(court_report_due(ctx.settings, case)),
            number=case.number,
        )
    return Reply(text)


def _parse_ts(value: str | None) -> datetime:
    return datetime.fromisoformat(value) if value else utcnow()


def receipt(ctx: Ctx, case: Case) -> Reply:
    t = ctx.t
    lines = [
        t("Your application has been filed. Case number: {number}", number=case.number),
        t("Keep this number; use /status to follow your case."),
        t(
            "What happens next: staff of the center review your application by {date} and "
            "tell you whether the center takes it. Mediation is voluntary for both sides and "
            "free of charge.",
            date=t.date(case.accept_by),
        ),
        t(
            "If no agreement is reached within {days} days after the center received your "
            "application (received {received}), either side may apply for labour dispute "
            "arbitration from {date} (Labour Dispute Mediation and Arbitration Law, art. 14).",
            days=STATUTORY_MEDIATION_DAYS,
            received=t.date(case.received_at),
            date=t.date(arbitration_open_from(ctx.settings, case)),
        ),
        t(
            "Applying for mediation interrupts the one-year time limit for arbitration "
            "(art. 27 of the same law)."
        ),
    ]
    if case.collective:
        lines.append(
            t(
                "Because ten or more workers with a common claim are involved, they may elect "
                "representatives to take part in mediation for all of them (art. 7). "
                "Staff treat collective cases as a priority."
            )
        )
    return Reply(
        "\n\n".join(lines),
        buttons=((Button(t("My cases"), "m:status"), Button(t("Main menu"), "m:home")),),
    )


LIMITATION_WARNINGS = ("limitation", "limitation_arrears_after_end", "date_unknown")


def staff_notice(
    t: Translator, case: Case, code: str, screening: str, warnings: Sequence[str] = ()
) -> Reply:
    """The work-group notice: phone and ID number masked, since the whole group sees it."""
    result = case.screening or {}
    lines = [
        ("🔴 " if case.collective else "") + t("New filing {number}", number=case.number),
        t(
            "Applicant ({role}): {name}, {phone}",
            role=t("employer") if case.applicant_role == "employer" else t("worker"),
            name=case.applicant_name,
            phone=mask_phone(case.applicant_phone),
        ),
    ]
    if case.applicant_id_number:
        lines.append(t("ID number: {id}", id=mask_id_number(case.applicant_id_number)))
    lines += [
        t("Respondent: {name}", name=case.respondent_name),
        t(
            "About: {claims}",
            claims="、".join(t(CATEGORIES[c]) for c in case.categories if c in CATEGORIES),
        ),
        t("Amount claimed: {amount}", amount=t.money(case.amount_claimed)),
        t("Workers: {count}", count=t.number(case.workers_count)),
        t("Screening: {outcome}", outcome=screening),
    ]
    if case.collective:
        lines.append(
            t("Collective dispute: priority; report to the HR and social security bureau.")
        )
    if result.get("kind") == "staff_review":
        lines.append(t("Needs staff review of whether the center can take it."))
    lines += warnings
    lines.append(t("Accept or refer by: {date}", date=t.date(case.accept_by)))
    lines.append(t("Respondent binding code: {code} (give it only to the respondent)", code=code))
    buttons = grid(
        [
            Button(t("View"), f"st:view:{case.id}"),
            Button(t("Accept"), f"st:accept:{case.id}"),
            Button(t("Refer"), f"st:refer:{case.id}"),
            Button(t("Assign"), f"st:assign:{case.id}"),
        ],
        per_row=4,
    )
    return Reply("\n".join(lines), buttons=buttons)
