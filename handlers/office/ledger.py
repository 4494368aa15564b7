"""The case ledger (台账, seed 000 §五(五)): one row per case, as XLSX or CSV.

`masked=True` is the version for the work group: the name of the party who is a person (the
worker) is masked and there are no phone or ID columns. The full version is for admins in a
private chat, and the caller writes the access log.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, tzinfo
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casework.claims import CATEGORIES
from handlers.casework.lifecycle import STATE_LABELS
from handlers.casework.references import DEPARTMENTS
from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.conversation.masking import mask_name, mask_text
from handlers.conversation.private_files import create_private
from handlers.office.case_history import History
from handlers.office.months import add_months, local_day, month_start
from storage.models import Case, CaseEvent, FollowUp, Staff

Value = str | int | Decimal | date | None

COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", _("Case number")),
    ("received", _("Date received")),
    ("site", _("Site")),
    ("applicant", _("Applicant")),
    ("phone", _("Applicant phone")),
    ("id_number", _("Applicant ID number")),
    ("respondent", _("Respondent")),
    ("category", _("Category")),
    ("claimed", _("Amount claimed (yuan)")),
    ("collective", _("Collective")),
    ("department", _("Department")),
    ("mediator", _("Mediator")),
    ("outcome", _("Outcome")),
    ("agreed", _("Amount agreed (yuan)")),
    ("closed", _("Date concluded")),
    ("days", _("Days taken")),
    ("follow_up", _("Follow-up result")),
)
PERSONAL = ("phone", "id_number")  # left out of the masked ledger
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FULFILMENT = {
    "yes": _("carried out"),
    "partly": _("partly carried out"),
    "no": _("not carried out"),
}


@dataclass
class Ledger:
    keys: list[str]
    headers: list[str]
    rows: list[list[Value]]
    case_ids: list[int]


async def build_ledger(
    session: AsyncSession,
    t: Translator,
    tz: tzinfo,
    *,
    month: date | None = None,
    masked: bool = False,
    sites: dict[str, str] | None = None,
) -> Ledger:
    """The cases received in `month` (all cases when None), oldest first. `sites` (site id →
    name) adds the column of the site handling each case; None (a single-site install): no
    such column."""
    stmt = select(Case).where(Case.number.is_not(None), Case.submitted_at.is_not(None))
    if month is not None:
        stmt = stmt.where(
            Case.submitted_at >= month_start(month, tz),
            Case.submitted_at < month_start(add_months(month, 1), tz),
        )
    cases = (await session.execute(stmt.order_by(Case.submitted_at, Case.id))).scalars().all()
    ids = [c.id for c in cases]
    history, follow_ups = await _history(session, ids), await _follow_ups(session, t, ids)
    names = {s.id: s.name for s in (await session.execute(select(Staff))).scalars()}
    keys = [
        k
        for k, _msgid in COLUMNS
        if not (masked and k in PERSONAL) and (k != "site" or sites is not None)
    ]
    headers = [t(msgid) for k, msgid in COLUMNS if k in keys]
    rows = []
    for case in cases:
        ended = history.conclusion(case)
        state = history.state_at(case)
        received = local_day(case.submitted_at, tz)  # type: ignore[arg-type]  # filed cases only
        closed = local_day(ended[1], tz) if ended else None
        worker_applies = case.applicant_role == "worker"
        values: dict[str, Value] = {
            "number": case.number,
            "received": received,
            "site": (sites or {}).get(case.site, case.site),
            "applicant": _name(case.applicant_name, masked and worker_applies, masked),
            "phone": case.applicant_phone,
            "id_number": case.applicant_id_number or "",
            "respondent": _name(case.respondent_name, masked and not worker_applies, masked),
            "category": "、".join(
                t(CATEGORIES[c]) if c in CATEGORIES else c for c in case.categories
            ),
            "claimed": case.amount_claimed,
            "collective": t("yes") if case.collective else t("no"),
            "department": t(DEPARTMENTS[case.department]) if case.department in DEPARTMENTS else "",
            "mediator": names.get(case.mediator_id or 0, ""),
            "outcome": t(STATE_LABELS.get(state, state)),
            "agreed": case.outcome_amount if ended and ended[0] == "agreement" else None,
            "closed": closed,
            "days": (closed - received).days if closed else None,
            "follow_up": follow_ups.get(case.id, ""),
        }
        rows.append([values[k] for k in keys])
    return Ledger(keys, headers, rows, ids)


def _name(name: str, mask: bool, masked_ledger: bool = True) -> str:
    """A person's name masked; any name in the group's ledger has typed numbers masked."""
    if mask:
        return mask_name(name)
    return mask_text(name) if masked_ledger else name


async def _history(session: AsyncSession, ids: list[int]) -> History:
    if not ids:
        return History([])
    stmt = (
        select(CaseEvent.case_id, CaseEvent.at, CaseEvent.to_state)
        .where(CaseEvent.to_state.is_not(None), CaseEvent.case_id.in_(ids))
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    return History([tuple(r) for r in (await session.execute(stmt)).all()])


async def _follow_ups(session: AsyncSession, t: Translator, ids: list[int]) -> dict[int, str]:
    """'carried out; satisfaction 5, 4' per case, from the answered follow-ups."""
    if not ids:
        return {}
    stmt = (
        select(FollowUp)
        .where(FollowUp.case_id.in_(ids), FollowUp.answer.is_not(None))
        .order_by(FollowUp.case_id, FollowUp.id)
    )
    kept: dict[int, list[str]] = defaultdict(list)
    scores: dict[int, list[str]] = defaultdict(list)
    for row in (await session.execute(stmt)).scalars():
        if row.kind == "fulfilment" and row.answer in FULFILMENT:
            kept[row.case_id].append(t(FULFILMENT[row.answer]))
        elif row.kind == "satisfaction":
            scores[row.case_id].append(row.answer or "")
    result = {}
    for case_id in set(kept) | set(scores):
        parts = list(kept[case_id])
        if scores[case_id]:
            parts.append(t("satisfaction {scores}", scores=t.join(scores[case_id])))
        result[case_id] = t.join(parts, strong=True)
    return result


def write_xlsx(ledger: Ledger, path: Path, title: str) -> Path:
    """An Excel workbook with one sheet: a title row, the header row, one row per case."""
    # Lazy for start-up cost: openpyxl is only needed when a ledger is written.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]  # Excel's limit
    sheet.append(ledger.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(ledger.rows, start=2):
        sheet.append(row)
        # Only text can have been taken for a formula; `sheet.max_row` here would count every
        # cell of the sheet for every row (minutes for a month of a city's cases).
        for column, value in enumerate(row, start=1):
            if isinstance(value, str):
                cell = sheet.cell(row=number, column=column)
                if cell.data_type == "f":  # typed by a party, e.g. "=HYPERLINK(…)": text
                    cell.data_type = "s"
    formats = {"received": "yyyy-mm-dd", "closed": "yyyy-mm-dd", "claimed": "#,##0.00"}
    formats["agreed"] = "#,##0.00"
    widths = {"number": 16, "received": 12, "closed": 12, "category": 28, "follow_up": 24}
    for index, key in enumerate(ledger.keys, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(key, 14)
        if key in formats:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = formats[key]
    sheet.freeze_panes = "B2"
    partial = create_private(path.with_name(f".{path.name}.partial"))  # personal data: 0600
    book.save(partial)
    partial.replace(path)
    return path


def write_csv(ledger: Ledger, path: Path) -> Path:
    """UTF-8 with a byte order mark, so Excel shows the Chinese."""
    with create_private(path).open("w", encoding="utf-8-sig", newline="") as fp:
        writer = csv.writer(fp)
        writer.writerow(ledger.headers)
        for row in ledger.rows:
            writer.writerow([_csv_cell(v) for v in row])
    return path


def _csv_cell(value: Value) -> str | int | Decimal:
    """Dates in ISO form; text a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
