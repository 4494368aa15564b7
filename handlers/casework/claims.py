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
    # what an employer claims from a worker
    "training_costs": _("Return of training costs"),  # 劳动合同法 第二十二条
    "service_period": _("Breach of the service period or non-compete"),  # 第二十二、二十三条
    "worker_damages": _("Damages caused by the worker"),  # 第九十条; 工资支付暂行规定 第十六条
    "other": _("Something else"),
}

#: The categories offered to each side (an employer does not claim unpaid wages from a worker).
WORKER_CLAIMS: tuple[str, ...] = (
    "pay",
    "overtime",
    "no_contract",
    "compensation",
    "unlawful_termination",
    "social_insurance",
    "injury",
    "relationship",
    "hours_leave",
    "other",
)
EMPLOYER_CLAIMS: tuple[str, ...] = (
    "training_costs",
    "service_period",
    "worker_damages",
    "pay",  # e.g. confirming that wages were paid in full
    "relationship",
    "other",
)

CONTACT_TIMES: dict[str, str] = {
    "any": _("Any time"),
    "morning": _("Weekday mornings"),
    "afternoon": _("Weekday afternoons"),
    "evening": _("Weekday evenings (after 18:00)"),
}
