"""Masking phone and ID numbers wherever a group (or a log) can see them.

Part of the conversation layer because every group-visible reply passes through it
(handlers/conversation/redact.py); the parsers in handlers/casework/validators.py share the
normalisation helpers defined here.
"""

from __future__ import annotations

import re
import unicodedata

DASHES = "-‐‑‒–—―−"
_SEPARATORS = re.compile(f"[\\s{re.escape(DASHES)}]+")
MOBILE_RE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})", re.ASCII)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def compact(text: str) -> str:
    """NFKC-normalize and drop all whitespace and dash-like separators (codes and numbers)."""
    return _SEPARATORS.sub("", nfkc(text))


def mobile_digits(text: str) -> str | None:
    """A mainland mobile number as 11 ASCII digits (+86/86/0086 dropped); None if it is not one."""
    m = MOBILE_RE.fullmatch(compact(text).replace("(", "").replace(")", ""))
    return m.group(1) if m else None


def _mask_middle(s: str, head: int, tail: int) -> str:
    if len(s) <= head + tail:
        return "*" * len(s)
    return s[:head] + "*" * (len(s) - head - tail) + s[len(s) - tail :]


def mask_phone(phone: str) -> str:
    """``"13812345678" -> "138****5678"``; unparseable input is masked except the last 4."""
    digits = mobile_digits(phone)
    return _mask_middle(digits, 3, 4) if digits else _mask_middle(compact(phone), 0, 4)


def mask_id_number(id_number: str) -> str:
    """First 6 (region) + 8 asterisks + last 4: ``"110105********123X"``."""
    s = compact(id_number).upper()
    return _mask_middle(s, 6, 4) if len(s) == 18 else _mask_middle(s, 0, 4)


def mask_name(name: str) -> str:
    """Keep the first character: ``"张三丰" -> "张**"``; a single character becomes ``"*"``."""
    s = "".join(name.split())
    return s[:1] + "*" * (len(s) - 1) if len(s) > 1 else "*" * len(s)


_SENSITIVE_RE = re.compile(
    r"(?<!\d)(?:"
    r"(?P<phone>(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2})"
    r"|(?P<id>\d{6}[ -]?\d{8}[ -]?\d{3}[\dXx])"
    r"|(?P<long>\d{4}(?:[ -]\d{4}){3,}(?:[ -]\d{1,4})?|\d{12,})"
    r"|(?P<oldid>\d{6}[ -]\d{6}[ -]?\d{3})"  # 15-character ID (before 1999), with spaces
    r"|(?P<landline>(?:\(0\d{2,3}\)|0\d{2,3})[ -]?[1-9]\d{2,3}[ -]?\d{4})"
    r")(?!\d)",
    re.ASCII,
)
_PROBE = str.maketrans(  # 1:1 character mapping, so match spans also index the original text
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | dict.fromkeys(DASHES + "－", "-")
    | {"＋": "+", "Ｘ": "X", "ｘ": "x", "（": "(", "）": ")", "\u3000": " ", "\u00a0": " "}
)


# Area codes of three digits: 010 and 02X (Beijing, and the 02X cities); the rest have four.
_THREE_DIGIT_AREAS = {"01", "02"}


def _mask_match(m: re.Match[str]) -> str:
    if m.group("phone"):
        return mask_phone(m.group(0))
    if m.group("id"):
        return mask_id_number(m.group(0))
    if m.group("landline"):
        digits = "".join(c for c in m.group(0) if c.isdigit())
        head = 3 if digits[:2] in _THREE_DIGIT_AREAS else 4
        return digits[:head] + "-" + _mask_middle(digits[head:], 0, 4)
    return _mask_middle(compact(m.group(0)), 0, 4)


def mask_text(text: str) -> str:
    """Mask mobiles (138****5678), 18-char IDs (110105********123X), landlines with their
    area code (010-****5678) and any other run of 12+ digits (bank cards, 15-digit IDs: all
    but the last 4 starred) embedded in free text.

    Matches are bounded by non-digits so a longer digit run is never partially treated as a
    phone; IDs are masked even when their check character is wrong.
    """
    parts: list[str] = []
    pos = 0
    for m in _SENSITIVE_RE.finditer(text.translate(_PROBE)):
        parts += [text[pos : m.start()], _mask_match(m)]
        pos = m.end()
    return "".join([*parts, text[pos:]])
