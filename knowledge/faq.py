"""The FAQ knowledge base: entries from ``knowledge/faq/*.toml`` and Chinese-aware search.

    kb = load_kb()
    result = kb.search("老板欠薪不给钱怎么办")
    if result.answered:
        show(result.best, result.related)
    else:
        offer(result.closest)

Entry files follow ``faq/FORMAT.md``; laws are cited by key from ``faq/laws.toml``;
``faq/synonyms.toml`` maps colloquial words to legal terms for retrieval. Loading is
lenient (a broken entry is skipped and logged); :func:`knowledge.faq_check.check_kb` reports
every problem.

Modules: :mod:`knowledge.faq_entries` (entries, loading), :mod:`knowledge.faq_files`
(reading, checks), :mod:`knowledge.faq_text` (folding, words), :mod:`knowledge.faq_synonyms`,
:mod:`knowledge.faq_typos` (homophone slips), :mod:`knowledge.faq_index` (analysis, scoring,
confidence), :mod:`knowledge.char_pairs` and :mod:`knowledge.entry_model` (re-ranking), and
for "is it labour at all": :mod:`knowledge.faq_referral` (the route the search and the word
lists choose), :mod:`knowledge.domain_model` (learned from the entries and routes) and
:mod:`knowledge.faq_gate` (how it and the word lists decide, with :mod:`knowledge.faq_asker`:
the asker's own pay and job); :mod:`knowledge.to_the_bot` and :mod:`knowledge.follow_up` tell
messages to the bot itself and those that only ask how the asker's matter is going, and
:mod:`knowledge.faq_result` holds what a search found.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from knowledge.domain_model import DomainModel, features, remembered_features, train_domain
from knowledge.entry_model import EntryModel, train_entry_model
from knowledge.faq_entries import Citation, Entry, Locale, load_entries
from knowledge.faq_files import DEFAULT_FOLDER, MODEL_WORDS_FOLDER, load_extra_phrasings
from knowledge.faq_gate import Evidence, GateSettings, Leaning, fuse, leaning
from knowledge.faq_index import Analyzer, Passage, SearchIndex
from knowledge.faq_referral import (
    LABOUR_MARGIN,
    chosen_route,
    civil_route,
    nearby_route,
    overruled,
    sole_route,
)
from knowledge.faq_referral import contested as route_contests
from knowledge.faq_result import MAX_RELATED, SearchResult
from knowledge.faq_synonyms import Synonyms
from knowledge.faq_text import fold, is_trivial
from knowledge.follow_up import FollowUp
from knowledge.referrals import (
    ROUTE_PREFIX,
    Route,
    load_follow_up,
    load_labour_words,
    load_routes,
    load_to_the_bot,
)
from knowledge.to_the_bot import ToTheBot

log = logging.getLogger(__name__)

MAX_CANDIDATES = 5
MAX_QUESTION_CHARS = 1000
LOCALE_BONUS = 0.02  # raw score added to entries that have text in the reader's locale


@dataclass
class KnowledgeBase:
    """Loaded entries plus their search index."""

    entries: Mapping[str, Entry]
    index: SearchIndex = field(repr=False)
    routes: Mapping[str, Route] = field(default_factory=dict)  # by index id ("route:x")
    labour_words: frozenset[str] = frozenset()  # see referrals.toml, ``labour_words``
    weak_words: frozenset[str] = frozenset()  # ``weak_labour_words``: 老板, 公司 …
    labour_terms: frozenset[str] = frozenset()  # ``labour_terms``: 工伤, 劳动仲裁 …
    other_words: tuple[str, ...] = ()  # see referrals.toml, ``other_words``; longest first
    domain: DomainModel | None = field(default=None, repr=False)  # labour or which route
    gate: GateSettings = field(default_factory=GateSettings)  # word lists + model: how
    to_the_bot: ToTheBot | None = None  # 你会加班吗: the bot asked about itself (to_the_bot.py)
    entry_model: EntryModel | None = field(default=None, repr=False)  # a second reading
    follow_up: FollowUp | None = None  # 上次说的那个怎么样了: how the asker's matter is going

    def warm(self) -> None:
        """Load what the first search would (jieba, the script tables) ahead of time."""
        self.search("公司拖欠工资怎么办")
        self.search("繁體 how to apply")

    def get(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id)

    def search(self, question: str, locale: Locale = "zh_CN") -> SearchResult:
        """Find the entry that answers ``question``; ``answered`` is False when unsure.

        The question's own language decides how it is matched: English questions meet the
        English phrasings and, through the bilingual synonym table, the Chinese ones too
        (the answer then falls back to Chinese where an entry has no English). ``locale``
        only breaks near ties in favour of entries written in the reader's language.
        """
        if not self.entries or is_trivial(question):
            return SearchResult(None, 0.0, False)
        if len(question) > MAX_QUESTION_CHARS:  # the story's start and the question at its end
            half = MAX_QUESTION_CHARS // 2
            question = f"{question[:half]}\n{question[-half:]}"
        if status := self._follow_up(question):  # says too little to search (follow_up.py)
            return SearchResult(status, 1.0, True, related=self._related(status, []))
        lean = self._leaning(question)
        # before the search, which is of no use for these
        if bot := self._to_the_bot(question, lean.work, lean.term):
            return SearchResult(None, 0.0, False, referral=bot)
        hits, weight = self.index.search_weighed(question)
        labour = [h for h in hits if h.entry_id in self.entries]
        # Referral decisions weigh the search's best entry; the answer is chosen in the search's
        # order with each entry lifted by the second reading (stable: ties keep their order),
        # and near ties go to entries written in the reader's language.
        searched = tuple(labour)
        grams = features(question)  # read by both models
        reading = self.entry_model.read(question, grams) if self.entry_model else None
        lifts = reading.lifts(labour) if reading else {}
        bonus = LOCALE_BONUS if locale != "zh_CN" else 0.0
        labour.sort(
            key=lambda h: (
                -h.rank_score - lifts.get(h.entry_id, 0.0) - bonus * self._has(h.entry_id, locale)
            )
        )
        route_hits = [h for h in hits if h.entry_id in self.routes]
        guess = self.domain.predict(question, grams) if self.domain else None
        if self.gate.enabled and overruled(lean, guess, searched):
            lean = replace(lean, work=True)  # 在物业公司做了三年保洁，裁决生效了还不付
        margin = LABOUR_MARGIN if lean.work else 0.0
        outside = lean.other and not lean.work  # 房东, 离婚, 保险公司 … and no word of work
        # a labour-law matter named by its name (算工伤吗) is not referred by the word lists
        route_id = None
        if not lean.term:
            route_id = chosen_route(
                searched,
                route_hits,
                margin=margin,
                answer_threshold=self.index.threshold,
                outside=outside,
                work=lean.work,
            )
        referral = self.routes[route_id] if route_id else None
        confidence = labour[0].confidence if labour else 0.0
        contested = route_contests(searched, route_hits, margin)
        agreed = bool(reading and labour and reading.agrees(labour[0], guess))
        evidence = Evidence(
            answered=referral is None
            and not contested
            and not outside
            and (confidence >= self.index.threshold or agreed),
            referral=referral.id if referral else None,
            lean=lean,
            guess=guess,
            confidence=confidence,
            blocked=contested or outside,
            agreed=agreed,
        )
        answered, route_id = fuse(evidence, self.gate)
        vague = weight < self.index.vague_mass  # 我该怎么办呢: says too little to answer
        answered = answered and not vague
        if vague and route_id != evidence.referral:
            route_id = None  # 咨询一下, 在吗: the model's route for a greeting is noise
        if not lean.term and (sole := sole_route(fold(question), self.routes.values())):
            answered, route_id = False, route_id or sole  # 公积金, and no 社保 or 工资
        if civil := civil_route(question, self.routes.values(), self._leaning):
            answered, route_id = False, civil  # 我们派遣公司…服务费; 工亡补助金…家里人之间怎么分
        referral = self.routes.get(ROUTE_PREFIX + route_id) if route_id else None
        near = None if answered or referral or vague else nearby_route(route_hits, guess)
        nearby = self.routes.get(ROUTE_PREFIX + near) if near else None
        if not labour:
            return SearchResult(
                None, 0.0, False, referral=referral, evidence=evidence, vague=vague, nearby=nearby
            )
        # In rank order (re-ranking may put an entry above one of higher lexical confidence):
        # a runner-up is never more certain than the entries above it.
        ranked, ceiling = [], 1.0
        for h in labour[:MAX_CANDIDATES]:
            ceiling = min(ceiling, h.confidence)
            ranked.append((self.entries[h.entry_id], ceiling))
        best, confidence = ranked[0]
        return SearchResult(
            best=best,
            confidence=confidence,
            answered=answered,
            related=self._related(best, ranked),
            candidates=tuple(ranked),
            referral=referral,
            evidence=evidence,
            vague=vague,
            nearby=nearby,
        )

    def _leaning(self, question: str) -> Leaning:
        """What the word lists say about the question (knowledge.faq_gate.leaning)."""
        return leaning(
            question,
            labour_words=self.labour_words,
            weak_words=self.weak_words,
            labour_terms=self.labour_terms,
            other_words=self.other_words,
        )

    def _follow_up(self, question: str) -> Entry | None:
        """The entry that answers a message asking only how the asker's matter is going."""
        if self.follow_up is None or not self.follow_up.matches(question):
            return None
        return self.entries.get(self.follow_up.entry)

    def _to_the_bot(self, question: str, work: bool, term: bool) -> Route | None:
        """The route for a message that asks the bot about itself, if this is one."""
        if self.to_the_bot is None or not self.to_the_bot.matches(question, work=work, term=term):
            return None
        return self.routes.get(ROUTE_PREFIX + self.to_the_bot.route)

    def _has(self, entry_id: str, locale: Locale) -> bool:
        return locale in self.entries[entry_id].answer

    def _related(self, best: Entry, ranked: Sequence[tuple[Entry, float]]) -> tuple[Entry, ...]:
        out: list[Entry] = [self.entries[i] for i in best.related if i in self.entries]
        for entry, conf in ranked[1:]:
            if conf >= self.index.threshold / 2 and entry not in out and entry is not best:
                out.append(entry)
        return tuple(e for e in out if e is not best)[:MAX_RELATED]


def load_kb(
    folder: Path | None = None,
    *,
    extra_phrasings: Mapping[str, Sequence[str]] | None = None,
    referrals: Path | None = None,
) -> KnowledgeBase:
    """Load every entry file in ``folder`` (default: the packaged ``faq``) and index it,
    with the referral routes (default: the packaged ``referrals.toml``).

    ``extra_phrasings`` maps entry ids to questions staff linked to them; they are indexed
    like the phrasings in the files (ids that do not exist are ignored).
    """
    folder = folder or DEFAULT_FOLDER
    entries = load_entries(folder)
    return build_kb(
        entries.values(),
        extra_phrasings,
        synonyms=Synonyms.load(synonyms_path(folder)),
        routes=load_routes(referrals).values(),
        labour_words=load_labour_words(referrals),
        weak_words=load_labour_words(referrals, key="weak_labour_words"),
        labour_terms=load_labour_words(referrals, key="labour_terms"),
        other_words=load_labour_words(referrals, key="other_words"),
        model_words=load_extra_phrasings(folder, MODEL_WORDS_FOLDER),
        to_the_bot=load_to_the_bot(referrals),
        follow_up=load_follow_up(referrals),
    )


def synonyms_path(folder: Path) -> Path:
    """The folder's own synonyms table, else the packaged one (sample folders in tests)."""
    own = folder / "synonyms.toml"
    return own if own.exists() else DEFAULT_FOLDER / "synonyms.toml"


def build_kb(
    entries: Iterable[Entry],
    extra_phrasings: Mapping[str, Sequence[str]] | None = None,
    *,
    synonyms: Synonyms | None = None,
    routes: Iterable[Route] = (),
    labour_words: Iterable[str] | None = None,
    weak_words: Iterable[str] | None = None,
    labour_terms: Iterable[str] | None = None,
    other_words: Iterable[str] | None = None,
    model_words: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    to_the_bot: ToTheBot | None = None,
    follow_up: FollowUp | None = None,
) -> KnowledgeBase:
    """Index entries (and referral routes) already in memory (``load_kb`` reads files);
    ``model_words``: entry or route id -> texts only the domain model learns from;
    ``to_the_bot`` and ``follow_up``: how messages to the bot itself and messages that only ask
    how the asker's matter is going are told (none by default)."""
    by_id = {e.id: e for e in entries}
    by_route = {r.index_id: r for r in routes}
    extra = extra_phrasings or {}
    passages: list[Passage] = []
    for entry in by_id.values():
        for loc, title in entry.title.items():
            passages.append(Passage(entry.id, title, loc, kind="title"))
        for loc, asked in entry.phrasings.items():
            passages.extend(Passage(entry.id, text, loc) for text in asked)
        linked = (t for t in extra.get(entry.id, ()) if t.strip())
        passages.extend(Passage(entry.id, t, "", kind="linked") for t in linked)
    for route_id, route in by_route.items():
        for loc, asked in route.phrasings.items():
            passages.extend(Passage(route_id, text, loc) for text in asked)
    index = SearchIndex(passages, Analyzer(synonyms or Synonyms.load()))
    words = load_labour_words() if labour_words is None else frozenset(labour_words)
    others = load_labour_words(key="other_words") if other_words is None else other_words
    weak = load_labour_words(key="weak_labour_words") if weak_words is None else weak_words
    terms = load_labour_words(key="labour_terms") if labour_terms is None else labour_terms
    featurize = remembered_features()  # the two models read mostly the same texts
    return KnowledgeBase(
        MappingProxyType(by_id),
        index,
        MappingProxyType(by_route),
        words,
        frozenset(weak),
        frozenset(terms),
        tuple(sorted(set(others), key=len, reverse=True)),
        train_domain(by_id.values(), by_route.values(), extra, model_words, featurize),
        to_the_bot=to_the_bot,
        follow_up=follow_up,
        entry_model=train_entry_model(by_id.values(), by_route, extra, featurize),
    )


__all__ = [
    "ROUTE_PREFIX",
    "Citation",
    "Entry",
    "KnowledgeBase",
    "SearchResult",
    "build_kb",
    "load_entries",
    "load_kb",
]
