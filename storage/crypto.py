"""Encryption at rest: phone and ID numbers, and the free text that may hold them.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the data key from the
configuration (`[security] data_key` or `MEDIATION_DATA_KEY`), else a key file created on
first use. A database copy without the key reveals no phone or ID number. Rows written
before encryption was introduced are read as they are and encrypted by migrations 0006
(phone and ID fields) and 0010 (free text, event notes, outbox payloads).

Key rotation: the new key becomes `data_key`, the previous ones go to `[security] old_keys`.
Values are then read with any of the keys and written with the new one; `mediation-bot
rekey` (storage/rekey.py) re-encrypts the stored values, after which the old keys can go.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1:"
_fernet: MultiFernet | None = None  # encrypts with the first key, decrypts with any
_current: Fernet | None = None


def _key(key: str | bytes) -> Fernet:
    return Fernet(key if isinstance(key, bytes) else key.encode())


def configure(key: str | bytes, old_keys: Sequence[str | bytes] = ()) -> None:
    """Install the data key (and earlier keys still accepted for reading) for this process;
    raises ValueError for a malformed key."""
    global _fernet, _current
    _current = _key(key)
    _fernet = MultiFernet([_current, *(_key(k) for k in old_keys)])


def is_configured() -> bool:
    return _fernet is not None


def load_or_create_key(configured: str, key_file: str | Path) -> str:
    """The configured key, else the key file's (created with mode 0600 on first use)."""
    if configured:
        return configured
    path = Path(key_file)
    if path.is_file():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fp:
        fp.write(key + "\n")
    return key


def encrypt(value: str) -> str:
    if _fernet is None:
        raise RuntimeError("no data key configured: call storage.crypto.configure() first")
    return PREFIX + _fernet.encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value.startswith(PREFIX):
        return value  # written before encryption (migrated by 0006)
    if _fernet is None:
        raise RuntimeError("no data key configured: call storage.crypto.configure() first")
    try:
        return _fernet.decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise RuntimeError("the data key does not match the database (wrong key?)") from None


def rotated(value: str) -> str | None:
    """`value` encrypted with the current key, or None when it already is."""
    if _fernet is None or _current is None:
        raise RuntimeError("no data key configured: call storage.crypto.configure() first")
    if not value:
        return None  # nothing to hide (EncryptedText keeps an empty value empty)
    if not value.startswith(PREFIX):
        return encrypt(value)  # written before encryption
    token = value[len(PREFIX) :].encode()
    try:
        _current.decrypt(token)
        return None
    except InvalidToken:
        pass
    try:
        return PREFIX + _fernet.rotate(token).decode()
    except InvalidToken:
        raise RuntimeError("no configured key can read a stored value (key missing?)") from None


class EncryptedString(TypeDecorator[str]):
    """A text column stored encrypted; reads and writes plain strings."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(value)


class EncryptedText(EncryptedString):
    """Free text a party or staff typed (it may hold numbers): stored encrypted; an empty
    value stays empty, so "nothing was written" is visible without the key."""

    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return value if not value else encrypt(value)


class EncryptedJSON(EncryptedString):
    """A JSON document stored encrypted (outbox payloads: message texts). Rows written
    before encryption hold plain JSON text and are read as they are."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else encrypt(json.dumps(value, ensure_ascii=False))

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):  # a driver that already decoded a JSON column
            return value
        return json.loads(decrypt(value))
