"""Saving received files: named by their SHA-256, so a repeat costs no extra space."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

from handlers.edge import safe_file_name
from handlers.messages import Attachment
from handlers.private_files import create_private

SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


def save_bytes(
    files_dir: str | Path, data: bytes, *, kind: str, file_name: str = "", mime_type: str = ""
) -> Attachment:
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(files_dir) / digest[:2]
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    file_name = safe_file_name(file_name)  # no bidi tricks, no '.exe' (handlers.edge)
    suffix = Path(file_name).suffix if file_name else (".jpg" if kind == "photo" else "")
    if not SUFFIX.match(suffix):
        suffix = ""
    path = folder / f"{digest}{suffix}"
    if not path.exists():
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(6)}.part")  # one per writer
        with create_private(tmp).open("wb") as fp:  # evidence is personal data: 0600
            fp.write(data)
        os.replace(tmp, path)
    return Attachment(
        kind=kind,  # type: ignore[arg-type]
        path=str(path),
        size=len(data),
        sha256=digest,
        file_name=file_name,
        mime_type=mime_type,
    )
