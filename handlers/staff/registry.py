"""Staff commands are declared once (name, help, roles) and pass one authorization filter.

Accepted from registered staff in the configured work group or in a private chat with the
bot; anyone else gets a polite refusal, and the attempt is written to the access log.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select

from handlers.casework.sites import OutOfSite, check_site, site_name
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Reply
from handlers.conversation.redact import for_group
from settings import CENTER_SITE
from storage.models import AccessLog, Case, Staff

log = logging.getLogger(__name__)

ADMIN = frozenset({"admin"})
DESK = frozenset({"admin", "liaison"})
ALL = frozenset({"admin", "liaison", "mediator"})
ROLES = ("admin", "liaison", "mediator")
#: Commands that reach beyond one site (the ledger, the access log, staff and data
#: requests, the FAQ): refused to a station's staff and in a station's group.
# Commands that reach beyond one site: the ledger, the access log, the staff list, people's
# data requests, the FAQ, every employer's risk, publishing to the district, the mediators'
# pay and assessment.
DISTRICT_ONLY = frozenset(
    {"export", "audit", "staff", "datareqs", "dataclose", "faq", "risk", "publish", "broadcast"}
    | {"subsidy", "assessment"}
)


Handler = Callable[[Ctx, Staff, str], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class StaffCommand:
    name: str
    usage: str  # e.g. "/accept ID"
    help: str  # msgid
    roles: frozenset[str]
    handler: Handler


COMMANDS: dict[str, StaffCommand] = {}


def command(
    name: str, usage: str, help: str, roles: frozenset[str] = ALL
) -> Callable[[Handler], Handler]:
    """Declare a staff command."""

    def register(fn: Handler) -> Handler:
        COMMANDS[name] = StaffCommand(name, usage, help, roles, fn)
        return fn

    return register


async def staff_member(ctx: Ctx) -> Staff | None:
    """The sender's staff record; admins from the configuration are registered on first use."""
    member = ctx.actor
    row = (
        await ctx.session.execute(select(Staff).where(Staff.member == member))
    ).scalar_one_or_none()
    console_admin = ctx.inbound.channel == "console" and ctx.core.console_staff
    if row is None and (member in ctx.settings.staff.admins or console_admin):
        row = Staff(member=member, role="admin", name=member, created_by="config")
        ctx.session.add(row)
        await ctx.session.flush()
    return row if row is not None and row.active else None


def in_work_place(ctx: Ctx) -> bool:
    """Staff commands run in a configured work group (the center's or a site's) or in a
    private chat."""
    return ctx.inbound.chat_kind == "private" or _group_site(ctx) is not None


def _group_site(ctx: Ctx) -> str | None:
    if ctx.inbound.chat_kind == "private":
        return None
    return ctx.core.group_site(ctx.inbound.channel, ctx.inbound.chat_id)


def site_scope(ctx: Ctx, staff: Staff) -> tuple[bool, str | None]:
    """(allowed here, the one site the command may see). A station's staff see their own
    site, in its group or privately; district staff see every site, except in a station's
    group, where every member reads the answer: there only that station's cases."""
    group = _group_site(ctx)
    own = staff.site or CENTER_SITE
    if own != CENTER_SITE:
        return group in (None, own), own
    return True, (group if group not in (None, CENTER_SITE) else None)


async def refuse_out_of_site(ctx: Ctx, name: str, case: Case) -> list[Reply]:
    """The polite refusal for a case of another site, written to the access log."""
    await log_access(ctx, "refused", case.id, detail=f"/{name} (site {case.site})")
    log.warning("refused /%s on %s (site %s) from %s", name, case.number, case.site, ctx.actor)
    return [
        Reply(
            ctx.t(
                "Case {number} is handled by {site}; here you can see and act on the cases "
                "of {own} only.",
                number=case.number,
                site=site_name(ctx.settings, ctx.t, case.site),
                own=site_name(ctx.settings, ctx.t, ctx.site_scope),
            )
        )
    ]


def site_refusal(ctx: Ctx, case: Case) -> bool:
    """True when the command's site scope (set by authorize) does not include the case."""
    try:
        check_site(ctx, case)
    except OutOfSite:
        return True
    return False


async def log_access(ctx: Ctx, action: str, case_id: int | None = None, detail: str = "") -> None:
    ctx.session.add(AccessLog(actor=ctx.actor, case_id=case_id, action=action, detail=detail))


async def authorize(ctx: Ctx, cmd: StaffCommand) -> tuple[Staff | None, list[Reply]]:
    """The staff member allowed to run `cmd`, or a polite refusal (logged)."""
    staff = await staff_member(ctx)
    if staff is None or not in_work_place(ctx):
        await log_access(ctx, "refused", detail=f"/{cmd.name}")
        log.warning("refused /%s from %s in %s", cmd.name, ctx.actor, ctx.inbound.chat_id)
        if staff is None:
            return None, [Reply(ctx.t("Only registered staff of the center can do that."))]
        return None, [
            Reply(ctx.t("Staff commands work in the center's work group or in a private chat."))
        ]
    allowed, ctx.site_scope = site_scope(ctx, staff)
    if not allowed or (ctx.site_scope is not None and cmd.name in DISTRICT_ONLY):
        await log_access(ctx, "refused", detail=f"/{cmd.name} (site {staff.site})")
        log.warning("refused /%s from %s of site %s", cmd.name, ctx.actor, staff.site)
        if not allowed:
            text = ctx.t(
                "Staff of {site} work in its own group or in a private chat.",
                site=site_name(ctx.settings, ctx.t, staff.site),
            )
        else:
            text = ctx.t(
                "/{name} is for the district center's staff: it reaches beyond one site.",
                name=cmd.name,
            )
        return None, [Reply(text)]
    if staff.role not in cmd.roles:
        await log_access(ctx, "refused", detail=f"/{cmd.name} (role {staff.role})")
        return None, [
            Reply(
                ctx.t(
                    "Your role ({role}) cannot use /{name}. Ask an admin of the center.",
                    role=ctx.t(ROLE_LABELS[staff.role]),
                    name=cmd.name,
                )
            )
        ]
    return staff, []


ROLE_LABELS = {"admin": _("admin"), "liaison": _("liaison"), "mediator": _("mediator")}


async def run(ctx: Ctx, name: str, arg: str) -> list[Reply] | None:
    """Run a staff command; None when `name` is not one."""
    cmd = COMMANDS.get(name)
    if cmd is None:
        return None
    staff, refusal = await authorize(ctx, cmd)
    if staff is None:
        return refusal
    try:
        replies = await cmd.handler(ctx, staff, arg)
    except OutOfSite as exc:  # a station's staff named a case of another site
        replies = await refuse_out_of_site(ctx, cmd.name, exc.case)
    # In the work group every member reads the answer: numbers typed by parties are masked.
    return replies if ctx.inbound.chat_kind == "private" else for_group(replies)


def usage(ctx: Ctx, name: str) -> Reply:
    cmd = COMMANDS[name]
    return Reply(ctx.t("Usage: {usage}\n{help}", usage=cmd.usage, help=ctx.t(cmd.help)))


def help_lines(ctx: Ctx, staff: Staff) -> list[str]:
    return [
        f"{cmd.usage} — {ctx.t(cmd.help)}" for cmd in COMMANDS.values() if staff.role in cmd.roles
    ]
