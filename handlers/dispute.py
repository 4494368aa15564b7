"""The dispute flow: screening, then (when the person wants to file) intake.

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

from handlers import desk, intake, screening, submit
from handlers.flow import Flow, Step

STEPS: dict[str, Step] = {
    "desk_source": Step(desk.ask_source, desk.handle_source),
    "desk_court": Step(desk.ask_court, desk.handle_court),
    "desk_court_period": Step(desk.ask_court_period, desk.handle_court_period),
    "screen": Step(screening.ask_screen, screening.handle_screen),
    "outcome": Step(screening.ask_outcome, screening.handle_outcome),
    "consent": Step(intake.ask_consent, intake.handle_consent),
    **{key: intake.field_step(field) for key, field in intake.FIELDS.items()},
    "claims": Step(intake.ask_claims, intake.handle_claims),
    "evidence": Step(intake.ask_evidence, intake.handle_evidence),
    "contact_time": Step(intake.ask_contact_time, intake.handle_contact_time),
    "confirm": Step(submit.ask_confirm, submit.handle_confirm),
}


def _is_draft(answers: dict[str, Any]) -> bool:
    """After consent the answers are an application in progress: never dropped by a detour."""
    return bool(answers.get("consent"))


FLOW = Flow(name="dispute", start="screen", steps=STEPS, keeps=_is_draft)
