"""Finding a case by its reference, and the partner departments of the joint mediation."""

from __future__ import annotations

import re

from handlers.casework.lifecycle import ENDED
from handlers.casework.sites import check_site
from handlers.conversation import log_context
from handlers.conversation.context import Ctx
from handlers.conversation.i18n import mark as _
from settings import Settings
from storage.cases import cases_of_person, find_case_by_number
from storage.models import Case

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


def add_configured_departments(settings: Settings) -> None:
    """Partner departments beyond the four, from `[staff] departments` ("code=name")."""
    for dept in settings.staff.departments:
        code, _sep, name = dept.partition("=")
        DEPARTMENTS.setdefault(code.strip(), name.strip())


CASE_NUMBER = re.compile(r"^[A-Za-z]{1,6}-\d{4}-\d{1,6}$")


async def find_case(ctx: Ctx, ref: str) -> Case | None:
    """A case by its number (LJ-2026-000123) or, for this year, by its sequence (123)."""
    ref = ref.strip()
    if ref.isdecimal() and len(ref) <= 6:
        year = ctx.now().astimezone(ctx.settings.tz).year
        ref = f"{ctx.settings.center.case_prefix}-{year}-{int(ref):06d}"
    elif CASE_NUMBER.match(ref):
        prefix, year_text, seq = ref.split("-")
        ref = f"{prefix.upper()}-{year_text}-{int(seq):06d}"
    else:
        return None
    case = await find_case_by_number(ctx.session, ref)
    log_context.bind_case(case.number if case else None)
    if case is not None:
        check_site(ctx, case)  # a station's staff: their own site's cases only
    return case


def department_code(text: str) -> str | None:
    text = text.strip().lstrip("@").lower()
    if text in DEPARTMENTS:
        return text
    return DEPARTMENT_ALIASES.get(text)


async def latest_case(ctx: Ctx, person_id: int) -> Case | None:
    """The person's newest open case, else their newest case, else None."""
    cases = await cases_of_person(ctx.session, person_id)
    open_cases = [c for c in cases if c.state not in ENDED]
    newest_first = open_cases or list(cases)
    return newest_first[0] if newest_first else None


def case_departments(case: Case) -> list[str]:
    return [
        d for d in dict.fromkeys([case.lead_department, case.department, *case.departments]) if d
    ]
