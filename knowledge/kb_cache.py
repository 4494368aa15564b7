"""The built knowledge base kept on disk, so that a start does not build it again.

Building the packaged knowledge base (jieba over some 8,800 passages, the domain and entry
models) takes about eight seconds on a quiet machine of two cores since the twenty-second pass
added a logistic regression to the domain model (about five before; more on a busy one);
every bot process did it before it listened, and the test suite starts dozens of them.
Read back from disk it takes about half a second.

The file is named by a fingerprint of everything the build reads or runs: the code (every
``*.py`` under ``knowledge/``), the files it reads (for the knowledge base: the entries,
phrasings, model texts, synonyms and referral routes, named by their place in their folder,
so that a copy elsewhere is the same build), the questions staff linked to entries, and the
versions of Python and of the libraries the index is made with. Any change gives a new name,
so a stale file is never read; the few most recently used are kept. A file that cannot be
read is built again and replaced.

Where: ``MEDIATION_BOT_CACHE_DIR``, else systemd's ``CACHE_DIRECTORY`` (``CacheDirectory=``
in the unit), else ``$XDG_CACHE_HOME`` or ``~/.cache``, under ``labour-mediation-bot``.
``MEDIATION_BOT_CACHE_DIR=off`` turns it off. The files are pickles: only the bot's own
user may write that folder (systemd's cache directory is the service's own).
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import logging
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

if sys.platform != "win32":
    import fcntl

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent
KEEP = 4  # the most recently used files kept (about 40 MB each); others go after a write
LIBRARIES = ("jieba", "numpy", "zhconv", "pypinyin", "rapidfuzz")
PREFIX = "kb-"
LEFTOVER_AGE = 3600  # seconds: a temporary file this old was left by a stopped process
WAIT = 120  # seconds a process waits for another building the same knowledge base

T = TypeVar("T")


def cache_dir() -> Path | None:
    """Where the built knowledge base is kept (None: not kept)."""
    own = os.environ.get("MEDIATION_BOT_CACHE_DIR")
    if own is not None:
        return None if own.strip().lower() in ("", "off", "0", "no") else Path(own)
    systemd = os.environ.get("CACHE_DIRECTORY")
    if systemd:
        return Path(systemd.split(":")[0])
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no home to be found: built at every start
            return None
    return Path(base) / "labour-mediation-bot"


Inputs = Sequence[tuple[str, Path]]  # what a build reads: (a name for it, where it is)


def files_under(root: Path, *patterns: str, prefix: str = "") -> list[tuple[str, Path]]:
    """The files under ``root`` that match ``patterns``, each named by its path below
    ``root`` (after ``prefix``): the same files elsewhere have the same names."""
    found = sorted({p for pattern in patterns for p in root.rglob(pattern)})
    return [(prefix + p.relative_to(root).as_posix(), p) for p in found]


def code() -> list[tuple[str, Path]]:
    """The code a knowledge base is built with (every module of ``knowledge``)."""
    return files_under(PACKAGE, "*.py", prefix="code/")


def fingerprint(extra: Iterable[str], inputs: Inputs) -> str:
    """A name for one build: the contents of ``inputs``, ``extra`` and the versions."""
    digest = hashlib.sha256()
    for name, path in inputs:
        digest.update(name.encode())
        digest.update(b"\0" + path.read_bytes() + b"\0")
    digest.update(sys.version.encode())
    for library in LIBRARIES:
        try:
            digest.update(f"{library} {metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(library.encode())
    for text in extra:
        digest.update(b"\1" + text.encode())
    return digest.hexdigest()[:40]


def load_or_build(extra: Iterable[str], build: Callable[[], T], kind: type[T], inputs: Inputs) -> T:
    """What ``build`` makes of ``inputs`` (and ``extra``): read from the cache folder when a
    build of exactly these is there (and is a ``kind``), else built and kept."""
    return load_named(fingerprint(extra, inputs), build, kind)


def load_named(
    name: str, build: Callable[[], T], kind: type[T], unchanged: Callable[[], bool] = lambda: True
) -> T:
    """The build named ``name`` (:func:`fingerprint`): read when kept, else built and kept
    if ``unchanged`` (the files it was named after were not changed while it was built).
    Processes that need the same build at once (a bot and its search process after a
    deploy, two bots) build it once: the others wait for it and read it."""
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{PREFIX}{name}.pickle"
    kept = _read(path, kind)
    if kept is not None:
        return kept
    with _building(folder, name):
        kept = _read(path, kind)  # built by another process while this one waited
        if kept is not None:
            return kept
        built = build()
        if unchanged():
            _write(folder, path, built)
    return built


def _read(path: Path, kind: type[T]) -> T | None:
    """The build kept at ``path`` (None: none, or one that cannot be read)."""
    try:
        with path.open("rb") as file:
            kept = pickle.load(file)  # the bot user's own folder: see the docstring
        if isinstance(kept, kind):
            _touch(path)  # recently used: kept when older builds are removed
            return kept
        log.warning("the cached knowledge base %s holds a %s: rebuilt", path, type(kept))
    except FileNotFoundError:
        pass
    except Exception as exc:  # a half-written or foreign file: built again and replaced
        log.warning("the cached knowledge base %s could not be read (%s): rebuilt", path, exc)
    return None


@contextlib.contextmanager
def _building(folder: Path, name: str) -> Iterator[None]:
    """Held by the one process building ``name``; another waits for it up to ``WAIT``
    seconds, then builds anyway. The lock (``flock``) goes with the process, so one that
    stops mid-build holds nobody up. Its file is removed once the build is written: a
    process still waiting on the removed file then reads the build; at worst (the build
    could not be written) two build at once, as without the lock."""
    if sys.platform == "win32":  # no flock: each process builds for itself
        yield
        return
    lock = folder / f".kb-{name}.lock"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    held = False
    try:
        deadline = time.monotonic() + WAIT
        while not held:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    log.warning("another process has been building %s for %d s", name, WAIT)
                    break
                time.sleep(0.05)
        yield
    finally:
        if held:  # a process that gave up waiting leaves the holder's file alone
            lock.unlink(missing_ok=True)
        os.close(handle)  # and with it the lock


def _write(folder: Path, path: Path, built: Any) -> None:
    """Write atomically (another process may be reading it), then drop the oldest files."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".kb-")
    except OSError as exc:
        log.warning("the knowledge base could not be cached in %s: %s", folder, exc)
        return
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(built, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except Exception as exc:  # a full disk, or something pickle cannot store: not kept
        log.warning("the knowledge base could not be cached in %s: %s", folder, exc)
        Path(temporary).unlink(missing_ok=True)
        return
    for stale in sorted(folder.glob(f"{PREFIX}*.pickle"), key=_age)[KEEP:]:
        stale.unlink(missing_ok=True)
    for leftover in folder.glob(".kb-*"):  # a process stopped while writing
        if _age(leftover) > LEFTOVER_AGE:
            leftover.unlink(missing_ok=True)


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(path)


def _age(path: Path) -> float:
    """Seconds since the file was written (a file another process just removed: oldest)."""
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return float("inf")


def _mapping(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


def _reduce_mapping(proxy: MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return (_mapping, (dict(proxy),))


# The knowledge base hands out read-only views of its entries and routes (MappingProxyType),
# which pickle cannot store by itself.
copyreg.pickle(MappingProxyType, _reduce_mapping)
