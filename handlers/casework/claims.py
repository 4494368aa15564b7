"""What a dispute can be about (the claim categories) and when a party can be called."""

from __future__ import annotations

from handlers.conversation.i18n import mark as _

CATEGORIES: dict[str, str] = {
    "pay": _("Unpaid wages"),
    "overtime": _("Overtime pay"),
    "no_contract": _("No written contract (double pay)"),
    "compensation": _("Economic compensation"),
    "unlawful_termination": _("Unlawful dismissal damages"),
    "social_insurance": _("Social insurance"),
    "injury": _("Work-injury costs and benefits"),
    "relationship": _("Confirm the labour relationship"),
    "hours_leave": _("Hours, rest and leave"),
    "other": _("Something else"),
}

CONTACT_TIMES: dict[str, str] = {
    "any": _("Any time"),
    "morning": _("Weekday mornings"),
    "afternoon": _("Weekday afternoons"),
    "evening": _("Weekday evenings (after 18:00)"),
}
