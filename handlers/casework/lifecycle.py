"""Case states and the transitions between them (shared/domain.md).

draft → submitted → accepted | referred → assigned → in_mediation →
agreement | failed | withdrawn | declined_by_respondent → closed
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.i18n import mark as _
from storage.cases import add_event
from storage.models import Case

STATE_LABELS: dict[str, str] = {
    "draft": _("draft"),
    "submitted": _("received, waiting for review"),
    "accepted": _("accepted by the center"),
    "referred": _("referred to another route"),
    "assigned": _("assigned to a mediator"),
    "in_mediation": _("in mediation"),
    "agreement": _("agreement reached"),
    "failed": _("mediation did not succeed"),
    "withdrawn": _("withdrawn"),
    "declined_by_respondent": _("the other side declined mediation"),
    "closed": _("closed"),
}

NEXT_STEP: dict[str, str] = {
    "submitted": _("Staff will review your application and contact you."),
    "accepted": _("A mediator will be assigned to your case."),
    "referred": _("Please follow the route the center gave you."),
    "assigned": _("Your mediator will contact both sides to arrange a session."),
    "in_mediation": _("Take part in the mediation session; bring your evidence."),
    "agreement": _("Both sides carry out the agreement; the center will follow up."),
    "failed": _("You may apply for labour dispute arbitration."),
    "withdrawn": _("Nothing more to do. You can file again if needed."),
    "declined_by_respondent": _("You may apply for labour dispute arbitration."),
    "closed": _("The case is closed."),
}

ENDED = {"agreement", "failed", "withdrawn", "declined_by_respondent", "referred", "closed"}

TRANSITIONS: dict[str, set[str]] = {
    "draft": {"submitted"},
    "submitted": {"accepted", "referred", "withdrawn", "declined_by_respondent"},
    "accepted": {"assigned", "referred", "withdrawn", "declined_by_respondent"},
    "assigned": {"in_mediation", "assigned", "withdrawn", "declined_by_respondent"},
    "in_mediation": {"agreement", "failed", "withdrawn", "declined_by_respondent"},
    "agreement": {"closed"},
    "failed": {"closed"},
    "withdrawn": {"closed"},
    "declined_by_respondent": {"closed"},
    "referred": {"closed"},
    "closed": set(),
}


class IllegalTransition(Exception):
    def __init__(self, case: Case, to_state: str) -> None:
        super().__init__(f"{case.number}: cannot go from {case.state} to {to_state}")
        self.from_state = case.state
        self.to_state = to_state


async def transition(
    session: AsyncSession, case: Case, to_state: str, *, actor: str, note: str = ""
) -> None:
    """Move the case to `to_state` and write the event, or raise IllegalTransition."""
    if to_state not in TRANSITIONS.get(case.state, set()):
        raise IllegalTransition(case, to_state)
    await add_event(session, case, actor=actor, action="state", to_state=to_state, note=note)
