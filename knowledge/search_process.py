"""The FAQ search in a process of its own: ``python -m knowledge.search_process``.

The search is the bot's heaviest piece of work per question (about a millisecond of CPU on
two cores, a third of the whole message), and it holds the event loop while it runs. A bot
process with a second core can hand it to this child process: the bot sends each text
message here as it arrives, before it queues for the database, and finds the answer ready
when its turn comes (handlers/conversation/search_ahead.py).

The child builds the same knowledge base as its parent (the same files, the same
staff-linked phrasings: the build is deterministic) and answers in ids, which the parent
reads back against its own entries and routes. Frames both ways are a 4-byte big-endian
length and a pickle; the parent is the only one who writes to this process.

    parent -> child   ("build", generation, BuildSpec)
                      ("search", request id, question, locale)
    child -> parent   ("built", generation, error or "")
                      ("found", request id, generation, packed result)
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import signal
import struct
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from knowledge.faq import KnowledgeBase, SearchResult
from knowledge.faq_entries import Locale
from knowledge.faq_gate import Evidence
from knowledge.kb_shared import load_kb_shared
from knowledge.referrals import ROUTE_PREFIX

log = logging.getLogger(__name__)

HEADER = struct.Struct(">I")
MAX_FRAME = 16 * 1024 * 1024  # a build spec carries every linked phrasing


@dataclass(frozen=True)
class BuildSpec:
    """What the parent built its knowledge base from: the staff-linked phrasings, and the
    files when they are not the packaged ones (tests)."""

    extra: Mapping[str, Sequence[str]] = field(default_factory=dict)
    folder: str | None = None
    referrals: str | None = None


# (best id, confidence, answered, related ids, candidates as (id, confidence), route id,
# evidence, vague)
Packed = tuple[
    str | None,
    float,
    bool,
    tuple[str, ...],
    tuple[tuple[str, float], ...],
    str | None,
    Evidence | None,
    bool,
]


def build(spec: BuildSpec) -> KnowledgeBase:
    """The knowledge base the parent has, built the way it built it."""
    extra = {k: list(v) for k, v in spec.extra.items()}
    folder = Path(spec.folder) if spec.folder else None
    kb = load_kb_shared(extra, folder, Path(spec.referrals) if spec.referrals else None)
    kb.warm()
    return kb


def pack(result: SearchResult) -> Packed:
    """A search result in ids and numbers: what crosses between the processes."""
    return (
        result.best.id if result.best else None,
        result.confidence,
        result.answered,
        tuple(e.id for e in result.related),
        tuple((e.id, conf) for e, conf in result.candidates),
        result.referral.id if result.referral else None,
        result.evidence,
        result.vague,
    )


def unpack(kb: KnowledgeBase, packed: Packed) -> SearchResult | None:
    """The result against the parent's own entries and routes; None when it names one this
    knowledge base does not have (it was built from something else)."""
    best_id, confidence, answered, related, candidates, route_id, evidence, vague = packed
    try:
        best = kb.entries[best_id] if best_id is not None else None
        route = kb.routes[ROUTE_PREFIX + route_id] if route_id is not None else None
        return SearchResult(
            best=best,
            confidence=confidence,
            answered=answered,
            related=tuple(kb.entries[i] for i in related),
            candidates=tuple((kb.entries[i], conf) for i, conf in candidates),
            referral=route,
            evidence=evidence,
            vague=vague,
        )
    except KeyError:
        return None


def frame(message: object) -> bytes:
    """One message: its length, then its pickle."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


def write_frame(out: IO[bytes], message: object) -> None:
    out.write(frame(message))
    out.flush()


def read_frame(src: IO[bytes]) -> Any | None:
    """The next message, or None at the end of the input."""
    header = src.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    if size > MAX_FRAME:
        raise ValueError(f"a frame of {size} bytes")
    data = src.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)  # from our own parent, over our own pipe


def serve(src: IO[bytes], out: IO[bytes]) -> None:
    """Answer the parent until its end of the pipe closes."""
    kb: KnowledgeBase | None = None
    generation = -1
    while (message := read_frame(src)) is not None:
        if message[0] == "build":
            _, generation, spec = message
            try:
                kb = build(spec)
                write_frame(out, ("built", generation, ""))
            except Exception as exc:  # the parent searches on its own until the next build
                log.exception("the search process could not build the knowledge base")
                kb = None
                write_frame(out, ("built", generation, f"{type(exc).__name__}: {exc}"))
        elif message[0] == "search":
            _, request, question, locale = message
            write_frame(out, ("found", request, generation, _search(kb, question, locale)))


def _search(kb: KnowledgeBase | None, question: str, locale: Locale) -> Packed | None:
    """None: no knowledge base, or the search failed here (the parent searches itself)."""
    if kb is None:
        return None
    try:
        return pack(kb.search(question, locale))
    except Exception:
        log.exception("a search failed in the search process")
        return None


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="search process: %(message)s")
    # Ctrl-C in a terminal and systemd's stop reach the whole group: this process ends when
    # its parent closes the pipe (or dies), so the parent's shutdown is not disturbed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The frames own standard output: anything a library prints goes to standard error.
    frames = sys.stdout.buffer
    sys.stdout = sys.stderr
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        serve(sys.stdin.buffer, frames)


if __name__ == "__main__":
    main()
