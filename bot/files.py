"""Saving received files: named by their SHA-256, so a repeat costs no extra space."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from handlers.messages import Attachment


def save_bytes(
    files_dir: str | Path, data: bytes, *, kind: str, file_name: str = "", mime_type: str = ""
) -> Attachment:
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(files_dir) / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(file_name).suffix[:10] if file_name else (".jpg" if kind == "photo" else "")
    path = folder / f"{digest}{suffix}"
    if not path.exists():
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return Attachment(
        kind=kind,  # type: ignore[arg-type]
        path=str(path),
        size=len(data),
        sha256=digest,
        file_name=file_name,
        mime_type=mime_type,
    )
