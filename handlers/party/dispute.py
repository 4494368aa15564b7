"""The dispute flow: screening, then (when the person wants to file) intake.

Staff's /register adds the desk's first questions (desk_*: handlers/staff/desk.py registers
them), so that a desk registration runs this same flow.

```mermaid
stateDiagram-v2
    [*] --> screen
    [*] --> desk_source: staff /register
    desk_source --> desk_court: court delegation
    desk_source --> screen
    desk_court --> desk_court_period: court and reference
    desk_court_period --> screen: 委派 / 委托 and the days in the letter
    screen --> screen: next question
    screen --> outcome: rules reach an outcome
    outcome --> outcome: why?
    outcome --> screen: start again
    outcome --> consent: file (in scope / staff review)
    consent --> [*]: declined (nothing stored)
    consent --> applicant_name
    applicant_name --> phone --> id_number --> respondent_name --> respondent_address
    applicant_name --> contact_name --> phone: employer files
    id_number --> applicant_address --> respondent_name: employer files
    respondent_address --> respondent_uscc: worker files
    respondent_address --> respondent_phone: employer files
    respondent_uscc --> respondent_phone --> claims --> claims_text --> amount
    amount --> employment_start --> employment_end --> facts
    employment_start --> facts: still employed
    facts --> workers_count: several workers
    facts --> evidence
    workers_count --> evidence --> contact_time --> confirm
    confirm --> confirm: change a field (returns here)
    confirm --> [*]: submit (case number, receipt, staff notice)
```
"""

from __future__ import annotations

from typing import Any

from handlers.conversation.flow import Flow, Step
from handlers.party import (
    intake,
    intake_applicant,
    intake_dispute,
    intake_evidence,
    screening,
    submit,
)
from handlers.party.intake_form import field_step

STEPS: dict[str, Step] = {
    "screen": Step(screening.ask_screen, screening.handle_screen),
    "outcome": Step(screening.ask_outcome, screening.handle_outcome),
    "consent": Step(intake_applicant.ask_consent, intake_applicant.handle_consent),
    **{key: field_step(field) for key, field in intake.FIELDS.items()},
    "claims": Step(intake_dispute.ask_claims, intake_dispute.handle_claims),
    "evidence": Step(intake_evidence.ask_evidence, intake_evidence.handle_evidence),
    "contact_time": Step(intake_evidence.ask_contact_time, intake_evidence.handle_contact_time),
    "confirm": Step(submit.ask_confirm, submit.handle_confirm),
}


def _is_draft(answers: dict[str, Any]) -> bool:
    """After consent the answers are an application in progress: never dropped by a detour."""
    return bool(answers.get("consent"))


FLOW = Flow(name="dispute", start="screen", steps=STEPS, keeps=_is_draft)
