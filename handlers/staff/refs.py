"""Parsing staff command arguments: case references, targets, dates."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import or_, select

from handlers.conversation.context import Ctx
from handlers.conversation.i18n import mark as _
from storage.models import Staff

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
