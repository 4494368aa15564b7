"""/extend: the center's own working period, extended with both parties' consent.

The extension moves only the center's period (`Case.due_at`). The 15 days after which either
side may apply for arbitration run from the day the center received the application
(调解仲裁法 第十四条) and are never suspended; the message to the parties says so.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.casework.deadlines import statutory_applies
from handlers.casework.lifecycle import ENDED
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Reply
from handlers.staff.cases import case_or_reply, mine_only
from handlers.staff.pushes import notify_parties, told_reply
from handlers.staff.registry import command, usage
from storage.cases import add_event
from storage.models import Staff


@command(
    "extend",
    "/extend ID DAYS reason",
    "extend the mediation period (both parties must have agreed)",
)
async def extend(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split(maxsplit=2)
    if len(parts) < 3 or not parts[1].isdecimal() or not 0 < int(parts[1]) <= 60:
        return [
            usage(ctx, "extend"),
            Reply(ctx.t("DAYS is a number from 1 to 60, and a reason is required.")),
        ]
    case = await case_or_reply(ctx, parts[0], "extend")
    if isinstance(case, Reply):
        return [case]
    if mine := mine_only(ctx, staff, case):
        return [mine]
    if case.state in ENDED or case.due_at is None:
        return [Reply(ctx.t("Case {number} has no running mediation period.", number=case.number))]
    days = int(parts[1])
    case.extended_days += days
    case.due_at = case.due_at + timedelta(days=days)  # the center's own period only
    if not statutory_applies(case):  # an in-suit delegation: the court's period, told again
        case.overdue_notified_at = None
    await add_event(
        ctx.session,
        case,
        actor=ctx.actor,
        action="extended",
        note=f"+{days} days, both parties consented: {parts[2]}",
    )

    def text(t: Translator) -> str:
        return (
            t(
                "With the agreement of both sides, the mediation period of case {number} "
                "has been extended by {days} days, to {due}.",
                number=case.number,
                days=days,
                due=t.date(case.due_at),
            )
            + "\n"
            + t(
                "The extension does not suspend your right to apply for arbitration: if there is "
                "no agreement within 15 days of the center receiving the application, either side "
                "may apply at any time (Labour Dispute Mediation and Arbitration Law, art. 14)."
            )
        )

    reach = await notify_parties(ctx, case, f"extended:{case.extended_days}", text)
    return [
        Reply(
            ctx.t(
                "Case {number} extended to {due}; recorded that both parties consented.",
                number=case.number,
                due=ctx.t.date(case.due_at),
            )
            + "\n"
            + await told_reply(ctx, staff, case, reach)
        )
    ]
