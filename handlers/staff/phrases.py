"""What staff read instead of internal codes: events, access-log actions, notes, places.

The database keeps the codes (stable across languages and releases); every staff view turns
them into a phrase of the reader's language here.
"""

from __future__ import annotations

import re
from datetime import datetime

from handlers.casework.lifecycle import STATE_LABELS
from handlers.casework.references import DEPARTMENTS
from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.conversation.masking import mask_text
from handlers.staff.refs import ROUTES
from handlers.staff.registry import ROLE_LABELS
from knowledge.scope import ScopeRules
from storage.models import AccessLog, Case, CaseEvent

EVENT_LABELS: dict[str, str] = {
    "submitted": _("application filed"),
    "applicant_bound": _("applicant linked the case"),
    "respondent_bound": _("respondent linked the case"),
    "respondent_agreed": _("respondent agreed to mediate"),
    "bind_failed": _("wrong linking code"),
    "code_reissued": _("new linking code issued"),
    "extended": _("mediation period extended"),
    "fulfilment": _("follow-up answer"),
    "joint": _("joint mediation"),
    "lead": _("lead department changed"),
    "note": _("note"),
    "party_copy": _("party received a copy"),
    "party_message": _("message from a party"),
    "staff_message": _("staff replied"),
    "rescheduled": _("session moved"),
    "session_cancelled": _("session cancelled"),
    "session_undelivered": _("session message not delivered (please phone)"),
    "withdrawal_asked": _("withdrawal asked for, waiting for confirmation"),
    "transferred": _("moved to another site"),
    "escalated": _("escalated to the district center"),
    "terms_changed": _("agreed terms changed"),
    "complaint_flagged": _("follow-up comment flagged as a complaint"),
}

ACCESS_LABELS: dict[str, str] = {
    "view_case": _("viewed the case"),
    "document": _("made a document"),
    "export_ledger": _("exported the ledger"),
    "view_risk": _("viewed the risk ledger"),
    "refused": _("was refused"),
    "data_request_closed": _("closed a data request"),
    "evidence": _("received the evidence files"),
}

ACCESS_DETAILS: dict[str, str] = {
    "masked": _("numbers masked"),
    "phones to call": _("numbers to call"),
    "all": _("all cases"),
    "application": _("application form"),
    "agreement": _("mediation agreement (draft)"),
    "notice": _("fulfilment notice"),
    "report": _("report to the delegating court"),
}

NOTE_PHRASES: dict[str, str] = {
    "follow-up finished": _("follow-up finished"),
    "declined by the respondent": _("declined by the respondent"),
    "applicant": _("the applicant"),
    "respondent": _("the respondent"),
}

_ISO_AT = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?)")
_EXTENDED = re.compile(r"^\+(\d+) days, both parties consented: (.*)$", re.S)
VIDEO = ("video", "视频")


def place_phrase(t: Translator, place: str | None) -> str:
    """A session place; "video" is said in words."""
    word = (place or "").strip().split(" ")[0].lower()
    if word in VIDEO:  # the link itself only ever goes to the people in the session
        return t("by video")
    return place or ""


def state_phrase(t: Translator, state: str | None) -> str:
    return t(STATE_LABELS[state]) if state in STATE_LABELS else (state or "—")


def case_state_phrase(t: Translator, case: Case) -> str:
    """The state, naming the department (not "a mediator") when a department has the case."""
    if case.state == "assigned" and case.department in DEPARTMENTS:
        return t("assigned to {who}", who=t(DEPARTMENTS[case.department]))
    return state_phrase(t, case.state)


_ORDER = ("submitted", "accepted", "assigned", "in_mediation")


def first_step(t: Translator, case: Case, target: str) -> str:
    """What must happen before `case` can become `target`, or "" if nothing simple does."""
    if case.state not in _ORDER:
        return t("The case has ended; nothing more can be recorded.")
    if target not in ("assigned", "in_mediation", "agreement", "failed"):
        return ""
    goal = _ORDER.index(target) if target in _ORDER else len(_ORDER)
    if _ORDER.index(case.state) >= goal:
        return ""
    n = case.number
    if case.state == "submitted":
        return t("Accept it first: /accept {number}", number=n)
    if case.state == "accepted":
        return t("Assign it first: /assign {number} MEDIATOR-OR-DEPARTMENT", number=n)
    return t("Schedule a session first: /schedule {number} YYYY-MM-DD HH:MM PLACE", number=n)


def _note_phrase(t: Translator, event: CaseEvent, rules: ScopeRules | None) -> str:
    note = event.note or ""
    if event.action == "submitted" and rules is not None and note in rules.outcome_ids:
        return t("screening: {result}", result=t.pick(rules.outcome(note).title))
    if note in NOTE_PHRASES:
        return t(NOTE_PHRASES[note])
    if event.action in ("joint", "lead"):
        return "、".join(t(DEPARTMENTS[c]) if c in DEPARTMENTS else c for c in note.split())
    if m := _EXTENDED.match(note):
        return t(
            "+{days} days, both parties consented: {reason}", days=m.group(1), reason=m.group(2)
        )
    if m := _ISO_AT.match(note):
        try:
            when = datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
        except ValueError:
            return note
        rest = note[m.end() :].strip()
        return f"{t.datetime(when)} {place_phrase(t, rest)}".strip()
    first, _sep, rest = note.partition(" ")
    if event.to_state == "referred" and first in ROUTES:
        return f"{t(ROUTES[first])} {rest}".strip()
    return note


def event_line(
    t: Translator,
    event: CaseEvent,
    *,
    private: bool,
    rules: ScopeRules | None = None,
    who: str | None = None,
) -> str:
    """One history line: when · who (handlers/staff/actors.py) · what happened · the note,
    all in words."""
    note = event.note or ""
    if event.action == "submitted":
        what = t(EVENT_LABELS["submitted"])
    elif event.to_state == "assigned" and note:  # the note names the mediator or department
        what = f"{state_phrase(t, event.from_state)} → " + t("assigned to {who}", who=note)
        note = ""
    elif event.to_state:
        what = (
            f"{state_phrase(t, event.from_state)} → {state_phrase(t, event.to_state)}"
            if event.from_state
            else state_phrase(t, event.to_state)
        )
    else:
        what = t(EVENT_LABELS[event.action]) if event.action in EVENT_LABELS else event.action
    line = f"  {t.datetime(event.at)} · {who or event.actor} · {what}"
    if note:
        note = _note_phrase(t, event, rules)
        line += f" · {note if private else mask_text(note)}"
    return line


#: A refused command's detail as registry.run stores it: "/accept (role mediator)".
_REFUSED_ROLE = re.compile(r"\(role (\w+)\)$")


def access_line(t: Translator, row: AccessLog, who: str | None = None) -> str:
    """One /audit line: when · who · what they did (and on what), in words."""
    what = t(ACCESS_LABELS[row.action]) if row.action in ACCESS_LABELS else row.action
    detail = row.detail or ""
    if detail in ACCESS_DETAILS:
        detail = t(ACCESS_DETAILS[detail])
    elif re.fullmatch(r"\d{4}-\d{2}", detail):
        detail = t("month {month}", month=detail)
    elif (role := _REFUSED_ROLE.search(detail)) and role.group(1) in ROLE_LABELS:
        as_role = t("(as {role})", role=t(ROLE_LABELS[role.group(1)]))
        detail = detail[: role.start()] + as_role
    return f"{t.datetime(row.at)} · {who or row.actor} · {what} {detail}".rstrip()
