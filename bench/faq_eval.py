"""How well the FAQ search answers the labelled questions, and how fast.

Reads every ``bench/faq_eval/*.tsv`` (``<expected id>\\t<question>``) and
``bench/faq_eval/out_of_domain.txt`` (one question per line that must get "not sure"),
searches the real knowledge base and prints top-1/top-3 accuracy, the out-of-domain
rejection rate, the in-domain answered rate and p50/p99 latency; a held-out check that
does not use the labelled set (each entry's last phrasing, searched without it); the
worst misses; then the latency again on the knowledge base padded to 1,000 entries with
synthetic ones (made in memory). Targets: top-1 >= 0.90, rejection >= 0.90, p99 < 20 ms.

    .venv/bin/python bench/faq_eval.py            # the report
    .venv/bin/python bench/faq_eval.py --sweep    # also: what other thresholds would give
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge.faq import KnowledgeBase, SearchResult, build_kb, load_kb
from knowledge.faq_synonyms import Synonyms

EVAL_DIR = Path(__file__).with_name("faq_eval")
PADDED_SIZE = 1000
ROUNDS = 3  # each question is timed this many times


@dataclass(frozen=True)
class Outcome:
    expected: str | None  # None: out of domain
    question: str
    result: SearchResult

    @property
    def got(self) -> str | None:
        return self.result.best.id if self.result.best else None

    @property
    def top3(self) -> list[str]:
        return [e.id for e, _ in self.result.candidates[:3]]


def read_labelled(folder: Path) -> list[tuple[str, str]]:
    pairs = []
    for path in sorted(folder.glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#") or "\t" not in line:
                continue
            expected, question = line.split("\t", 1)
            pairs.append((expected.strip(), question.strip()))
    return pairs


def read_out_of_domain(folder: Path) -> list[str]:
    path = folder / "out_of_domain.txt"
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [q.strip() for q in lines if q.strip() and not q.startswith("#")]


def timed_search(kb: KnowledgeBase, questions: list[str]) -> tuple[list[SearchResult], list[float]]:
    results: list[SearchResult] = []
    times: list[float] = []
    for round_no in range(ROUNDS):
        for q in questions:
            start = time.perf_counter()
            r = kb.search(q)
            times.append((time.perf_counter() - start) * 1000)
            if round_no == 0:
                results.append(r)
    return results, times


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def padded(kb: KnowledgeBase, size: int, seed: int = 7) -> KnowledgeBase:
    """The real entries plus synthetic ones whose phrasings reshuffle the real vocabulary."""
    import jieba

    rng = random.Random(seed)
    real = list(kb.entries.values())
    vocab = [
        tok
        for e in real
        for texts in e.phrasings.values()
        for text in texts
        for tok in jieba.lcut(text)
        if tok.strip()
    ]
    template = real[0]
    synthetic = []
    for i in range(max(0, size - len(real))):
        phrasings = tuple(
            "".join(rng.choice(vocab) for _ in range(rng.randint(4, 9)))
            for _ in range(rng.randint(4, 8))
        )
        title = "".join(rng.choice(vocab) for _ in range(6))
        synthetic.append(
            replace(
                template,
                id=f"synthetic.e{i:04d}",
                title={"zh_CN": title},
                phrasings={"zh_CN": phrasings},
                related=(),
                reviewed=date(2026, 1, 1),
                top=False,
            )
        )
    return build_kb([*real, *synthetic], synonyms=Synonyms.load())


def held_out(kb: KnowledgeBase) -> tuple[float, float, int]:
    """Top-1 and top-3 for each entry's last Chinese phrasing, searched without it.

    Independent of the labelled set, so nothing was tuned on it. Harder than the labelled
    questions: a last phrasing is often a sub-topic nothing else in its entry mentions.
    """
    kept, questions = [], []
    for entry in kb.entries.values():
        asked = entry.phrasings.get("zh_CN", ())
        if len(asked) < 3:
            kept.append(entry)
            continue
        questions.append((entry.id, asked[-1]))
        kept.append(replace(entry, phrasings={**entry.phrasings, "zh_CN": asked[:-1]}))
    reduced = build_kb(kept, synonyms=Synonyms.load())
    top1 = top3 = 0
    for expected, question in questions:
        ids = [e.id for e, _ in reduced.search(question).candidates[:3]]
        top1 += ids[:1] == [expected]
        top3 += expected in ids
    n = max(len(questions), 1)
    return top1 / n, top3 / n, len(questions)


def report(outcomes: list[Outcome], times: list[float], kb: KnowledgeBase) -> None:
    labelled = [o for o in outcomes if o.expected is not None]
    ood = [o for o in outcomes if o.expected is None]
    unknown = sorted({o.expected for o in labelled if o.expected not in kb.entries})
    n = max(len(labelled), 1)
    top1 = sum(o.got == o.expected for o in labelled) / n
    top3 = sum(o.expected in o.top3 for o in labelled) / n
    answered = sum(o.result.answered for o in labelled) / n
    answered_right = sum(o.result.answered and o.got == o.expected for o in labelled) / n
    rejected = sum(not o.result.answered for o in ood) / max(len(ood), 1)
    english = sum(1 for e in kb.entries.values() if e.has_english())
    print(f"entries                  {len(kb.entries)} ({english} with English)")
    print(f"questions                {len(labelled)} labelled + {len(ood)} out of domain")
    if unknown:
        print(f"  labels with no entry   {len(unknown)}: {', '.join(unknown[:8])}")
    print(f"top-1 accuracy           {top1:.3f}")
    print(f"top-3 accuracy           {top3:.3f}")
    print(f"out-of-domain rejection  {rejected:.3f}")
    print(f"in-domain answered       {answered:.3f} (answered and right: {answered_right:.3f})")
    print(f"threshold                {kb.index.threshold:.2f} (confidence)")
    print(
        f"latency                  p50 {percentile(times, 50):.2f} ms, "
        f"p99 {percentile(times, 99):.2f} ms"
    )


def worst(outcomes: list[Outcome], limit: int = 20) -> None:
    misses = [o for o in outcomes if o.expected is not None and o.got != o.expected]
    misses.sort(key=lambda o: -o.result.confidence)
    leaks = [o for o in outcomes if o.expected is None and o.result.answered]
    leaks.sort(key=lambda o: -o.result.confidence)
    lines = [
        f"  miss {o.expected} -> {o.got} ({o.result.confidence:.2f}): {o.question[:60]}"
        for o in misses
    ] + [
        f"  out-of-domain answered -> {o.got} ({o.result.confidence:.2f}): {o.question[:60]}"
        for o in leaks
    ]
    if lines:
        print(f"worst misses ({len(misses)} wrong, {len(leaks)} out-of-domain answered):")
        # Share the lines between the two kinds when there are many of both.
        half = max(limit - min(len(leaks), limit // 2), limit // 2)
        shown = lines[: min(len(misses), half)] + lines[len(misses) :][: limit - half]
        print("\n".join(shown[:limit]))


def sweep(outcomes: list[Outcome]) -> None:
    """Rejection vs answered-and-right for other thresholds (for tuning only)."""
    labelled = [o for o in outcomes if o.expected is not None]
    ood = [o for o in outcomes if o.expected is None]
    print("threshold  rejection  answered  answered-right")
    for t in [x / 40 for x in range(8, 38)]:
        rej = sum(o.result.confidence < t for o in ood) / max(len(ood), 1)
        ans = sum(o.result.confidence >= t for o in labelled) / max(len(labelled), 1)
        right = sum(o.result.confidence >= t and o.got == o.expected for o in labelled)
        print(f"  {t:.2f}     {rej:.3f}      {ans:.3f}     {right / max(len(labelled), 1):.3f}")
    print("calibration (confidence bin: share right among in-domain + out-of-domain)")
    for lo in (0.0, 0.2, 0.4, 0.6, 0.8):
        group = [o for o in outcomes if lo <= o.result.confidence < lo + 0.2 + (lo == 0.8)]
        if group:
            right = sum(o.expected is not None and o.got == o.expected for o in group)
            print(f"  {lo:.1f}-{lo + 0.2:.1f}: {right}/{len(group)} = {right / len(group):.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folder", type=Path, default=None, help="knowledge base folder")
    ap.add_argument("--eval", type=Path, default=EVAL_DIR, help="labelled questions folder")
    ap.add_argument("--sweep", action="store_true", help="print a threshold sweep too")
    ap.add_argument("--no-pad", action="store_true", help="skip the 1,000-entry latency run")
    args = ap.parse_args(argv)

    start = time.perf_counter()
    kb = load_kb(args.folder)
    load_ms = (time.perf_counter() - start) * 1000
    labelled = read_labelled(args.eval)
    ood = read_out_of_domain(args.eval)
    questions = [q for _, q in labelled] + ood
    expected: list[str | None] = [e for e, _ in labelled] + [None] * len(ood)
    kb.search("预热")  # first call pays for lazy set-up
    results, times = timed_search(kb, questions)
    outcomes = [Outcome(e, q, r) for e, q, r in zip(expected, questions, results, strict=True)]
    print(f"load                     {load_ms:.0f} ms")
    report(outcomes, times, kb)
    top1, top3, count = held_out(kb)
    print(f"held-out phrasings       top-1 {top1:.3f}, top-3 {top3:.3f} ({count}, see held_out)")
    worst(outcomes)
    if args.sweep:
        sweep(outcomes)
    if not args.no_pad:
        big = padded(kb, PADDED_SIZE)
        _, big_times = timed_search(big, questions)
        print(
            f"padded to {len(big.entries)} entries   p50 {percentile(big_times, 50):.2f} ms, "
            f"p99 {percentile(big_times, 99):.2f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
