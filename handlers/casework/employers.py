"""Recognising one employer across cases: by credit code, else by a normalised name.

Pure functions, no database. Names are normalised so that the ways people write one
employer meet: full- and half-width characters (NFKC), traditional characters (zhconv, the
FAQ's converter), a short bracketed part (（柳州）, (普通合伙): a region or the form, which
people leave out), spaces and punctuation, the company form (有限责任公司,
股份有限公司, 有限公司, 公司 all dropped) and a branch after the company (……公司柳江分公司,
……超市河西分店). Two cases are one employer when they share a credit code or a normalised
name; a group keeps the credit code when any of its cases has one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from knowledge.faq_text import simplify

_BRACKETED = re.compile(r"[(\[【〔][^()\[\]【】〔〕]{1,6}[)\]】〕]")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
#: the business a branch belongs to ends with one of these words
_PARENT = "公司|集团|厂|超市|商行|商场|酒店|饭店|餐厅|酒楼|医院|学校|中心"
_BRANCH = "分公司|分店|分厂|分部|分社|分院|分校|门店|支店|营业部|办事处|项目部|项目经理部"
#: greedy: the last company word before the branch ends the parent (示例厂房租赁有限公司…)
_AFTER_PARENT = re.compile(rf"^(.+(?:{_PARENT}))[^\W_]{{0,12}}?(?:{_BRANCH})$")
_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "公司")
_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")  # GB 32100: no I, O, S, V, Z


def normalise_credit_code(code: str | None) -> str | None:
    """The unified social credit code in capitals without spaces; None unless 18 valid
    characters (the check character itself is verified at intake)."""
    if not code:
        return None
    cleaned = _PUNCT.sub("", unicodedata.normalize("NFKC", code)).upper()
    return cleaned if _CODE.match(cleaned) else None


@lru_cache(maxsize=16384)  # the ledger normalises every case's employer each time it is built
def normalise_name(name: str) -> str:
    """The name reduced to what identifies the employer ("" for an empty name)."""
    text = simplify(unicodedata.normalize("NFKC", name or "")).lower()
    text = _BRACKETED.sub("", text)  # (柳州), (普通合伙): a region or form, not the name
    text = _PUNCT.sub("", text)  # spaces, dots, dashes and longer brackets' marks go
    branch = _AFTER_PARENT.match(text)
    if branch:
        text = branch.group(1)
    for form in _FORMS:
        if text.endswith(form) and len(text) > len(form):
            text = text[: -len(form)]
            break
    return text


@dataclass(frozen=True)
class EmployerRef:
    """The employer one case is about: its index in the input, name and credit code."""

    index: int
    name: str
    credit_code: str | None


@dataclass
class EmployerGroup:
    key: str  # "code:<credit code>" or "name:<normalised name>"
    name: str  # as written on the latest case
    credit_code: str | None
    members: list[int]  # indexes of the input


def group_employers(refs: Iterable[EmployerRef]) -> list[EmployerGroup]:
    """Group cases by employer: a shared credit code or normalised name joins them
    (transitively: a case with code and name links the cases that have only one of them)."""
    refs = list(refs)
    parent = list(range(len(refs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of: dict[str, int] = {}
    for i, ref in enumerate(refs):
        code = normalise_credit_code(ref.credit_code)
        name = normalise_name(ref.name)
        for key in (f"code:{code}" if code else None, f"name:{name}" if name else None):
            if key is None:
                continue
            if key in first_of:
                parent[find(i)] = find(first_of[key])
            else:
                first_of[key] = i
    members: dict[int, list[int]] = {}
    for i in range(len(refs)):
        members.setdefault(find(i), []).append(i)
    groups = []
    for indexes in members.values():
        last = refs[indexes[-1]]
        codes = [c for c in (normalise_credit_code(refs[i].credit_code) for i in indexes) if c]
        code = max(set(codes), key=codes.count) if codes else None
        name = normalise_name(last.name)
        key = f"code:{code}" if code else f"name:{name or last.index}"
        ids = [refs[i].index for i in indexes]
        groups.append(EmployerGroup(key=key, name=last.name, credit_code=code, members=ids))
    return groups
