"""Binding codes: the one-time code that links a party's chat to a case, kept as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac


def code_hash(case_number: str, code: str) -> str:
    """One-time codes are stored as a keyed hash, never in clear."""
    return hmac.new(case_number.encode(), code.encode(), hashlib.sha256).hexdigest()
