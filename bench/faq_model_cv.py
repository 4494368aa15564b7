"""The whole decision, cross-validated over the questions only the domain model learns from.

``knowledge/faq/model_words/examples*.toml`` hold the earlier passes' tuning questions: the
domain model learns from them, the search never indexes them. Split into K folds, each fold
is decided by the real search with a domain model trained without it, so no question is
decided by a model that saw it. That makes some 12,500 labelled questions (about 6,000 labour
and 6,000 everyday ones, most near the border) a yardstick for the gate's thresholds
(``knowledge/faq_gate.py``, ``GateSettings``), far larger than the tuning set in
``bench/faq_eval/tuning``. The search was tuned on many of these questions when they were
tuning questions, so the figures are optimistic in absolute terms; they are meant for
comparing settings. Held-out figures remain ``bench/faq_eval.py``'s.

    .venv/bin/python -m bench.faq_model_cv                          # the shipped gate
    .venv/bin/python -m bench.faq_model_cv unsure_veto=-0.3 veto=-0.2   # other settings
    .venv/bin/python -m bench.faq_model_cv --misses 30              # and what they get wrong
"""

from __future__ import annotations

import argparse
import time
import zlib
from dataclasses import dataclass, fields, replace

from knowledge.domain_model import DomainModel, train_domain
from knowledge.faq import DEFAULT_FOLDER, KnowledgeBase, load_kb
from knowledge.faq_files import (
    MODEL_WORDS_FOLDER,
    load_extra_phrasings,
    phrasing_files,
    read_extra_phrasings,
)
from knowledge.faq_gate import GateSettings

Example = tuple[str, str]  # (entry or route id, question)


def examples() -> list[Example]:
    """Every question of the examples files, in a fixed order."""
    found: set[Example] = set()
    for path in phrasing_files(DEFAULT_FOLDER, MODEL_WORDS_FOLDER):
        if path.name.startswith("examples"):
            for item_id, by_locale in read_extra_phrasings(path).items():
                for texts in by_locale.values():
                    found.update((item_id, text) for text in texts)
    return sorted(found)


def split(items: list[Example], k: int) -> list[list[Example]]:
    """K folds, each question's fixed by a checksum of its text: questions added to the
    examples later join folds of their own and move no other question (a shuffled list's
    slices would put most questions in another fold, and two runs before and after a change
    of the examples would differ by the folds as much as by the change; thirty-second pass)."""
    folds: list[list[Example]] = [[] for _ in range(k)]
    for item in items:
        folds[zlib.crc32(f"{item[0]}\t{item[1]}".encode()) % k].append(item)
    return folds


def fold_models(kb: KnowledgeBase, folds: list[list[Example]]) -> list[DomainModel]:
    """One domain model per fold, trained on everything but that fold."""
    words = load_extra_phrasings(DEFAULT_FOLDER, MODEL_WORDS_FOLDER)
    models = []
    for fold in folds:
        left_out = set(fold)
        kept = {
            item: {loc: tuple(t for t in ts if (item, t) not in left_out) for loc, ts in by.items()}
            for item, by in words.items()
        }
        model = train_domain(kb.entries.values(), kb.routes.values(), model_words=kept)
        assert model is not None, "the knowledge base is too small for a domain model"
        models.append(model)
    return models


@dataclass
class Figures:
    labour: int = 0
    answered: int = 0
    answered_right: int = 0
    sent_away: int = 0
    everyday: int = 0
    everyday_answered: int = 0
    referred_right: int = 0

    def line(self) -> str:
        n, m = max(self.labour, 1), max(self.everyday, 1)
        return (
            f"labour {self.labour}: answered {self.answered / n:.4f} (right "
            f"{self.answered_right / n:.4f}), sent away {self.sent_away}; everyday "
            f"{self.everyday}: answered {self.everyday_answered}, referred right "
            f"{self.referred_right / m:.4f}"
        )


def decide(
    kb: KnowledgeBase, folds: list[list[Example]], models: list[DomainModel], misses: list[str]
) -> Figures:
    """Each fold searched with the model that never saw it."""
    out = Figures()
    for fold, model in zip(folds, models, strict=True):
        kb.domain = model
        for item_id, question in fold:
            result = kb.search(question)
            route = result.referral.id if result.referral else None
            best = result.best.id if result.best else None
            if "." in item_id:  # an entry id (pay.arrears); routes have none (tenancy)
                out.labour += 1
                out.answered += result.answered
                out.answered_right += result.answered and best == item_id
                out.sent_away += route is not None
                if route:
                    misses.append(f"sent to {route}: {item_id}: {question[:60]}")
            else:
                out.everyday += 1
                out.everyday_answered += result.answered
                out.referred_right += route == item_id
                if result.answered:
                    misses.append(f"answered {best}: {item_id}: {question[:60]}")
    return out


def settings_from(pairs: list[str]) -> GateSettings:
    """``name=value`` pairs over the shipped settings."""
    known = {f.name for f in fields(GateSettings)}
    changes: dict[str, float] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in known or not value:
            raise SystemExit(f"unknown setting {pair!r}: use name=value, names: {sorted(known)}")
        changes[name] = float(value)
    return replace(GateSettings(), **changes)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("settings", nargs="*", help="gate settings to change, as name=value")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--misses", type=int, default=0, help="questions decided wrongly, listed")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    kb = load_kb()
    kb.warm()
    folds = split(examples(), args.folds)
    models = fold_models(kb, folds)
    kb.gate = settings_from(args.settings)
    misses: list[str] = []
    figures = decide(kb, folds, models, misses)
    print(f"{args.folds}-fold, {' '.join(args.settings) or 'the shipped gate'}: {figures.line()}")
    print("\n".join(sorted(misses)[: args.misses]))
    print(f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
