"""Parsing staff command arguments: case references, targets, dates."""

from __future__ import annotations

import re
from datetime import datetime, time

from sqlalchemy import or_, select

from handlers import log_context
from handlers.context import Ctx
from handlers.i18n import mark as _
from storage.cases import find_case_by_number
from storage.models import Case, Staff

DEPARTMENTS: dict[str, str] = {
    "hrss": _("HR and social security bureau"),
    "court": _("people's court"),
    "union": _("trade union"),
    "justice": _("justice bureau"),
}
DEPARTMENT_ALIASES = {
    "人社": "hrss",
    "人社局": "hrss",
    "法院": "court",
    "工会": "union",
    "司法": "justice",
    "司法局": "justice",
}

ROUTES: dict[str, str] = {
    "arbitration": _("the labour and personnel dispute arbitration commission"),
    "court": _("the people's court"),
    "people_mediation": _("a people's mediation committee or the people's court"),
    "inspection": _("labour security inspection (12333)"),
    "si_agency": _("the social insurance agency (administrative review or litigation)"),
    "injury_recognition": _("the HR and social security bureau, for work-injury recognition"),
    "other_center": _("the mediation center or arbitration commission of the competent area"),
    "other": _("another route staff will explain"),
}

CASE_NUMBER = re.compile(r"^[A-Za-z]{1,6}-\d{4}-\d{1,6}$")


async def find_case(ctx: Ctx, ref: str) -> Case | None:
    """A case by its number (LJ-2026-000123) or, for this year, by its sequence (123)."""
    ref = ref.strip()
    if ref.isdigit() and len(ref) <= 6:
        year = ctx.now().astimezone(ctx.settings.tz).year
        ref = f"{ctx.settings.center.case_prefix}-{year}-{int(ref):06d}"
    elif CASE_NUMBER.match(ref):
        prefix, year_text, seq = ref.split("-")
        ref = f"{prefix.upper()}-{year_text}-{int(seq):06d}"
    else:
        return None
    case = await find_case_by_number(ctx.session, ref)
    log_context.bind_case(case.number if case else None)
    return case


def department_code(text: str) -> str | None:
    text = text.strip().lstrip("@").lower()
    if text in DEPARTMENTS:
        return text
    return DEPARTMENT_ALIASES.get(text)


async def find_staff(ctx: Ctx, text: str, *, role: str | None = None) -> Staff | None:
    """A staff member by member id ('telegram:123'), bare platform id, or name."""
    text = text.strip().lstrip("@")
    member = text if ":" in text else f"{ctx.inbound.channel}:{text}"
    stmt = select(Staff).where(
        or_(Staff.member == member, Staff.name == text), Staff.active.is_(True)
    )
    if role:
        stmt = stmt.where(Staff.role == role)
    return (await ctx.session.execute(stmt)).scalars().first()


def parse_when(ctx: Ctx, day: str, clock: str) -> datetime | None:
    """'2026-11-25' '14:30' in the center's time zone; None if either part is malformed."""
    try:
        d = datetime.strptime(day.replace("/", "-"), "%Y-%m-%d").date()
        t = time.fromisoformat(clock.replace("：", ":"))
    except ValueError:
        return None
    return datetime.combine(d, t, tzinfo=ctx.settings.tz)
