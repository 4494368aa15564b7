"""/risk [EMPLOYER]: the employer risk ledger (风险台账) for staff.

In the work group the answer is masked like every group text (registry.run); every view is
written to the access log ("viewed the risk ledger").
"""

from __future__ import annotations

from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.office.risk import build_ledger, find_employer
from handlers.office.risk_text import MAX_LISTED, employer_lines, ledger_text
from handlers.staff.registry import command, log_access
from storage.models import Staff


@command(
    "risk",
    "/risk [EMPLOYER]",
    "the employer risk ledger: employers by level (red, orange, yellow) with their cases and "
    "the rules that fired; with a name or credit code, that employer",
)
async def risk(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    t = ctx.t
    query = arg.strip()[:200]
    if not query:
        ledger = await build_ledger(ctx.session, ctx.settings.tz, ctx.now())
        await log_access(ctx, "view_risk", detail="all")
        return [Reply(ledger_text(t, ledger, limit=MAX_LISTED))]
    everyone = await build_ledger(ctx.session, ctx.settings.tz, ctx.now(), graded_only=False)
    found = find_employer(everyone, query)
    await log_access(ctx, "view_risk", detail=query[:100])
    if not found:
        return [
            Reply(
                t(
                    "No employer matching “{query}” in the cases of the risk ledger (open "
                    "cases and those of the last year). Try part of the name or the unified "
                    "social credit code; /risk alone lists every employer at risk.",
                    query=query[:60],
                )
            )
        ]
    lines: list[str] = []
    for employer in found[:MAX_LISTED]:
        lines += employer_lines(t, employer)
    if len(found) > MAX_LISTED:
        lines.append(t("… and {count} more.", count=t.number(len(found) - MAX_LISTED)))
    return [Reply("\n".join(lines))]
