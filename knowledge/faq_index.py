"""The FAQ search index: analysis into units, weighted overlap, calibrated confidence.

A text becomes *units*: synonym hits (one concept each, :mod:`knowledge.faq_synonyms`) and
jieba words, each matching also on its sub-words. A unit weighs its IDF over entries (words
the knowledge base never uses weigh by their rarity in general Chinese); that weight is
spread over its forms. Every title and phrasing is a *passage*; the question scores against
each passage by the weight they share, relative to both sides' weights (long, rambling
questions lean on how much of the passage they cover). An entry scores as its best passage
plus a little for its second best, blended with how well all its passages together cover
the question. A logistic curve fitted on ``bench/faq_eval`` turns that into a confidence.
The best few entries are re-ranked with a little of the adjacent character pairs they share
with the question (逼迫离职 / 逼我离职; ``Hit.ranking``) and then by knowledge.entry_model;
the confidence stays on the lexical score, the signal that rejects best.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.char_pairs import PairTable, char_pairs
from knowledge.faq_synonyms import Synonyms
from knowledge.faq_text import (
    CONCEPT_MARK,
    cut,
    fold,
    is_content,
    is_word,
    rarity,
    subwords,
    word_frequency,
)
from knowledge.faq_typos import Homophones

# Tuned with bench/faq_eval.py (see the numbers there before changing them).
QUERY_EXPONENT = 0.5  # weight of "how much of the question is covered" vs "of the passage"
SHORT_QUESTION = 10  # units; longer questions lean more on how much of the passage they cover
CONCEPT_BOOST = 1.5  # a synonym-group hit weighs this much more than a plain word
UNKNOWN_WEIGHT = 1.3  # weight of words the knowledge base never uses, relative to a rare word
MIN_RARITY = 0.15  # ... times their rarity in general Chinese, at least this
SINGLE_CHAR = 0.5  # single characters (钱, 退) say less than words
# An English word the synonym table does not read: the English side of the index is thin, so
# a word its few English phrasings lack looks rarer than it is and can outweigh the matter
# ("do I have to pay anything to start a labour arbitration case" went to the overview of
# arbitration, not to its fees). Twenty-ninth pass, on the 1,117 English labour texts only the
# model learns from: top-1 1,008 → 1,017, answered right 940 → 959 (0.5: 1,014 and 967).
ENGLISH_WORD = 0.7
HEAD_SHARE = 0.4  # share of a unit's weight on the word itself; the rest on its sub-words
SUPPORT = 0.45  # share of the entry's second-best passage added to its best
ENTRY_SHARE = 0.5  # how much "all the entry's phrasings together cover the question" counts
CALIBRATION = (7.5, 0.41)  # confidence = 1 / (1 + exp(-a * (score - b)))
THRESHOLD = 0.65  # answered when confidence >= THRESHOLD
MAX_CANDIDATES = 600  # passages scored in full: those that share the most with the question
MAX_HITS = 10
RERANK = 0.3  # weight of character-pair overlap in re-ranking the best entries (tuned: LOPO)
# A question whose words weigh less than this share of one rare word (a word one passage has)
# says too little to be answered: 我该怎么办呢 is only 该 to the index, and one entry's
# phrasing of it made "unpaid wages" sure at 0.97. A share, since weights grow with the index
# (packaged: about 1.0 of 4.8). On the tuning set one labour question of 2,393 is below it,
# and it was answered wrongly.
VAGUE_SHARE = 0.2


@dataclass(frozen=True)
class Unit:
    """One meaningful piece of a text: a word, or a synonym hit (``concept``).

    ``forms`` are what it can match on: the word and its dictionary sub-words
    (劳动合同 -> 劳动, 合同), or for a synonym hit the concept mark plus the words of
    its canonical term, so 开除 (-> 解除劳动合同) partly matches 违法解除劳动合同.
    """

    head: str
    forms: tuple[str, ...]
    concept: bool = False


@dataclass(frozen=True)
class Analysis:
    """What the analyzer makes of one text."""

    units: tuple[Unit, ...]


class Analyzer:
    """Turns a text into units; the same for questions and phrasings."""

    def __init__(self, synonyms: Synonyms) -> None:
        self.synonyms = synonyms
        self.homophones: Homophones | None = None
        self._concepts: dict[str, Unit] = {}

    def learn_vocabulary(self, words: Iterable[str]) -> None:
        """Enable homophone repair of questions towards these words and the synonym terms."""
        self.homophones = Homophones([*words, *self.synonyms.terms()], word_frequency, cut)

    def analyze(self, text: str, *, repair: bool = False) -> Analysis:
        """Units of a text; ``repair`` fixes homophone slips first (for questions)."""
        folded = fold(text)
        if repair and self.homophones is not None:
            folded = self.homophones.repair(folded)
        units: list[Unit] = []
        for piece, canonical in self.synonyms.segments(folded):
            if canonical is not None:
                units.append(self._concept(canonical))
                continue
            for word in cut(piece):
                word = word.strip()
                if is_content(word):
                    units.append(Unit(word, (word, *subwords(word))))
        return Analysis(tuple(units))

    def _concept(self, canonical: str) -> Unit:
        unit = self._concepts.get(canonical)
        if unit is None:
            forms = [CONCEPT_MARK.format(canonical)]
            for word in cut(canonical):
                word = word.strip()
                if is_content(word):
                    forms += [word, *subwords(word)]
            unit = Unit(forms[0], tuple(dict.fromkeys(forms)), concept=True)
            self._concepts[canonical] = unit
        return unit


@dataclass(frozen=True)
class Passage:
    entry_id: str
    text: str
    locale: str  # "zh_CN", "en", or "" for linked phrasings (any language)
    kind: str = "phrasing"  # or "title", or "linked" (a question staff linked to the entry)


@dataclass(frozen=True)
class Hit:
    entry_id: str
    score: float  # similarity of the best passage (plus a little support)
    confidence: float
    ranking: float | None = None  # what the hits are ordered by, when not ``score``

    @property
    def rank_score(self) -> float:
        return self.score if self.ranking is None else self.ranking


@dataclass
class _Doc:
    entry: int
    vector: dict[str, float]  # form -> weight
    total: float  # sum of its unit weights


class SearchIndex:
    """Inverted index over passages; :meth:`search` returns entries best first."""

    threshold = THRESHOLD

    def __init__(self, passages: Sequence[Passage], analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.entry_ids: list[str] = list(dict.fromkeys(p.entry_id for p in passages))
        number = {eid: i for i, eid in enumerate(self.entry_ids)}
        written = [p for p in passages if p.kind != "linked"]
        analysed = [(number[p.entry_id], analyzer.analyze(p.text)) for p in written]
        # Character pairs of every passage, per entry: for re-ranking the best few entries.
        pairs: list[list[frozenset[str]]] = [[] for _ in self.entry_ids]
        for p in passages:
            pairs[number[p.entry_id]].append(char_pairs(p.text))
        self.pairs = PairTable(pairs)
        analyzer.learn_vocabulary(_forms(analysed))
        # Questions staff linked are users' words: read them like questions, slips repaired.
        analysed += [
            (number[p.entry_id], analyzer.analyze(p.text, repair=True))
            for p in passages
            if p.kind == "linked"
        ]
        doc_freq: dict[str, set[int]] = defaultdict(set)
        for entry, analysis in analysed:
            for unit in analysis.units:
                for form in unit.forms:
                    doc_freq[form].add(entry)
        n = max(len(self.entry_ids), 1)
        self.idf = {form: _idf(n, len(es)) for form, es in doc_freq.items()}
        self.unknown_idf = _idf(n, 1) * UNKNOWN_WEIGHT
        self.vague_mass = _idf(n, 1) * VAGUE_SHARE  # see VAGUE_SHARE
        self.docs: list[_Doc] = []
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        # all phrasings of an entry together, for "does the entry as a whole cover it"
        self.entry_vectors: list[dict[str, float]] = [{} for _ in self.entry_ids]
        for entry, analysis in analysed:
            vector, total = self.vector(analysis)
            if not vector:
                continue
            self.docs.append(_Doc(entry, vector, total))
            merged = self.entry_vectors[entry]
            for form, weight in vector.items():
                self.postings[form].append((len(self.docs) - 1, weight))
                merged[form] = max(merged.get(form, 0.0), weight)
        # The same postings as arrays (passage numbers, weights): a question adds up what it
        # shares with every passage in a few vector operations per word.
        self.arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {
            form: (
                np.fromiter((d for d, _ in docs), np.intp, len(docs)),
                np.fromiter((w for _, w in docs), np.float64, len(docs)),
            )
            for form, docs in self.postings.items()
        }
        self.doc_entry = np.fromiter((d.entry for d in self.docs), np.intp, len(self.docs))
        self.doc_total = np.fromiter((d.total for d in self.docs), np.float64, len(self.docs))
        # Per form, the entries that use it and their merged weight: how well all of an
        # entry's passages together cover a question, for every entry in one pass per form.
        having: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for entry, merged in enumerate(self.entry_vectors):
            for form, weight in merged.items():
                having[form].append((entry, weight))
        self.entry_arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {
            form: (
                np.fromiter((e for e, _ in pairs), np.intp, len(pairs)),
                np.fromiter((w for _, w in pairs), np.float64, len(pairs)),
            )
            for form, pairs in having.items()
        }

    def unit_weight(self, unit: Unit) -> float:
        weight = self.idf.get(unit.head)
        if weight is None:  # never used by the knowledge base: weigh by rarity in general
            weight = self.unknown_idf * max(MIN_RARITY, rarity(unit.head))
        if unit.concept:
            return weight * CONCEPT_BOOST
        if unit.head.isascii() and unit.head.isalpha():
            weight *= ENGLISH_WORD
        return weight * SINGLE_CHAR if len(unit.head) == 1 else weight

    def vector(self, analysis: Analysis) -> tuple[dict[str, float], float]:
        """Form -> weight, each unit's weight spread over its forms; and the total weight."""
        vector: dict[str, float] = defaultdict(float)
        total = 0.0
        for unit in dict.fromkeys(analysis.units):
            weight = self.unit_weight(unit)
            total += weight
            rest = unit.forms[1:]
            head_share = HEAD_SHARE if rest else 1.0
            vector[unit.head] += weight * head_share
            for form in rest:
                vector[form] += weight * (1 - head_share) / len(rest)
        return vector, total

    def _shared(self, vector: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Passages that share weight with the question, and that weight (sum over forms of
        the smaller side).

        Every word of the question that some passage has counts. (Finding passages through
        the rarer words alone lost the right entry whenever one rare word stood for the
        question: an English "decision" no passage has, or a "last" in two unrelated ones;
        at 1,000 entries the whole sum still takes about 2.5 ms at p99.) In a big knowledge
        base, only the passages that share the most are scored in full.
        """
        total = _sum_per_row(self.arrays, vector, len(self.docs))
        found_docs = np.flatnonzero(total)
        if len(found_docs) > MAX_CANDIDATES:
            found_docs = found_docs[_most(total[found_docs], MAX_CANDIDATES)]
        return found_docs, total[found_docs]

    def _covered(self, vector: dict[str, float], q_total: float) -> np.ndarray:
        """Entry -> share of the question that all its passages together cover."""
        return _sum_per_row(self.entry_arrays, vector, len(self.entry_ids)) / q_total

    def search(self, question: str) -> list[Hit]:
        """Entries that share words with the question, best first, with confidences."""
        return self.search_weighed(question)[0]

    def search_weighed(self, question: str) -> tuple[list[Hit], float]:
        """The hits, and how much the question's words weigh (against ``vague_mass``; a
        question that names a synonym concept weighs at least that)."""
        analysis = self.analyzer.analyze(question, repair=True)
        vector, q_total = self.vector(analysis)
        if not vector:
            return [], 0.0
        # A synonym group's concept names a matter however common it is in the index: 欠薪
        # alone (拖欠劳动报酬, in hundreds of passages) fell below the vague mass as the index
        # grew (thirty-fifth pass), and a question that names a matter is not vague.
        named = any(unit.concept for unit in analysis.units)
        weight = max(q_total, self.vague_mass) if named else q_total
        docs, shared = self._shared(vector)
        if not len(docs):
            return [], weight
        # A rambling question is judged more by how much of the passage it covers.
        a = QUERY_EXPONENT * min(1.0, SHORT_QUESTION / max(len(analysis.units), 1))
        of_doc = self.doc_entry[docs]
        scores = shared / (q_total**a * self.doc_total[docs] ** (1 - a))
        # An entry scores as its best passage plus a little of its second best.
        order = np.lexsort((-scores, of_doc))
        entries, ranked = of_doc[order], scores[order]
        first = np.flatnonzero(np.r_[True, entries[1:] != entries[:-1]])
        has_second = np.r_[first[1:], len(entries)] - first > 1
        second = np.where(has_second, ranked[np.minimum(first + 1, len(ranked) - 1)], 0.0)
        entry_score = ranked[first] + SUPPORT * second
        candidates = entries[first]
        mass = np.bincount(of_doc, weights=shared, minlength=len(self.entry_ids))
        bound = (1 - ENTRY_SHARE) * entry_score + ENTRY_SHARE * np.minimum(
            1.0, mass[candidates] / q_total
        )
        covered = self._covered(vector, q_total)
        best = sorted(
            zip(bound.tolist(), entry_score.tolist(), candidates.tolist(), strict=True),
            reverse=True,
        )
        scored: list[tuple[float, int]] = []
        for bound_e, score, entry in best:
            # All of the entry's phrasings together cover no more than they share one by one.
            if len(scored) >= MAX_HITS and bound_e <= scored[-1][0]:
                break
            scored.append(((1 - ENTRY_SHARE) * score + ENTRY_SHARE * float(covered[entry]), entry))
            scored.sort(reverse=True)
            del scored[MAX_HITS:]
        if RERANK and len(scored) > 1:
            overlap = self.pairs.closest(char_pairs(question), [e for _, e in scored])
            reranked = sorted(
                ((s + RERANK * overlap[e], s, e) for s, e in scored),
                reverse=True,
            )
            return [Hit(self.entry_ids[e], s, calibrate(s), r) for r, s, e in reranked], weight
        return [Hit(self.entry_ids[e], s, calibrate(s)) for s, e in scored], weight


def _sum_per_row(
    postings: dict[str, tuple[np.ndarray, np.ndarray]], vector: dict[str, float], rows: int
) -> np.ndarray:
    """Row (passage or entry) -> sum over the question's forms of the smaller of the row's
    weight and the question's. One bincount over all the forms' postings at once: it adds
    in the forms' order, so the sums are the same as form by form."""
    found = [(postings[form], q) for form, q in vector.items() if form in postings]
    if not found:
        return np.zeros(rows)
    where = np.concatenate([f[0] for f, _ in found])
    weights = np.concatenate([np.minimum(f[1], q) for f, q in found])
    return np.bincount(where, weights=weights, minlength=rows)


def _most(values: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` largest values, the most first, equal ones in position order:
    what a stable sort of all of them would give, at the cost of a partition."""
    cut = np.partition(values, len(values) - n)[len(values) - n]  # the n-th largest
    above = np.flatnonzero(values > cut)
    level = np.flatnonzero(values == cut)[: n - len(above)]
    keep = np.sort(np.concatenate([above, level]))
    return keep[np.argsort(-values[keep], kind="stable")]


def _forms(analysed: Iterable[tuple[int, Analysis]]) -> set[str]:
    """The words questions are repaired towards: a word the dictionary knows, or one that two
    passages use. A word only one passage has may be that passage's own slip (交社报, written
    to teach the search how people type): as a target it would turn every 交社保 into it."""
    seen: Counter[str] = Counter()
    for _, analysis in analysed:
        seen.update({form for unit in analysis.units for form in unit.forms})
    return {form for form, n in seen.items() if n >= 2 or is_word(form)}


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def calibrate(score: float) -> float:
    """Raw similarity -> confidence in [0, 1]."""
    a, b = CALIBRATION
    return 1.0 / (1.0 + math.exp(-a * (score - b)))
