"""Saving received files: named by their SHA-256, so a repeat costs no extra space.

Downloads are limited by the bytes that arrive, not by the size a platform declares: a
stream is written to a temporary file while it is counted and stops at the limit, and
nothing of a refused file is kept. Evidence is personal data: files are written 0600, and a
received name keeps no control characters and no executable suffix (handlers.conversation.edge).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from handlers.conversation.edge import safe_file_name
from handlers.conversation.messages import Attachment
from handlers.conversation.private_files import create_private

CHUNK = 64 * 1024
SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


class TooLarge(Exception):
    """More bytes arrived than storage.max_attachment_mb allows (size: what was counted)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"file over the limit ({size} bytes or more)")
        self.size = size


def _final_path(files_dir: str | Path, digest: str, kind: str, file_name: str) -> Path:
    """Where a file with this digest lives; `file_name` must already be safe_file_name'd."""
    folder = Path(files_dir) / digest[:2]
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    suffix = Path(file_name).suffix if file_name else (".jpg" if kind == "photo" else "")
    if not SUFFIX.match(suffix):
        suffix = ""
    return folder / f"{digest}{suffix}"


def save_bytes(
    files_dir: str | Path, data: bytes, *, kind: str, file_name: str = "", mime_type: str = ""
) -> Attachment:
    digest = hashlib.sha256(data).hexdigest()
    file_name = safe_file_name(file_name)  # no bidi tricks, no '.exe'
    path = _final_path(files_dir, digest, kind, file_name)
    if not path.exists():
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(6)}.part")  # one per writer
        with create_private(tmp).open("wb") as fp:
            fp.write(data)
        os.replace(tmp, path)
    return Attachment(
        kind=kind,  # type: ignore[arg-type]  # channels pass photo/document/voice/video as str
        path=str(path),
        size=len(data),
        sha256=digest,
        file_name=file_name,
        mime_type=mime_type,
    )


async def save_stream(
    files_dir: str | Path,
    chunks: AsyncIterator[bytes],
    *,
    max_bytes: int,
    kind: str,
    file_name: str = "",
    mime_type: str = "",
) -> Attachment:
    """Write `chunks` to disk as they come; TooLarge (and no file left) past `max_bytes`."""
    Path(files_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    file_name = safe_file_name(file_name)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=files_dir, suffix=".part")  # mkstemp: mode 0600
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(size)
                digest.update(chunk)
                out.write(chunk)
        path = _final_path(files_dir, digest.hexdigest(), kind, file_name)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return Attachment(
        kind=kind,  # type: ignore[arg-type]  # channels pass photo/document/voice/video as str
        path=str(path),
        size=size,
        sha256=digest.hexdigest(),
        file_name=file_name,
        mime_type=mime_type,
    )


async def download_limited(
    url: str,
    files_dir: str | Path,
    *,
    max_bytes: int,
    kind: str,
    file_name: str = "",
    mime_type: str = "",
    timeout: float = 120.0,
) -> Attachment:
    """GET `url` into the files folder, at most `max_bytes` of it (a declared
    Content-Length over the limit is refused before reading)."""
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=client_timeout) as http, http.get(url) as resp:
        resp.raise_for_status()
        if (resp.content_length or 0) > max_bytes:
            raise TooLarge(resp.content_length or 0)
        return await save_stream(
            files_dir,
            resp.content.iter_chunked(CHUNK),
            max_bytes=max_bytes,
            kind=kind,
            file_name=file_name,
            mime_type=mime_type,
        )
