"""`mediation-bot backup --out PATH` and `mediation-bot restore PATH` (bot/backup.py).

backup:  while the bot runs; SQLite through its online backup API, PostgreSQL through
         pg_dump; the evidence and document files; a manifest with checksums; never the key.
restore: into an empty database only; checks every checksum and the data key first, then
         copies the database and the files and applies pending migrations.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from sqlalchemy import inspect, select, update

from bot import backup as bk
from bot.config import Settings


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    b = sub.add_parser("backup", help="copy the database and files (safe while the bot runs)")
    b.add_argument("--out", type=Path, required=True, metavar="PATH", help="a new folder")
    r = sub.add_parser("restore", help="restore a backup into an empty database")
    r.add_argument("path", type=Path, metavar="PATH", help="the backup folder")


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.command == "backup":
            print(asyncio.run(_backup(settings, args.out)))
        else:
            print(asyncio.run(_restore(settings, args.path)))
    except bk.BackupError as exc:
        print(f"mediation-bot {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


def _data_key(settings: Settings) -> str:
    from storage.crypto import load_or_create_key

    return load_or_create_key(settings.security.data_key, settings.security.key_file)


async def _backup(settings: Settings, out: Path) -> str:
    from storage.db import open_database

    db = open_database(settings)
    try:
        revisions = sorted(await db.revisions())
    finally:
        await db.dispose()
    manifest = await asyncio.to_thread(
        bk.backup,
        settings.database.url,
        settings.storage.files_dir,
        out,
        key=_data_key(settings),
        key_file=settings.security.key_file,
        revisions=revisions,
    )
    size = sum(f["size"] for f in manifest["files"])
    return (
        f"backup written to {out}: the {manifest['database']['kind']} database and "
        f"{len(manifest['files'])} files ({size / 1e6:.1f} MB), with checksums in "
        f"{bk.MANIFEST}. The data key is not in it: keep a copy of the key somewhere else."
    )


async def _tables(settings: Settings) -> list[str]:
    from storage.db import Database

    db = Database(settings.database.url)
    try:
        async with db.engine.connect() as conn:
            return await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await db.dispose()


async def _restore(settings: Settings, folder: Path) -> str:
    manifest = bk.read_manifest(folder)
    await asyncio.to_thread(bk.verify, folder, manifest)
    s = settings.security
    if not s.data_key and not Path(s.key_file).is_file():
        raise bk.BackupError(
            "no data key is configured, and a backup never holds one: put the key the backup "
            f"was made with in place first (MEDIATION_DATA_KEY, security.data_key or {s.key_file})"
        )
    if bk.key_fingerprint(_data_key(settings)) != manifest["data_key_fingerprint"]:
        raise bk.BackupError(
            "the configured data key is not the one this backup was made with: its phone and "
            "ID numbers could not be read. Configure the original key (security.old_keys may "
            "hold earlier ones), then restore."
        )
    tables = await _tables(settings)
    if tables:
        raise bk.BackupError(
            f"the database at database.url is not empty ({len(tables)} tables); restore only "
            "into a new, empty database"
        )
    await asyncio.to_thread(bk.restore_database, folder, manifest, settings.database.url)
    copied = await asyncio.to_thread(bk.restore_files, folder, manifest, settings.storage.files_dir)
    moved = await _after_restore(settings, manifest["files_dir"])
    note = f"; {moved} evidence paths now point into {settings.storage.files_dir}" if moved else ""
    return (
        f"restored the database from {folder} ({manifest['created_at']}) and {copied} files; "
        f"migrations applied{note}"
    )


async def _after_restore(settings: Settings, old_files_dir: str) -> int:
    """Apply pending migrations; point evidence at the new files folder if it moved."""
    from storage.db import open_database
    from storage.models import Attachment

    db = open_database(settings)
    moved = 0
    try:
        await db.upgrade()
        new = Path(settings.storage.files_dir)
        if Path(old_files_dir) != new:
            async with db.session() as session:
                rows = (await session.execute(select(Attachment.id, Attachment.path))).all()
                for row_id, path in rows:
                    try:
                        relative = Path(path).relative_to(old_files_dir)
                    except ValueError:
                        continue
                    await session.execute(
                        update(Attachment)
                        .where(Attachment.id == row_id)
                        .values(path=str(new / relative))
                    )
                    moved += 1
    finally:
        await db.dispose()
    return moved
