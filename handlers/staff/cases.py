"""Staff commands that move a case through its life, each one telling the parties."""

from __future__ import annotations

from handlers.casework.deadlines import arbitration_open_from, center_due, statutory_applies
from handlers.casework.lifecycle import STATE_LABELS, IllegalTransition, transition
from handlers.casework.references import DEPARTMENTS, department_code, find_case
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Button, Reply, grid
from handlers.staff import reminders, suggest
from handlers.staff.joint import department_guard, notify_department
from handlers.staff.meeting import session_notice, session_place
from handlers.staff.phrases import case_state_phrase, first_step
from handlers.staff.pushes import notify_parties, told_reply
from handlers.staff.refs import ROUTES, find_staff, when_and_rest
from handlers.staff.registry import DESK, command, usage
from storage.cases import add_event
from storage.models import Case, Staff


async def case_or_reply(ctx: Ctx, ref: str, name: str) -> Case | Reply:
    if not ref:
        return usage(ctx, name)
    case = await find_case(ctx, ref)
    if case is None:
        return Reply(
            ctx.t("No case {ref}. Check the number, e.g. LJ-2026-000123 or 123.", ref=ref[:40])
        )
    return case


async def change_state(ctx: Ctx, case: Case, to: str, staff: Staff, note: str = "") -> Reply | None:
    """Apply the transition, or explain why it is not allowed."""
    if refused := department_guard(ctx, staff, case):
        return refused
    try:
        await transition(ctx.session, case, to, actor=ctx.actor, note=note)
    except IllegalTransition:
        return refusal(ctx, case, to)
    return None


def refusal(ctx: Ctx, case: Case, target: str) -> Reply:
    """Why the case cannot become `target` now, and what must happen first."""
    text = ctx.t(
        "Case {number} is {state}; it cannot become {target}.",
        number=case.number,
        state=case_state_phrase(ctx.t, case),
        target=ctx.t(STATE_LABELS[target]),
    )
    if first := first_step(ctx.t, case, target):
        text += "\n" + first
    return Reply(text)


def mine_only(ctx: Ctx, staff: Staff, case: Case) -> Reply | None:
    if refused := department_guard(ctx, staff, case):
        return refused
    if staff.role == "mediator" and case.mediator_id != staff.id:
        return Reply(ctx.t("Case {number} is not assigned to you.", number=case.number))
    return None


@command("accept", "/accept ID", "accept a new case; the mediation period starts", DESK)
async def accept(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    case = await case_or_reply(ctx, arg.split(" ")[0], "accept")
    if isinstance(case, Reply):
        return [case]
    if refused := await change_state(ctx, case, "accepted", staff):
        return [refused]
    case.accepted_at = ctx.now()
    case.due_at = center_due(ctx.settings, case, case.accepted_at)
    may_apply = arbitration_open_from(ctx.settings, case) if statutory_applies(case) else None

    def text(t: Translator) -> str:
        msg = t(
            "The center has accepted case {number}. A mediator will contact you. The center "
            "aims to finish mediation by {due}.",
            number=case.number,
            due=t.date(case.due_at),
        )
        if may_apply is not None:
            msg += "\n" + t(
                "If there is no agreement within 15 days of the center receiving the "
                "application, either side may apply for labour dispute arbitration from {date} "
                "(art. 14), even while mediation goes on.",
                date=t.date(may_apply),
            )
        return msg

    reach = await notify_parties(ctx, case, "accepted", text)
    return [
        Reply(
            ctx.t(
                "Case {number} accepted; mediation period ends {due}.",
                number=case.number,
                due=ctx.t.date(case.due_at),
            )
            + "\n"
            + await told_reply(ctx, staff, case, reach),
            buttons=grid([Button(ctx.t("Assign"), f"st:assign:{case.id}")]),
        )
    ]


@command(
    "refer",
    "/refer ID ROUTE [reason]",
    "not for the center: tell the parties where to go instead",
    DESK,
)
async def refer(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split(maxsplit=2)
    if len(parts) < 2 or parts[1] not in ROUTES:
        routes = ctx.t.join(ROUTES)
        return [usage(ctx, "refer"), Reply(ctx.t("Routes: {routes}", routes=routes))]
    case = await case_or_reply(ctx, parts[0], "refer")
    if isinstance(case, Reply):
        return [case]
    route, reason = parts[1], (parts[2] if len(parts) > 2 else "")
    note = f"{route} {reason}".strip()
    if refused := await change_state(ctx, case, "referred", staff, note=note):
        return [refused]
    case.referred_route = route

    def text(t: Translator) -> str:
        msg = t(
            "The center cannot mediate case {number}. Please turn to {route}.",
            number=case.number,
            route=t(ROUTES[route]),
        )
        if reason:
            msg += "\n" + t("Reason: {reason}", reason=reason)
        return (
            msg
            + "\n"
            + t(
                "Free legal help: call 12348 or apply to the local legal aid office. Migrant "
                "workers claiming pay or work-injury compensation are exempt from the "
                "financial-hardship check (Legal Aid Law, art. 42)."
            )
        )

    reach = await notify_parties(ctx, case, "referred", text)
    return [
        Reply(
            ctx.t(
                "Case {number} referred to {route}.",
                number=case.number,
                route=ctx.t(ROUTES[route]),
            )
            + "\n"
            + await told_reply(ctx, staff, case, reach)
        )
    ]


@command(
    "assign",
    "/assign ID [MEDIATOR|DEPARTMENT]",
    "give an accepted case to a mediator or a partner department (without a name: suggestions)",
    DESK,
)
async def assign(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split(maxsplit=1)
    if not parts:
        return [
            usage(ctx, "assign"),
            Reply(ctx.t("Departments: {names}", names=ctx.t.join(DEPARTMENTS))),
        ]
    case = await case_or_reply(ctx, parts[0], "assign")
    if isinstance(case, Reply):
        return [case]
    if len(parts) < 2:  # no name: the suggested mediators, as buttons
        if case.state not in ("accepted", "assigned"):
            return [refusal(ctx, case, "assigned")]
        return await suggest.suggestion(ctx, case)
    dept = department_code(parts[1])
    mediator = None if dept else await find_staff(ctx, parts[1], role="mediator")
    if dept is None and mediator is None:
        return [
            Reply(
                ctx.t(
                    "No mediator or department called {name}. See /mediators.", name=parts[1][:40]
                )
            )
        ]
    if mediator and (employer := await suggest.conflict(ctx, mediator.id, case)):
        return [
            Reply(
                ctx.t(
                    "{name} is linked to {employer} and cannot mediate case {number}.",
                    name=mediator.name,
                    employer=employer,
                    number=case.number,
                )
            )
        ]
    target = mediator.name if mediator else ctx.t(DEPARTMENTS[dept or ""])
    if refused := await change_state(ctx, case, "assigned", staff, note=target):
        return [refused]
    case.mediator_id = mediator.id if mediator else None
    case.department = dept
    if dept:
        await notify_department(ctx, case, dept, "assigned")

    def text(t: Translator) -> str:
        who = mediator.name if mediator else t(DEPARTMENTS[dept or ""])
        return t(
            "Case {number} has been assigned to {who}, who will contact you to arrange mediation.",
            number=case.number,
            who=who,
        )

    reach = await notify_parties(ctx, case, f"assigned:{case.id}:{target}", text)
    if mediator:
        await ctx.core.push_to_member(
            ctx.session,
            mediator.member,
            f"case:{case.number}:assigned-to:{mediator.id}",
            [
                Reply(
                    ctx.t(
                        "You have been assigned case {number}. /case {number}", number=case.number
                    )
                )
            ],
        )
    told = await told_reply(ctx, staff, case, reach)
    return [
        Reply(
            ctx.t("Case {number} assigned to {who}.", number=case.number, who=target) + "\n" + told
        )
    ]


@command(
    "schedule",
    "/schedule ID YYYY-MM-DD HH:MM PLACE|video [LINK]",
    "arrange a mediation session and tell both sides",
)
async def schedule(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split(maxsplit=2)
    if len(parts) < 3:
        return [usage(ctx, "schedule")]
    case = await case_or_reply(ctx, parts[0], "schedule")
    if isinstance(case, Reply):
        return [case]
    if mine := mine_only(ctx, staff, case):
        return [mine]
    read = when_and_rest(ctx, parts[1], parts[2])
    if isinstance(read, Reply):
        return [read]
    when, where_typed = read
    if not where_typed:
        return [usage(ctx, "schedule")]
    if when < ctx.now():
        return [Reply(ctx.t("That time is in the past."))]
    place = session_place(ctx.settings, case.number or "", where_typed).stored
    if case.state == "in_mediation":
        await add_event(
            ctx.session,
            case,
            actor=ctx.actor,
            action="rescheduled",
            note=f"{when.isoformat()} {place}",
        )
    elif refused := await change_state(
        ctx, case, "in_mediation", staff, note=f"{when.isoformat()} {place}"
    ):
        return [refused]
    case.session_at, case.session_place = when, place
    await reminders.plan(ctx.session, ctx.settings, case, ctx.now())
    where = session_place(ctx.settings, case.number or "", place)  # as stored: same link

    def text(t: Translator) -> str:
        return session_notice(t, case.number or "", when, where)

    key = f"session:{when.isoformat()}:{where.key}"
    reach = await notify_parties(ctx, case, key, text)
    if case.mediator_id != staff.id:  # set by someone else: the mediator hears of it too
        await reminders.tell_mediator(ctx.core, ctx.session, case, key, text)
    return [
        Reply(
            ctx.t(
                "Session for case {number} set for {when}.",
                number=case.number,
                when=ctx.t.datetime(when),
            )
            + "\n"
            + await told_reply(ctx, staff, case, reach)
        )
    ]


@command("note", "/note ID text", "add a note to the case history")
async def note(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split(maxsplit=1)
    if len(parts) < 2:
        return [usage(ctx, "note")]
    case = await case_or_reply(ctx, parts[0], "note")
    if isinstance(case, Reply):
        return [case]
    if refused := department_guard(ctx, staff, case):
        return [refused]
    await add_event(ctx.session, case, actor=ctx.actor, action="note", note=parts[1][:2000])
    return [Reply(ctx.t("Note added to case {number}.", number=case.number))]
