"""The staff registry and the mediator roster."""

from __future__ import annotations

from sqlalchemy import select

from handlers.casework.references import DEPARTMENTS, department_code
from handlers.casework.sites import site_name
from handlers.conversation.context import Ctx
from handlers.conversation.messages import Reply
from handlers.staff import roster_extra, suggest
from handlers.staff.registry import ADMIN, ALL, ROLE_LABELS, ROLES, command, usage
from settings import CENTER_SITE
from storage.models import Staff


def _member(ctx: Ctx, text: str) -> str:
    text = text.strip().lstrip("@")
    return text if ":" in text else f"{ctx.inbound.channel}:{text}"


def _line(ctx: Ctx, s: Staff) -> str:
    dept = f" · {ctx.t(DEPARTMENTS[s.department])}" if s.department in DEPARTMENTS else ""
    retired = ctx.t("retired")
    state = "" if s.active else f" · {retired}"
    site = f" · {site_name(ctx.settings, ctx.t, s.site)}" if ctx.settings.sites else ""
    time = ""
    if s.role == "mediator":
        time = " · " + (ctx.t("full-time") if s.full_time else ctx.t("part-time"))
    return f"{s.name} · {s.member} · {ctx.t(ROLE_LABELS[s.role])}{time}{dept}{site}{state}"


async def _upsert(ctx: Ctx, member: str, role: str, name: str, dept: str | None) -> Staff:
    row = (
        await ctx.session.execute(select(Staff).where(Staff.member == member))
    ).scalar_one_or_none()
    if row is None:
        row = Staff(member=member, role=role, name=name or member, created_by=ctx.actor)
        ctx.session.add(row)
    row.role, row.active, row.department = role, True, dept
    if name:
        row.name = name
    await ctx.session.flush()
    return row


@command(
    "staff",
    "/staff add MEMBER ROLE [DEPARTMENT] [NAME] | remove MEMBER | site MEMBER SITE | list",
    "manage who is staff (roles: admin, liaison, mediator) and the site each works for",
    ADMIN,
)
async def staff_cmd(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    row: Staff | None  # a found row may be missing
    parts = arg.split()
    action = parts[0] if parts else "list"
    if action == "list":
        rows = (await ctx.session.execute(select(Staff).order_by(Staff.role, Staff.name))).scalars()
        return [Reply("\n".join([ctx.t("Staff:"), *(_line(ctx, s) for s in rows)]))]
    if action == "add" and len(parts) >= 3 and parts[2] in ROLES:
        dept = department_code(parts[3]) if len(parts) > 3 else None
        if parts[2] == "liaison" and dept is None:
            return [
                Reply(ctx.t("A liaison needs a department: {names}", names=ctx.t.join(DEPARTMENTS)))
            ]
        name = " ".join(parts[4:] if dept else parts[3:])
        row = await _upsert(ctx, _member(ctx, parts[1]), parts[2], name, dept)
        return [Reply(ctx.t("Added: {line}", line=_line(ctx, row)))]
    if action == "site" and len(parts) == 3:
        return [await _set_site(ctx, _member(ctx, parts[1]), parts[2])]
    if action == "remove" and len(parts) == 2:
        member = _member(ctx, parts[1])
        if member == staff.member:
            return [Reply(ctx.t("You cannot remove yourself."))]
        row = (
            await ctx.session.execute(select(Staff).where(Staff.member == member))
        ).scalar_one_or_none()
        if row is None:
            return [Reply(ctx.t("{member} is not staff.", member=member))]
        row.active = False
        return [Reply(ctx.t("Removed: {line}", line=_line(ctx, row)))]
    return [usage(ctx, "staff")]


async def _set_site(ctx: Ctx, member: str, site_id: str) -> Reply:
    """A member works for one site: a station's staff then see its cases only."""
    site = ctx.settings.site(site_id)
    if site is None:
        sites = ", ".join(s.id for s in ctx.settings.all_sites())
        return Reply(ctx.t("No site {site}. Sites: {sites}", site=site_id[:40], sites=sites))
    row = (
        await ctx.session.execute(select(Staff).where(Staff.member == member))
    ).scalar_one_or_none()
    if row is None:
        return Reply(ctx.t("{member} is not staff.", member=member))
    row.site = None if site.id == CENTER_SITE else site.id
    return Reply(
        ctx.t(
            "{member} now works for {site}.",
            member=member,
            site=site_name(ctx.settings, ctx.t, site.id),
        )
    )


@command(
    "mediators",
    "/mediators [list | add MEMBER NAME | retire MEMBER | specialty MEMBER CATEGORY... | "
    "link MEMBER EMPLOYER | unlink MEMBER EMPLOYER | time MEMBER full|part | training "
    "MEMBER DATE TOPIC]",
    "the mediator roster (changes and trainings: admins)",
    ALL,
)
async def mediators(ctx: Ctx, staff: Staff, arg: str) -> list[Reply]:
    row: Staff | None  # a found row may be missing
    parts = arg.split()
    action = parts[0] if parts else "list"
    if action == "list":
        stmt = (
            select(Staff).where(Staff.role == "mediator").order_by(Staff.active.desc(), Staff.name)
        )
        rows = (await ctx.session.execute(stmt)).scalars().all()
        if not rows:
            return [
                Reply(ctx.t("No mediators yet. An admin adds one with /mediators add MEMBER NAME."))
            ]
        return [Reply("\n".join([ctx.t("Mediators:"), *(_line(ctx, s) for s in rows)]))]
    if staff.role != "admin":
        return [Reply(ctx.t("Only an admin can change the roster."))]
    if action in suggest.ROSTER_ACTIONS:  # specialties and employer links (issue 23)
        done = await suggest.roster_action(ctx, action, parts[1:])
        return [done] if done else [usage(ctx, "mediators")]
    if action == "add" and len(parts) >= 3:
        row = await _upsert(ctx, _member(ctx, parts[1]), "mediator", " ".join(parts[2:]), None)
        if staff.site and row.site is None:  # a station's admin adds its own mediators
            row.site = staff.site
        return [Reply(ctx.t("Added: {line}", line=_line(ctx, row)))]
    if action == "training" and len(parts) >= 4:
        topic = arg.split(maxsplit=3)[3]
        return [await roster_extra.record_training(ctx, _member(ctx, parts[1]), parts[2], topic)]
    if action == "time" and len(parts) == 3 and parts[2] in ("full", "part"):
        return [await roster_extra.set_time(ctx, _member(ctx, parts[1]), parts[2])]
    if action == "retire" and len(parts) == 2:
        row = (
            await ctx.session.execute(
                select(Staff).where(
                    Staff.member == _member(ctx, parts[1]), Staff.role == "mediator"
                )
            )
        ).scalar_one_or_none()
        if row is None:
            return [Reply(ctx.t("{member} is not on the roster.", member=parts[1][:40]))]
        row.active = False
        return [Reply(ctx.t("Retired: {line}", line=_line(ctx, row)))]
    return [usage(ctx, "mediators")]
