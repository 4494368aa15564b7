"""One knowledge base per set of files, shared by every bot of the process and kept on disk
between processes (:mod:`knowledge.kb_cache`): what :func:`knowledge.faq.load_kb` builds, built
once."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

from knowledge.faq import KnowledgeBase, load_kb, synonyms_path
from knowledge.faq_files import DEFAULT_FOLDER
from knowledge.kb_cache import Inputs, code, files_under, fingerprint, load_named
from knowledge.referrals import REFERRALS_PATH

SHARED = 2  # knowledge bases kept in one process (a few hundred MB each): the latest used


_shared: dict[str, KnowledgeBase] = {}
_shared_lock = threading.Lock()


def load_kb_shared(
    extra_phrasings: Mapping[str, Sequence[str]],
    folder: Path | None = None,
    referrals: Path | None = None,
) -> KnowledgeBase:
    """What :func:`load_kb` builds, built once: bots in one process share it (several in the
    tests), and a build made before is read from the disk cache (knowledge.kb_cache). Both
    are named by the fingerprint of the files as they are now: a changed file is a new build.
    ``folder`` and ``referrals`` default to the packaged ones."""
    folder, referrals = folder or DEFAULT_FOLDER, referrals or REFERRALS_PATH
    pairs = sorted((k, t) for k, texts in extra_phrasings.items() for t in texts)
    inputs = [*code(), *build_files(folder, referrals)]
    linked = [f"{entry_id}\t{text}" for entry_id, text in pairs]
    name = fingerprint(linked, inputs)
    with _shared_lock:
        kb = _shared.pop(name, None)
        if kb is None:
            build = partial(load_kb, folder, extra_phrasings=extra_phrasings, referrals=referrals)
            kb = load_named(name, build, KnowledgeBase, partial(_same, name, linked, inputs))
        _shared[name] = kb  # the latest used last: the oldest goes first
        for old in list(_shared)[:-SHARED]:
            del _shared[old]
        return kb


def build_files(folder: Path, referrals: Path) -> list[tuple[str, Path]]:
    """The knowledge files a build of ``folder`` and ``referrals`` reads, each named by its
    place: every ``*.toml`` of the folder (entries, laws, synonyms, phrasings/, model_words/),
    the packaged synonyms when the folder has none of its own, and the referral routes."""
    files = files_under(folder, "*.toml", prefix="faq/")
    synonyms = synonyms_path(folder)
    if synonyms.parent != folder:
        files.append(("synonyms", synonyms))
    return [*files, ("referrals", referrals)]


def _same(name: str, linked: list[str], inputs: Inputs) -> bool:
    """The files are still those ``name`` was taken from (none changed during the build)."""
    try:
        return fingerprint(linked, inputs) == name
    except OSError:  # one was removed meanwhile
        return False
