"""The built knowledge base is kept on disk, so a restart answers within a second or so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from knowledge import kb_cache, kb_shared
from knowledge.faq import KnowledgeBase, SearchResult
from knowledge.kb_shared import load_kb_shared
from tests.test_faq import write_sample


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MEDIATION_BOT_CACHE_DIR", str(folder))
    return folder


def knowledge_folder(root: Path) -> Path:
    (root / "faq").mkdir(parents=True)
    (root / "faq" / "pay.toml").write_text('[entry]\nid = "pay.arrears"\n', encoding="utf-8")
    (root / "referrals.toml").write_text("labour_words = []\n", encoding="utf-8")
    return root


def inputs(root: Path) -> kb_cache.Inputs:
    """What a build of the files under ``root`` reads."""
    return kb_cache.files_under(root, "*.toml", "*.py")


class Builds:
    """A build that counts how often it ran."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> dict[str, int]:
        self.count += 1
        return {"built": self.count}


def test_a_second_start_reads_the_knowledge_base_instead_of_building_it(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kb_shared, "_shared", {})  # as in a new process
    first = load_kb_shared({"pay.arrears": ["老板欠我三个月的血汗钱"]})
    assert len(list(cache.glob("kb-*.pickle"))) == 1

    def no_build(*args: object, **kwargs: object) -> KnowledgeBase:
        raise AssertionError("built again")

    monkeypatch.setattr(kb_shared, "_shared", {})
    monkeypatch.setattr(kb_shared, "load_kb", no_build)
    started = time.perf_counter()
    again = load_kb_shared({"pay.arrears": ["老板欠我三个月的血汗钱"]})
    assert time.perf_counter() - started < 5
    for question in QUESTIONS:
        before, after = first.search(question), again.search(question)
        assert before.best == after.best and before.answered == after.answered
        assert before.confidence == after.confidence and before.referral == after.referral
    # another set of linked questions is another build
    with pytest.raises(AssertionError, match="built again"):
        load_kb_shared({"pay.arrears": ["老板跑路了"]})
    # a new process (jieba and the tables not yet loaded) answers from the file as built
    assert answers_in_a_new_process(cache) == [
        described(first.search(question)) for question in QUESTIONS
    ]


QUESTIONS = ("老板欠我三个月的血汗钱", "房东不退押金怎么办", "調解要多久", "被炒鱿鱼有补偿吗")


def described(result: SearchResult) -> list[object]:
    referral = result.referral.id if result.referral else None
    return [result.best.id if result.best else None, result.answered, result.confidence, referral]


def answers_in_a_new_process(cache: Path) -> list[list[object]]:
    code = f"""
import json
from knowledge import kb_shared
def refuse(*args, **kwargs):
    raise SystemExit("built again")
kb_shared.load_kb = refuse
kb = kb_shared.load_kb_shared({{"pay.arrears": ["老板欠我三个月的血汗钱"]}})
print(json.dumps([[r.best.id if r.best else None, r.answered, r.confidence,
                   r.referral.id if r.referral else None]
                  for r in map(kb.search, {QUESTIONS!r})]))
"""
    env = {**os.environ, "MEDIATION_BOT_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_a_changed_file_or_linked_question_is_a_new_build(tmp_path: Path) -> None:
    root = knowledge_folder(tmp_path / "knowledge")
    name = kb_cache.fingerprint([], inputs(root))
    assert kb_cache.fingerprint([], inputs(root)) == name
    assert kb_cache.fingerprint(["pay.arrears\t老板跑路了"], inputs(root)) != name
    (root / "faq" / "pay.toml").write_text('[entry]\nid = "pay.unpaid"\n', encoding="utf-8")
    assert kb_cache.fingerprint([], inputs(root)) != name
    knowledge_folder(tmp_path / "other")  # the same files elsewhere: the same build
    (tmp_path / "other" / "faq" / "pay.toml").write_text(
        '[entry]\nid = "pay.unpaid"\n', encoding="utf-8"
    )
    assert kb_cache.fingerprint([], inputs(tmp_path / "other")) == kb_cache.fingerprint(
        [], inputs(root)
    )


def test_built_once_then_read(cache: Path, tmp_path: Path) -> None:
    root, build = knowledge_folder(tmp_path / "knowledge"), Builds()
    assert kb_cache.load_or_build([], build, dict, inputs(root)) == {"built": 1}
    assert kb_cache.load_or_build([], build, dict, inputs(root)) == {"built": 1}
    assert build.count == 1


def test_an_unreadable_cache_file_is_built_again_and_replaced(cache: Path, tmp_path: Path) -> None:
    root, build = knowledge_folder(tmp_path / "knowledge"), Builds()
    cache.mkdir()
    path = cache / f"kb-{kb_cache.fingerprint([], inputs(root))}.pickle"
    path.write_bytes(b"half a file")
    assert kb_cache.load_or_build([], build, dict, inputs(root)) == {"built": 1}
    assert kb_cache.load_or_build([], build, dict, inputs(root)) == {"built": 1}  # replaced
    # something else entirely: a list where a dict should be
    kb_cache._write(cache, path, ["not", "a", "knowledge", "base"])
    assert kb_cache.load_or_build([], build, dict, inputs(root)) == {"built": 2}


def test_without_a_usable_folder_it_is_built_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, build = knowledge_folder(tmp_path / "knowledge"), Builds()
    monkeypatch.setenv("MEDIATION_BOT_CACHE_DIR", "off")
    assert kb_cache.cache_dir() is None
    kb_cache.load_or_build([], build, dict, inputs(root))
    kb_cache.load_or_build([], build, dict, inputs(root))
    assert build.count == 2
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIATION_BOT_CACHE_DIR", str(blocked))
    assert kb_cache.load_or_build([], build, dict, inputs(root)) == {"built": 3}  # no error
    # a build pickle cannot store (here a lock) is answered from all the same, and not kept
    monkeypatch.setenv("MEDIATION_BOT_CACHE_DIR", str(tmp_path / "cache"))
    locked = {"lock": threading.Lock()}
    assert kb_cache.load_or_build([], lambda: locked, dict, inputs(root)) is locked
    assert list((tmp_path / "cache").iterdir()) == []


def test_the_folder_follows_systemd_and_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDIATION_BOT_CACHE_DIR", raising=False)
    monkeypatch.setenv("CACHE_DIRECTORY", "/var/cache/mediation-bot")
    assert kb_cache.cache_dir() == Path("/var/cache/mediation-bot")
    monkeypatch.delenv("CACHE_DIRECTORY")
    monkeypatch.setenv("XDG_CACHE_HOME", "/home/someone/.cache")
    assert kb_cache.cache_dir() == Path("/home/someone/.cache/labour-mediation-bot")


def test_only_the_most_recently_used_builds_are_kept(cache: Path, tmp_path: Path) -> None:
    root = knowledge_folder(tmp_path / "knowledge")
    for n in range(kb_cache.KEEP + 3):
        kb_cache.load_or_build([f"link {n}"], Builds(), dict, inputs(root))
        newest = cache / f"kb-{kb_cache.fingerprint([f'link {n}'], inputs(root))}.pickle"
        written = time.time() - 1000 + n  # one after another, before the next
        os.utime(newest, (written, written))
    # reading a build makes it recent: the oldest one kept is read and outlives the next write
    read = cache / f"kb-{kb_cache.fingerprint(['link 3'], inputs(root))}.pickle"
    assert kb_cache.load_or_build(["link 3"], Builds(), dict, inputs(root)) == {"built": 1}
    kb_cache.load_or_build(["one more"], Builds(), dict, inputs(root))
    assert read.exists()
    kept = {p.name for p in cache.glob("kb-*.pickle")}
    assert len(kept) == kb_cache.KEEP
    assert f"kb-{kb_cache.fingerprint(['link 0'], inputs(root))}.pickle" not in kept
    assert f"kb-{kb_cache.fingerprint(['one more'], inputs(root))}.pickle" in kept


def test_a_file_left_half_written_by_a_stopped_process_is_removed(
    cache: Path, tmp_path: Path
) -> None:
    root = knowledge_folder(tmp_path / "knowledge")
    cache.mkdir()
    old, fresh = cache / ".kb-stopped", cache / ".kb-writing-now"
    for path in (old, fresh):
        path.write_bytes(b"half")
    an_hour_ago = time.time() - kb_cache.LEFTOVER_AGE - 60
    os.utime(old, (an_hour_ago, an_hour_ago))
    kb_cache.load_or_build([], Builds(), dict, inputs(root))
    assert not old.exists() and fresh.exists()  # another process may be writing that one


class SlowBuilds(Builds):
    """A build that takes a while, as the real one does (about eight seconds)."""

    def __call__(self) -> dict[str, int]:
        time.sleep(0.5)
        return super().__call__()


@pytest.mark.skipif(sys.platform == "win32", reason="no flock: each process builds for itself")
def test_processes_needing_the_same_build_at_once_build_it_once(
    cache: Path, tmp_path: Path
) -> None:
    # a bot and its search process starting after a deploy: each thread opens the lock file
    # for itself, as a process does, so flock keeps them apart as it keeps processes apart
    root, build = knowledge_folder(tmp_path / "knowledge"), SlowBuilds()
    results: list[dict[str, int]] = []
    starters = [
        threading.Thread(
            target=lambda: results.append(kb_cache.load_or_build([], build, dict, inputs(root)))
        )
        for _ in range(3)
    ]
    for thread in starters:
        thread.start()
    for thread in starters:
        thread.join(timeout=30)
    assert build.count == 1 and results == [{"built": 1}] * 3
    # another build (another set of linked questions) does not wait for this one
    assert kb_cache.load_or_build(["link"], build, dict, inputs(root)) == {"built": 2}


@pytest.mark.skipif(sys.platform == "win32", reason="no flock: each process builds for itself")
def test_a_build_held_up_too_long_is_made_anyway(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import fcntl

    root, build = knowledge_folder(tmp_path / "knowledge"), Builds()
    monkeypatch.setattr(kb_cache, "WAIT", 0.3)
    cache.mkdir()
    name = kb_cache.fingerprint([], inputs(root))
    with (cache / f".kb-{name}.lock").open("w") as stuck:  # a build that never ends
        fcntl.flock(stuck, fcntl.LOCK_EX)
        started = time.perf_counter()
        assert kb_cache.load_or_build([], build, dict, inputs(root)) == {"built": 1}
        assert (cache / f".kb-{name}.lock").exists()  # still the stuck builder's
    assert 0.3 <= time.perf_counter() - started < 5
    assert "another process has been building" in caplog.text


def test_a_copy_of_the_files_is_the_same_build_and_a_change_to_it_a_new_one(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tests and a copy being edited: keyed on the files' contents, not on where they are
    monkeypatch.setattr(kb_shared, "_shared", {})
    first = load_kb_shared({}, write_sample(tmp_path / "faq"))
    copy = write_sample(tmp_path / "copy")
    real_load_kb = kb_shared.load_kb

    def no_build(*args: object, **kwargs: object) -> KnowledgeBase:
        raise AssertionError("built again")

    monkeypatch.setattr(kb_shared, "load_kb", no_build)
    monkeypatch.setattr(kb_shared, "_shared", {})  # as in another process: read from the disk
    again = load_kb_shared({}, copy)
    assert again.search("工资被拖了三个月").best == first.search("工资被拖了三个月").best
    # an edited file is built again, also in a process that holds the old build (the search
    # process did not, before: it answered from the files as they were before /faq reload)
    monkeypatch.setattr(kb_shared, "load_kb", real_load_kb)
    new = "东家的薪水一直赊着不结"
    assert not again.search(new).answered
    text = (copy / "sample.toml").read_text(encoding="utf-8")
    assert '"工资被拖了三个月"' in text
    (copy / "sample.toml").write_text(
        text.replace('"工资被拖了三个月"', f'"工资被拖了三个月", "{new}"'), encoding="utf-8"
    )
    edited = load_kb_shared({}, copy)
    found = edited.search(new)
    assert found.answered and found.best is not None and found.best.id == "pay.arrears"
    assert len(list(cache.glob("kb-*.pickle"))) == 2
