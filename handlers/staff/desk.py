"""One window: staff register cases that reached the center without the bot.

`/register` runs the same dispute flow on behalf of a party (so the screening still applies
and an out-of-scope walk-in is referred with the same reasons), recording how the case came
in: walk-in, phone, letter, court delegation (court and reference number) or referral. The
party gets a one-time code to follow the case on WeChat or Telegram with /bind.
"""

from __future__ import annotations

import re
from datetime import datetime, time

from sqlalchemy import select

from handlers.casework.deadlines import PRE_FILING_DELEGATION_DAYS, court_report_due
from handlers.casework.lifecycle import STATE_LABELS
from handlers.casework.references import DEPARTMENTS, find_case
from handlers.casework.sites import scope_conditions
from handlers.conversation.context import Ctx
from handlers.conversation.flow import Step, StepResult, goto, stay
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Button, Reply, grid
from handlers.conversation.registry import FEATURES
from handlers.staff.docs import doc, not_delegated
from handlers.staff.registry import DESK, command, usage
from storage.models import Case, Staff

SOURCES: dict[str, str] = {
    "walk_in": _("walk-in visit"),
    "phone": _("phone call"),
    "letter": _("letter"),
    "court": _("delegated by a court"),
    "referral": _("referred by another body"),
    "bot": _("the bot"),
}


@command(
    "register",
    "/register",
    "register a case for a party (walk-in, phone, letter, "
    "court delegation, referral), in a private chat",
    DESK,
)
async def register(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    if ctx.inbound.chat_kind != "private":
        return [
            Reply(
                ctx.t(
                    "Please register cases in a private chat with me: the party's "
                    "personal data must not appear in the group."
                )
            )
        ]
    return await ctx.core.flows.begin(
        ctx,
        "dispute",
        {"mode": "file", "desk": ctx.actor, "desk_site": staff.site},
        step="desk_source",
    )


async def ask_source(ctx: Ctx) -> list[Reply]:
    items = [
        Button(ctx.t(label), f"s:desk_source:{code}")
        for code, label in SOURCES.items()
        if code != "bot"
    ]
    return [
        Reply(
            ctx.t("Registering a case for a party. How did it reach the center?"),
            buttons=grid(items, per_row=2),
        )
    ]


async def handle_source(ctx: Ctx) -> StepResult:
    if ctx.choice not in SOURCES or ctx.choice == "bot":
        return stay(Reply(ctx.t("Please choose one of the buttons.")), reask=True)
    ctx.set_answer("desk_source", ctx.choice)
    return goto("desk_court" if ctx.choice == "court" else "screen")


async def ask_court(ctx: Ctx) -> list[Reply]:
    return [
        Reply(
            ctx.t(
                "The court's name and its reference number, separated by a space, "
                "for example: 示例区人民法院 （2026）示0101民诉前调123号"
            )
        )
    ]


async def handle_court(ctx: Ctx) -> StepResult:
    name, _sep, ref = ctx.text.strip().partition(" ")
    if not name or not ref.strip():
        return stay(
            Reply(ctx.t("Please send both: the court's name, a space, then its reference number."))
        )
    ctx.set_answer("court_name", name[:200])
    ctx.set_answer("court_ref", ref.strip()[:100])
    return goto("desk_court_period")


# 特邀调解规定 第十一条、第二十七条: before filing a court delegates (委派; 30 days unless the
# parties agree to more); after filing it entrusts (委托; the period in its letter, by default 15
# days, 7 in summary procedure).
_KIND_WORDS = {
    "委派": "pre_filing",
    "诉前": "pre_filing",
    "pre": "pre_filing",
    "委托": "in_suit",
    "诉中": "in_suit",
    "in": "in_suit",
}
_PERIOD = re.compile(r"^\s*(委派|诉前|pre|委托|诉中|in)\D*?(\d{1,3})?\s*天?\s*$", re.IGNORECASE)


async def ask_court_period(ctx: Ctx) -> list[Reply]:
    return [
        Reply(
            ctx.t(
                "What does the court's letter say? A pre-filing delegation (委派) runs 30 days "
                "unless the letter says otherwise; for an in-suit delegation (委托) type the days "
                "in the letter, for example: 委托 15. You can also type: 委派 20."
            ),
            buttons=grid([Button(ctx.t("Pre-filing (委派), 30 days"), "s:desk_court_period:pre")]),
        )
    ]


async def handle_court_period(ctx: Ctx) -> StepResult:
    if ctx.choice == "pre":
        kind, days = "pre_filing", PRE_FILING_DELEGATION_DAYS
    else:
        match = _PERIOD.match(ctx.text or "")
        if match is None:
            return stay(
                Reply(ctx.t("Please write 委派 or 委托 and the number of days, e.g. 委托 15.")),
                reask=True,
            )
        kind = _KIND_WORDS[match.group(1).lower()]
        if match.group(2) is None and kind == "in_suit":
            return stay(
                Reply(ctx.t("For 委托, please add the days from the letter, e.g. 委托 15."))
            )
        days = int(match.group(2) or PRE_FILING_DELEGATION_DAYS)
        if not 1 <= days <= 180:
            return stay(Reply(ctx.t("The period must be between 1 and 180 days.")))
    ctx.set_answer("court_delegation", kind)
    ctx.set_answer("court_period_days", days)
    return goto("screen")


def is_desk(ctx: Ctx) -> bool:
    return bool(ctx.answers.get("desk"))


# --- the desk's own views --------------------------------------------------------------------
@command("today", "/today", "what was registered and received today, on every channel")
async def today(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    tz = ctx.settings.tz
    start = datetime.combine(ctx.today(), time.min, tzinfo=tz)
    stmt = select(Case).where(
        Case.submitted_at >= start, Case.number.is_not(None), *scope_conditions(ctx)
    )
    cases = (await ctx.session.execute(stmt.order_by(Case.id))).scalars().all()
    if not cases:
        return [Reply(ctx.t("Nothing received today yet."))]
    t = ctx.t
    lines = [t("Received today: {count}", count=len(cases))]
    for c in cases:
        source = t(SOURCES.get(c.intake_source, c.intake_source))
        channel = c.source_channel if c.intake_source == "bot" else c.registered_by or ""
        lines.append(
            f"{c.number} · {t.datetime(c.submitted_at)} · {source} {channel} · "
            f"{c.applicant_name} → {c.respondent_name} · "
            f"{t(STATE_LABELS.get(c.state, c.state))}"
        )
    return [Reply("\n".join(lines))]


@command("report", "/report ID", "the result summary a delegating court needs")
async def report(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    case = await find_case(ctx, arg.split()[0]) if arg.strip() else None
    if case is None:
        return [usage(ctx, "report")]
    if not case.court_delegated:
        return [not_delegated(ctx, case.number or "")]
    t = ctx.t
    lines = [t("Report on case {number}", number=case.number)]
    if case.court_delegated:
        lines.append(
            t(
                "Delegated by: {court}, reference {ref}",
                court=case.court_name or "—",
                ref=case.court_ref or "—",
            )
        )
    lines += [
        t(
            "Parties: {applicant} (applicant) and {respondent} (respondent)",
            applicant=case.applicant_name,
            respondent=case.respondent_name,
        ),
        t(
            "Received: {date}; accepted: {accepted}",
            date=t.date(case.submitted_at),
            accepted=t.date(case.accepted_at),
        ),
        t("Outcome: {state}", state=t(STATE_LABELS.get(case.state, case.state))),
    ]
    if case.outcome_at:
        lines.append(t("Outcome recorded: {date}", date=t.date(case.outcome_at)))
    if case.outcome_amount is not None:
        lines.append(t("Agreed amount: {amount}", amount=t.money(case.outcome_amount)))
    if case.outcome_due:
        lines.append(t("To be carried out by: {date}", date=t.date(case.outcome_due)))
    if case.outcome_terms:
        lines.append(t("Terms: {terms}", terms=case.outcome_terms))
    if case.court_delegated:
        lines.append(
            t(
                "Court's period: {days} days from receipt of its materials ({kind}); "
                "report back by {date}",
                days=case.court_period_days or ctx.settings.center.court_mediation_days,
                kind=t("in-suit delegation (委托)")
                if case.court_delegation == "in_suit"
                else t("pre-filing delegation (委派)"),
                date=t.date(case.due_at or court_report_due(ctx.settings, case)),
            )
        )
    departments = [case.lead_department, *case.departments]
    if any(departments):
        names = "、".join(t(DEPARTMENTS.get(d, d)) for d in dict.fromkeys(departments) if d)
        lines.append(t("Departments: {names}", names=names))
    replies = [Reply("\n".join(lines))]
    if ctx.inbound.chat_kind == "private":  # the signed report to send to the court
        replies += await doc(ctx, staff, f"{case.number} report")
    return replies


FEATURES.add_steps(
    "dispute",
    {
        "desk_source": Step(ask_source, handle_source),
        "desk_court": Step(ask_court, handle_court),
        "desk_court_period": Step(ask_court_period, handle_court_period),
    },
)
