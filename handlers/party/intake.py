"""Intake (受理登记): the application's text fields, collected from its four parts.

The frame (how a field is asked and checked, which fields apply, the order) is
intake_form.py; the parts are intake_applicant.py, intake_other_side.py, intake_dispute.py
and intake_evidence.py.
"""

from __future__ import annotations

from handlers.party import intake_applicant, intake_dispute, intake_other_side
from handlers.party.intake_form import Field

FIELDS: dict[str, Field] = {
    **intake_applicant.FIELDS,
    **intake_other_side.FIELDS,
    **intake_dispute.FIELDS,
}
