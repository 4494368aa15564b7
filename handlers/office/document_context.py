"""What a case document may print (docs/documents.md lists it): the one case's own data,
formatted for paper in Chinese (dates, amounts in figures and in capitals, the parties'
particulars, masked for the other side's copy), with a blank line to fill in by hand wherever
a value is missing. documents.py renders the templates with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal

from handlers.casework.answer_dates import UNIT_CONTACT, chinese_day_or_month, month_only
from handlers.casework.claims import CATEGORIES
from handlers.casework.deadlines import (
    CONFIRM_DAYS,
    REVIEW_DAYS,
    latest_safe_arbitration_date,
    year_after,
)
from handlers.casework.numerals import amount_in_capitals, amount_in_figures, chinese_date
from handlers.conversation.edge import safe_file_name
from handlers.conversation.i18n import Translator
from handlers.conversation.masking import mask_id_number, mask_phone
from settings import Settings
from storage.models import Attachment, Case, Staff

OUTCOME_LABELS = {
    "agreement": "达成调解协议",
    "failed": "调解不成",
    "withdrawn": "申请人撤回申请",
    "declined_by_respondent": "被申请人不同意调解",
    "referred": "不属于本中心受理范围，已告知其他途径",
    "closed": "已结案",
}
BLANK = "＿＿＿＿＿＿＿＿"  # printed where a value is missing, to be filled in by hand
EVIDENCE_KINDS = {"photo": "照片", "document": "文件", "voice": "语音", "video": "视频"}
Viewer = Literal["staff", "applicant", "respondent"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # \n and \t stay; docxtpl maps \a, \f


def _text(value: str | None) -> str:
    clean = _CONTROL.sub("", (value or "").replace("\r\n", "\n")).strip()
    return clean or BLANK


def _party(case: Case, side: str, *, masked: bool) -> dict[str, Any]:
    """A party's particulars; `masked` hides phone and ID number (for the other side's copy)."""
    worker = (side == "applicant") == (case.applicant_role == "worker")
    if side == "applicant":
        phone, id_number = case.applicant_phone, case.applicant_id_number
        contact = (case.screening or {}).get(UNIT_CONTACT) or {}
        uscc, address = case.applicant_uscc, str(contact.get("address") or "")
    else:
        phone, id_number = case.respondent_phone or "", None
        uscc, address = case.respondent_uscc, case.respondent_address
    if masked:
        phone = mask_phone(phone) if phone else ""
        id_number = mask_id_number(id_number) if id_number else None
    return {
        "is_worker": worker,
        "role_label": "劳动者" if worker else "用人单位",
        "name": _text(getattr(case, f"{side}_name")),
        "phone": _text(phone),
        "id_number": _text(id_number),
        "uscc": _text(uscc),
        "address": _text(address),
    }


def _money(amount: Any) -> dict[str, Any]:
    if amount is None:
        return {"has_amount": False, "amount_figures": BLANK, "amount_capitals": BLANK}
    return {
        "has_amount": True,
        "amount_figures": amount_in_figures(amount),
        "amount_capitals": amount_in_capitals(amount),
    }


def _local(value: datetime | None, settings: Settings) -> date | None:
    return value.astimezone(settings.tz).date() if value else None


_year_after = year_after  # one rule for "one year later" (handlers.casework.deadlines)


def _evidence(attachments: Sequence[Attachment]) -> list[str]:
    items = []
    for n, item in enumerate(attachments, 1):
        label = EVIDENCE_KINDS.get(item.kind, "文件")
        name = safe_file_name(_CONTROL.sub("", item.file_name))  # rows stored before the edge
        items.append(f"{name}（{label}）" if name else f"{label}{n}")
    return items


def build_context(
    case: Case,
    *,
    settings: Settings,
    mediator: Staff | None = None,
    attachments: Sequence[Attachment] = (),
    viewer: Viewer = "staff",
    today: date | None = None,
) -> dict[str, Any]:
    """Everything a template may use (listed in docs/documents.md), from this one case."""
    zh = Translator("zh_CN", settings.tz)
    today = today or datetime.now(settings.tz).date()
    applicant = _party(case, "applicant", masked=viewer == "respondent")
    respondent = _party(case, "respondent", masked=False)
    worker, employer = (
        (applicant, respondent) if applicant["is_worker"] else (respondent, applicant)
    )
    start, end = case.employment_start, case.employment_end
    employment = BLANK
    if start:
        months = month_only(case.screening)
        until = chinese_day_or_month(end, "employment_end" in months) if end else "今"
        employment = f"{chinese_day_or_month(start, 'employment_start' in months)}至{until}"
    agreed = _local(case.outcome_at, settings) or today
    due = case.outcome_due
    return {
        "center": {
            "name": settings.center.full_name,
            "district": settings.center.district,
            "address": settings.center.address,
            "phone": settings.center.phone,
        },
        "arbitration": {
            "commission": settings.arbitration.commission,
            "address": settings.arbitration.address,
        },
        "case": {
            "number": case.number or BLANK,
            "submitted_date": chinese_date(_local(case.submitted_at, settings) or today),
            "categories": "、".join(zh(CATEGORIES[c]) for c in case.categories if c in CATEGORIES)
            or BLANK,
            "claims": _text(case.claims_text),
            "facts": _text(case.facts),
            "employment": employment,
            "work_place": _text(case.work_place),
            "workers_count": case.workers_count,
            **_money(case.amount_claimed),
        },
        "applicant": applicant,
        "respondent": respondent,
        "worker": worker,
        "employer": employer,
        "evidence": _evidence(attachments),
        "mediator": {"name": mediator.name if mediator and mediator.name else BLANK},
        "agreement": {
            "date": chinese_date(agreed),
            "due_date": chinese_date(due) if due else BLANK,
            "terms": _text((case.outcome_terms or "").strip().rstrip("。.；;")),
            "has_terms": bool((case.outcome_terms or "").strip()),
            **_money(case.outcome_amount),
        },
        "deadlines": {
            "review_by": chinese_date(agreed + timedelta(days=REVIEW_DAYS)),
            "confirm_by": chinese_date(agreed + timedelta(days=CONFIRM_DAYS)),
            "limitation_by": chinese_date(
                latest_safe_arbitration_date(settings, case, after_agreement=True)  # type: ignore[arg-type]  # a date once outcome_at is set
                if case.outcome_at
                else _year_after(agreed)
            ),
        },
        "court": {"name": _text(case.court_name), "ref": _text(case.court_ref)},
        "confirmation_court": {"name": settings.court.name, "address": settings.court.address},
        "outcome": {
            "label": OUTCOME_LABELS.get(case.state, "调解中"),
            "date": chinese_date(_local(case.outcome_at, settings) or today),
            "accepted_date": chinese_date(_local(case.accepted_at, settings) or today),
        },
        "generated_date": chinese_date(today),
    }
