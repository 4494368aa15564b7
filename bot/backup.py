"""Backup and restore: the database, the evidence and document files, a manifest.

A backup is a folder:
    manifest.json       what is in it, with a SHA-256 checksum of every file
    database.sqlite3    SQLite: a consistent copy made with SQLite's online backup API while
                        the bot runs (it writes on; the copy is of one moment)
    database.pgdump     PostgreSQL: `pg_dump --format=custom` (one consistent snapshot)
    files/...           storage.files_dir: evidence (named by checksum) and documents

Never the data key: phone and ID numbers in the copy stay encrypted with it, so keep the key
apart from the backups (the manifest holds only a fingerprint, to tell a wrong key at restore).
The database is copied before the files: files are only ever added under new names, so every
file the copied database names is there when the files are copied.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FILES = "files"


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class PgCommand:
    """A pg_dump / pg_restore call: arguments, and the environment with the password."""

    argv: list[str]
    env: dict[str, str]

    def shown(self) -> str:
        """The command as an operator would type it (the password left out)."""
        prefix = "PGPASSWORD=... " if "PGPASSWORD" in self.env else ""
        return prefix + shlex.join(self.argv)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fp:
        for block in iter(lambda: fp.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def key_fingerprint(key: str) -> str:
    """Tells keys apart without revealing one (a hash of 256 random bits)."""
    return hashlib.sha256(b"mediation-bot data key\n" + key.encode()).hexdigest()[:16]


def sqlite_path(url: str) -> Path:
    return Path(url.split("///", 1)[-1])


def pg_command(program: str, url: str, *args: str) -> PgCommand:
    u = make_url(url)
    argv = [program, *args]
    for flag, value in (("--host", u.host), ("--port", u.port), ("--username", u.username)):
        if value:
            argv += [flag, str(value)]
    argv += ["--dbname", str(u.database or "")]
    env = {"PGPASSWORD": u.password} if u.password else {}
    return PgCommand(argv, env)


def _run_pg(command: PgCommand) -> None:
    if shutil.which(command.argv[0]) is None:
        raise BackupError(
            f"{command.argv[0]} is not installed. Install PostgreSQL's client programs "
            "(Debian/Ubuntu: apt install postgresql-client, of the server's major version or "
            f"newer) and run this again; or run it yourself:\n  {command.shown()}"
        )
    done = subprocess.run(
        command.argv, env={**os.environ, **command.env}, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BackupError(f"{command.shown()} failed:\n{done.stderr.strip()}")


def _files(files_dir: Path, skip: set[Path]) -> list[Path]:
    if not files_dir.is_dir():
        return []
    return sorted(
        p
        for p in files_dir.rglob("*")
        if p.is_file() and not p.name.endswith(".part") and p.resolve() not in skip
    )


def backup(
    url: str, files_dir: str, out: Path, *, key: str, key_file: str, revisions: list[str]
) -> dict[str, Any]:
    """Write a backup into `out` (new or empty); returns the manifest."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} exists and is not an empty folder; choose a new one")
    out.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        kind, name = "sqlite", SQLITE_FILE
        if not sqlite_path(url).is_file():
            raise BackupError(f"no database at {sqlite_path(url)} (database.url)")
        source = sqlite3.connect(sqlite_path(url))
        target = sqlite3.connect(out / name)
        try:
            source.backup(target)  # the online backup API: one consistent moment
        finally:
            target.close()
            source.close()
    else:
        kind, name = "postgresql", PG_FILE
        _run_pg(
            pg_command("pg_dump", url, "--format=custom", "--no-owner", "--file", str(out / name))
        )
    folder = Path(files_dir)
    skip = {Path(key_file).resolve()}  # never the key, even when it lies among the files
    entries = []
    for path in _files(folder, skip):
        relative = path.relative_to(folder).as_posix()
        copy = out / FILES / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
        entries.append({"path": relative, "sha256": sha256_file(copy), "size": copy.stat().st_size})
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {
            "kind": kind,
            "file": name,
            "sha256": sha256_file(out / name),
            "revisions": sorted(revisions),
        },
        "files_dir": files_dir,
        "files": entries,
        "data_key_fingerprint": key_fingerprint(key),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{folder / MANIFEST} is damaged: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: backup format {manifest.get('format')!r} is not known here")
    return manifest


def verify(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file present with its checksum; else the list of what is wrong."""
    wanted = [(manifest["database"]["file"], manifest["database"]["sha256"])]
    wanted += [(f"{FILES}/{f['path']}", f["sha256"]) for f in manifest["files"]]
    wrong = []
    for relative, checksum in wanted:
        path = folder / relative
        if ".." in Path(relative).parts:
            wrong.append(f"{relative}: not a path inside the backup")
        elif not path.is_file():
            wrong.append(f"{relative}: missing")
        elif sha256_file(path) != checksum:
            wrong.append(f"{relative}: checksum does not match (changed or damaged)")
    if wrong:
        listed = "\n  ".join(wrong)
        raise BackupError(f"the backup is not intact; nothing was restored:\n  {listed}")


def restore_database(folder: Path, manifest: dict[str, Any], url: str) -> None:
    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    if manifest["database"]["kind"] != kind:
        raise BackupError(
            f"this is a {manifest['database']['kind']} backup and database.url is {kind}: "
            "restore into the same kind of database"
        )
    source_file = folder / manifest["database"]["file"]
    if kind == "sqlite":
        target_path = sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
        target = sqlite3.connect(target_path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        args = ("--no-owner", "--exit-on-error", "--single-transaction", str(source_file))
        _run_pg(pg_command("pg_restore", url, *args))


def restore_files(folder: Path, manifest: dict[str, Any], files_dir: str) -> int:
    """Copy the files into files_dir; an existing file must be the same file."""
    target = Path(files_dir)
    copied = 0
    for entry in manifest["files"]:
        path = target / entry["path"]
        if path.exists():
            if sha256_file(path) != entry["sha256"]:
                raise BackupError(f"{path} exists with other content; move it away first")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / FILES / entry["path"], path)
        copied += 1
    return copied
