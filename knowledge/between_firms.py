"""A firm asking about its dealings with another firm: 我们是派遣公司，用工单位欠了三个月服务费.

Such a question is full of words of work (派遣, 工厂, 工资, 用工单位) and the search and the
model read it as labour, but the dispute is between two firms over their contract — a staffing
agency's service fee, an outsourcing price, a dispatch agreement ended early (劳动合同法第五十
九条: the dispatch agreement is the agency's and the client's) — and goes to a court or
commercial arbitration, not to labour arbitration. A route with ``firm_speakers``,
``firm_kinds`` and ``firm_matters`` (referrals.toml, the business route) takes a question that

- speaks as such a firm: one of the speakers, then a kind of firm and 公司, not followed by 的
  and a word (我们是派遣公司, 我们外包公司 and 我是开劳务公司的 speak as the firm; 我们是外包公司的
  保洁 as its worker),
- names one of the matters (服务费, 派遣协议, 违约金 …),
- and says 我 nowhere else (派遣公司从我工资里扣管理费 is the worker's own pay).

A route's ``firm_clients`` add the other side: a speaker and one of them (我们工厂, 我们公司)
and, anywhere, a supplier of the kinds (派遣公司): 我们工厂用派遣工…新的派遣公司报价涨了. Its
``firm_counterparts`` (客户, 供应商, 甲方) add any firm such a client deals with, in a question
with no word of work at all: 我们公司跟客户在打商事仲裁，一般多久出结果. Its ``firm_pairs``
(两家公司, 我们两家) name both firms at once: with one of the matters, the question is theirs
(派遣服务费按底薪还是全部工资算，两家公司吵起来了).

Twenty-eighth pass: of the texts the bot is tuned on, 9 everyday ones read as a supplier, 7 as
a client and 23 as a firm and its counterpart, all the business route's, and none of 16,432
labour ones; twenty-ninth, with the pairs and 我们用工单位 as a client, 52 everyday ones and no
labour one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_ME = "我"
# a route's keys for the lists, in BetweenFirms' order: the three it needs, then the optional
FIRM_LISTS = ("firm_speakers", "firm_kinds", "firm_matters")
OPTIONAL_FIRM_LISTS = ("firm_clients", "firm_counterparts", "firm_pairs")


@dataclass(frozen=True)
class Reading:
    rest: str  # the question without the firms' names
    wordless: bool  # it must hold no word of work either (a counterpart, not a supplier)


@dataclass(frozen=True)
class BetweenFirms:
    speakers: tuple[str, ...]  # 我们, 我司, 我是开: how a firm's owner or staff says "we"
    kinds: tuple[str, ...]  # 派遣, 外包, 劳务: firms that supply workers or work
    matters: tuple[str, ...]  # 服务费, 派遣协议: what passes between two firms
    # the firm that takes the workers or the work, speaking (我们工厂, 我们公司) about the
    # supplier it names (派遣公司): 我们工厂用派遣工…派遣公司报价涨了 (optional)
    clients: tuple[str, ...] = ()
    # ... or about a firm it deals with (客户, 供应商, 甲方): then the question must hold no word
    # of work at all (我们公司跟供应商的合同写了仲裁条款; 我们公司…甲方没给钱，工资只发一半 is the
    # workers' own pay)
    counterparts: tuple[str, ...] = ()
    # ... or both firms at once (两家公司, 我们两家), with one of the matters (optional)
    pairs: tuple[str, ...] = ()
    _firm: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _client: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _supplier: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _speaker: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _pair: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        speakers, kinds = _alternatives(self.speakers), _alternatives(self.kinds)
        supplier = f"(?:{kinds})(?:服务)?公司"
        not_its_worker = "(?!的[^\\s，。,.!?！？；;])"  # 外包公司的保洁: its worker speaking
        which = "了?(?:是|这家|这边)?(?:一家|一个|个|家)?"  # 我开了一家, 我们是一个
        pattern = f"(?:{speakers}){which}{supplier}{not_its_worker}"
        client = f"(?:{speakers})(?:{_alternatives(self.clients)})"
        object.__setattr__(self, "_firm", re.compile(pattern))
        object.__setattr__(self, "_client", re.compile(client))
        object.__setattr__(self, "_supplier", re.compile(supplier))
        object.__setattr__(self, "_speaker", re.compile(speakers))
        object.__setattr__(self, "_pair", re.compile(_alternatives(self.pairs)))

    def read(self, typed: str) -> Reading | None:
        """The question without the firms' names when it is one of these (``typed``: as
        :func:`knowledge.faq_text.surface` reads it), else None. The caller checks the rest
        for a labour term outside the firm's name (我们是劳务派遣公司 names 劳务派遣) and, when
        ``wordless``, for any word of work."""
        matter = any(m in typed for m in self.matters)
        client = self._client.search(typed) is not None
        wordless = False
        if matter and self._firm.search(typed):
            rest = self._firm.sub(" ", typed)
        elif matter and client and self._supplier.search(typed):
            rest = self._supplier.sub(" ", self._client.sub(" ", typed))
        elif matter and self._pair.search(typed):
            rest = self._pair.sub(" ", typed)
        elif client and any(c in typed for c in self.counterparts):
            rest, wordless = self._client.sub(" ", typed), True
            for counterpart in self.counterparts:  # 另一家公司 is no employer
                rest = rest.replace(counterpart, " ")
        else:
            return None
        rest = self._speaker.sub(" ", rest)  # longest first, as _alternatives orders them
        return None if _ME in rest else Reading(rest, wordless)


def _alternatives(words: Sequence[str]) -> str:
    """The words as one alternation, longest first; none: a pattern that never matches."""
    if not words:
        return "(?!)"
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def parse_between_firms(raw: object) -> BetweenFirms | None:
    """A route's three lists (all given, or the route has none of this)."""
    if not isinstance(raw, dict):
        return None
    lists: list[tuple[str, ...]] = []
    for key in (*FIRM_LISTS, *OPTIONAL_FIRM_LISTS):
        optional = key in OPTIONAL_FIRM_LISTS
        words = raw.get(key, [] if optional else None)
        if not isinstance(words, list) or (not words and not optional):
            return None
        lists.append(tuple(w.strip().lower() for w in words if isinstance(w, str) and w.strip()))
    return BetweenFirms(*lists)
