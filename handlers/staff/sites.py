"""The district network for staff: /sites, /transfer, and the automatic escalation of a
station's collective or overdue cases to the district center (once, across processes).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.deadlines import statutory_overdue_before
from handlers.casework.lifecycle import ENDED
from handlers.casework.references import find_case
from handlers.casework.sites import KIND_LABELS, contact_text, site_name
from handlers.conversation.context import Ctx
from handlers.conversation.core import Core
from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Reply
from handlers.staff.pushes import push_parties, told_reply
from handlers.staff.registry import DESK, command, usage
from settings import CENTER_SITE
from storage.cases import add_event
from storage.models import Case, Staff
from storage.sites import known_sites, move_case

COLLECTIVE_WORKERS = 10  # 调解仲裁法 第七条: ten or more workers with a common claim


@command("sites", "/sites", "the sites of the district network and their open cases")
async def sites_cmd(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    t = ctx.t
    stmt = (
        select(Case.site, func.count())
        .where(Case.number.is_not(None), Case.state.not_in(ENDED))
        .group_by(Case.site)
    )
    open_counts: dict[str, int] = {site: n for site, n in (await ctx.session.execute(stmt)).all()}
    lines = [t("Sites (id · name · kind · open cases):")]
    rows = await known_sites(ctx.session)
    ids = [r.id for r in rows] or [s.id for s in ctx.settings.all_sites()]
    kinds = {r.id: r.kind for r in rows} | {s.id: s.kind for s in ctx.settings.all_sites()}
    for site_id in ids:
        configured = ctx.settings.site(site_id)
        line = (
            f"{site_id} · {site_name(ctx.settings, t, site_id)} · "
            f"{t(KIND_LABELS.get(kinds.get(site_id, ''), ''))} · "
            f"{t.number(open_counts.get(site_id, 0))}"
        )
        if configured is None:
            line += " · " + t("no longer configured")
        elif configured.streets or configured.industries:
            line += " · " + "、".join([*configured.streets, *configured.industries])
        lines.append(line)
    own = staff.site or CENTER_SITE
    lines.append(t("You work for: {site}", site=site_name(ctx.settings, t, own)))
    return [Reply("\n".join(lines))]


@command(
    "transfer",
    "/transfer ID SITE reason",
    "move a case to another site; both groups are told, and the parties who now handles it",
    DESK,
)
async def transfer(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    parts = arg.split(maxsplit=2)
    sites = ", ".join(s.id for s in ctx.settings.all_sites())
    if len(parts) < 3:
        return [usage(ctx, "transfer"), Reply(ctx.t("Sites: {sites}", sites=sites))]
    ref, site_id, reason = parts
    case = await find_case(ctx, ref)
    if case is None:
        return [
            Reply(ctx.t("No case {ref}. Check the number, e.g. LJ-2026-000123 or 123.", ref=ref))
        ]
    target = ctx.settings.site(site_id)
    if target is None:
        return [Reply(ctx.t("No site {site}. Sites: {sites}", site=site_id[:40], sites=sites))]
    if target.id == case.site:
        return [
            Reply(
                ctx.t(
                    "Case {number} is already handled by {site}.",
                    number=case.number,
                    site=site_name(ctx.settings, ctx.t, target.id),
                )
            )
        ]
    if case.state in ENDED:
        return [Reply(ctx.t("Case {number} has ended; it stays where it is.", number=case.number))]
    old = case.site
    # The center sending a case to a station has decided: it is never escalated back.
    mark = ctx.now() if old == CENTER_SITE else None
    if not await move_case(ctx.session, case, target.id, mark=mark):
        return [
            Reply(ctx.t("Case {number} changed meanwhile; please try again.", number=case.number))
        ]
    staff_t = ctx.core.translator()
    event = await add_event(
        ctx.session,
        case,
        actor=ctx.actor,
        action="transferred",
        note=f"{site_name(ctx.settings, staff_t, old)} → "
        f"{site_name(ctx.settings, staff_t, target.id)}: {reason}",
    )
    await ctx.session.flush()
    notice = staff_t(
        _("Case {number} moved from {old} to {new} by {who}: {reason}"),
        number=case.number,
        old=site_name(ctx.settings, staff_t, old),
        new=site_name(ctx.settings, staff_t, target.id),
        who=staff.name,
        reason=reason,
    )
    key = f"case:{case.number}:transfer:{event.id}"
    await ctx.push_to_staff(key, [Reply(notice)], [old, target.id])

    def text(t: Translator) -> str:
        return (
            t("Case {number} has moved to another site of the center.", number=case.number)
            + "\n"
            + contact_text(ctx.settings, t, target)
        )

    reach = await push_parties(ctx.core, ctx.session, case, f"transfer:{event.id}", text)
    done = ctx.t(
        "Case {number} is now handled by {site}; both groups have been told.",
        number=case.number,
        site=site_name(ctx.settings, ctx.t, target.id),
    )
    return [Reply(done + "\n" + await told_reply(ctx, staff, case, reach))]


async def escalate(core: Core, session: AsyncSession, now: datetime) -> int:
    """A station's collective case (10 or more workers) or a case past its period goes to
    the district center, once: the conditional UPDATE in move_case lets one process win,
    and the outbox keys make every notice go out once."""
    settings = core.settings
    today = now.astimezone(settings.tz).date()
    received = func.coalesce(Case.received_at, Case.submitted_at)
    due = or_(
        Case.collective.is_(True),
        Case.workers_count >= COLLECTIVE_WORKERS,
        Case.due_at < now,
        (Case.state == "submitted") & (Case.accept_by < today),
        received < statutory_overdue_before(settings, now),
    )
    stmt = select(Case).where(
        Case.number.is_not(None),
        Case.state.not_in(ENDED),
        Case.site != CENTER_SITE,
        Case.escalated_at.is_(None),
        due,
    )
    count = 0
    t = core.translator()
    center = settings.all_sites()[0]
    for case in (await session.execute(stmt.order_by(Case.id))).scalars().all():
        old = case.site
        if not await move_case(session, case, CENTER_SITE, mark=now, once=True):
            continue  # another process escalated it first
        collective = case.collective or case.workers_count >= COLLECTIVE_WORKERS
        why = t(_ESCALATED_COLLECTIVE if collective else _ESCALATED_LATE)
        await add_event(
            session,
            case,
            actor="system",
            action="escalated",
            note=f"{site_name(settings, t, old)}: {why}",
        )
        notice = t(
            _("Case {number} of {site} was escalated to the district center: {why}"),
            number=case.number,
            site=site_name(settings, t, old),
            why=why,
        )
        await core.push_to_groups(session, f"case:{case.number}:escalated", [Reply(notice)], old)

        def text(pt: Translator, case: Case = case) -> str:
            return (
                pt(_("Case {number} is now handled by the district center."), number=case.number)
                + "\n"
                + contact_text(settings, pt, center)
            )

        await push_parties(core, session, case, "escalated", text)
        count += 1
    return count


_ESCALATED_COLLECTIVE = _("a collective dispute (10 or more workers)")
_ESCALATED_LATE = _("past its period")
