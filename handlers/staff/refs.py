"""Parsing staff command arguments: case references, targets, dates."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import or_, select

from handlers.casework.validators import ValidationError, chinese_integer, parse_amount, parse_date
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Reply
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


#: "9:30", "09:30", "9：30", "9.30", "9点", "9点半", "9点15分", "下午3点", "三点一刻", "15时",
#: "3pm", "3:30 pm": a period word, the hour, then the minutes after ":" or after 点/时.
_CLOCK = re.compile(
    r"(?P<period>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上)?\s*"
    r"(?P<hour>\d{1,2}|[零〇一二两三四五六七八九十]{1,3})\s*"
    r"(?:[:：.]\s*(?P<min>\d{2})"
    r"|(?P<mark>[点點时時])钟?\s*(?P<cmin>半|一刻|三刻|\d{1,2}|[零〇一二三四五六七八九十]{1,3})?\s*分?)?"
    r"(?:\s*(?P<ampm>[ap]\.?m\.?)(?![a-z]))?",
    re.IGNORECASE,
)
_AFTERNOON = ("中午", "下午", "傍晚", "晚上")
_QUARTERS = {"半": 30, "一刻": 15, "三刻": 45}
_VAGUE = ("多", "左右", "前后", "许", "以前", "以后", "之前", "之后", "前", "后")


def _number(text: str) -> int | None:
    return int(text) if text.isdecimal() else chinese_integer(text)


def parse_clock(text: str) -> tuple[time, str] | None:
    """The time at the start of `text` and what follows it (the place); None if unreadable.

    A bare number ("15 调解室") is not a time: it needs ":", 点/时 or am/pm."""
    text = text.strip()
    m = _CLOCK.match(text)
    if m is None or (m["min"] is None and m["mark"] is None and not m["ampm"]):
        return None
    rest = text[m.end() :]
    if rest[:1].isdecimal() or rest.startswith(_VAGUE):
        return None  # "9:305"; "九点多", "9点左右": no time to tell the parties
    hour, cmin = _number(m["hour"]), m["cmin"] or ""
    minute = int(m["min"]) if m["min"] else _QUARTERS.get(cmin) or (_number(cmin) if cmin else 0)
    if hour is None or minute is None:
        return None
    period, half = m["period"] or "", (m["ampm"] or "").lower()[:1]
    if period or half:
        if not 1 <= hour <= 12:
            return None  # "下午15点", "13pm"
        if period in _AFTERNOON or half == "p":
            if period == "晚上" and hour == 12:
                return None  # midnight: say 0:00 of the next day
            if hour < 12 and not (period == "中午" and hour == 11):
                hour += 12
        elif hour == 12:
            hour = 0  # 凌晨12点, 12 am
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute), rest.strip()


def parse_day(ctx: Ctx, text: str) -> date:
    """A session day: 2026-11-25, 2026/11/25, 2026年11月25日. ValidationError otherwise."""
    parsed = parse_date(text, today=ctx.today(), allow_future=True)
    if parsed.precision != "day":
        raise ValidationError("date.format")
    return parsed.value


def when_and_rest(ctx: Ctx, day: str, rest: str) -> tuple[datetime, str] | Reply:
    """The session's date and time in the center's time zone and the rest (the place), or
    a message naming what was wrong and the forms that are understood."""
    try:
        d = parse_day(ctx, day)
    except ValidationError as exc:
        if exc.code == "date.no_such_day":
            return Reply(ctx.t("There is no such date as {day}.", day=day[:20]))
        return Reply(
            ctx.t(
                "I could not read the date {day}. Write it like 2026-11-25 or 2026年11月25日.",
                day=day[:20],
            )
        )
    clock = parse_clock(rest)
    if clock is None:
        return Reply(
            ctx.t(
                "I could not read the time {time}. Write it like 14:30, 9:30, 9点半, 下午3点 or "
                "15点, then the place.",
                time=(rest.split() or [""])[0][:20],
            )
        )
    return datetime.combine(d, clock[0], tzinfo=ctx.settings.tz), clock[1]


def agreed_amount_and_due(
    ctx: Ctx, fields: list[str], example: str
) -> tuple[Decimal | None, date | None] | Reply:
    """The agreed amount and due date typed by staff (`/outcome … agreement`, `/terms`), each
    optional in that order, or a message with `example` when either cannot be read."""
    try:
        amount = parse_amount(fields[0]) if fields else None
        due = (
            parse_date(fields[1], today=ctx.today(), allow_future=True).value
            if len(fields) > 1
            else None
        )
    except ValidationError:
        return Reply(
            ctx.t(
                "I could not read the amount or the due date. Example: {example}",
                example=example,
            )
        )
    return amount, due
