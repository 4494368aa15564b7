"""Pure parsers and validators for the intake form (the maskers: conversation/masking.py).

Every ``parse_*`` function returns a normalized value or raises :class:`ValidationError` whose
``code`` (see :data:`ERROR_CODES`) the conversation layer maps to a localized message, using
``params`` for interpolation. Machine-readable fields (phone, ID, USCC, amount, date, count) are
NFKC-normalized so full-width digits/punctuation and U+3000 spaces are accepted. Names and free
text are only NFC-normalized so the applicant's Chinese punctuation is kept as typed.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from handlers.conversation.masking import DASHES, compact, mask_text, mobile_digits, nfkc

ERROR_CODES: frozenset[str] = frozenset({
    "phone.format",
    "id.length", "id.format", "id.birthdate", "id.checksum",
    "uscc.length", "uscc.charset", "uscc.checksum",
    "amount.format", "amount.negative", "amount.zero", "amount.too_large",
    "date.format", "date.future", "date.too_old",
    "count.format", "count.range",
    "name.empty", "name.too_long", "name.charset", "name.no_letters", "name.has_number",
    "text.empty", "text.too_long",
})  # fmt: skip


class ValidationError(ValueError):
    """Invalid user input; ``code`` is a stable message id, ``params`` feed interpolation."""

    def __init__(self, code: str, params: Mapping[str, object] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, object] = dict(params or {})

    def __reduce__(self) -> tuple[type[ValidationError], tuple[str, dict[str, object]]]:
        return (type(self), (self.code, self.params))

    def __repr__(self) -> str:
        return f"ValidationError({self.code!r}, {self.params!r})"


_MINUS = str.maketrans(dict.fromkeys(DASHES, "-"))
_ZERO_WIDTH = str.maketrans("", "", "\u200b\ufeff")
_BIDI_AND_BOM = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u200b")


def _squash(text: str) -> str:
    """NFKC-normalize, drop whitespace, map dash-like characters to ASCII '-' (minus signs)."""
    return re.sub(r"\s+", "", nfkc(text).translate(_MINUS))


# --- phone -----------------------------------------------------------------------------------


def parse_mobile(text: str) -> str:
    """Mainland mobile number -> 11 ASCII digits; +86/86/0086 prefixes are dropped."""
    digits = mobile_digits(text)
    if digits is None:
        raise ValidationError("phone.format")
    return digits


def phone_last_digits(phone: str, n: int = 4) -> str:
    """Last ``n`` digits (1..4, never more than :func:`mask_phone` shows) of a mobile number."""
    if not 1 <= n <= 4:
        raise ValueError("n must be between 1 and 4")
    return parse_mobile(phone)[-n:]


# --- resident identity number (GB 11643-1999) ----------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"\d{17}[\dX]", re.ASCII)


def id_check_char(body: str) -> str:
    """ISO 7064 MOD 11-2 check character for a 17-digit ID body."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def parse_id_number(text: str, *, today: date | None = None) -> str:
    """18-character resident ID -> uppercase; checks format, birth date, then check character."""
    s = compact(text).upper()
    if len(s) != 18:
        raise ValidationError("id.length", {"length": len(s)})
    if not _ID_RE.fullmatch(s):
        raise ValidationError("id.format")
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        raise ValidationError("id.birthdate") from None
    if born.year < 1900 or born > (today or date.today()):
        raise ValidationError("id.birthdate")
    if id_check_char(s[:17]) != s[17]:
        raise ValidationError("id.checksum")
    return s


# --- unified social credit code (GB 32100-2015) ----------------------------------------------

_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(body: str) -> str:
    """Check character for a 17-character USCC body (mod 31, 31 -> '0')."""
    total = sum(_USCC_CHARSET.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARSET[(31 - total % 31) % 31]


def parse_uscc(text: str) -> str:
    """18-character unified social credit code -> uppercase (I, O, Z, S, V are not allowed)."""
    s = compact(text).upper()
    if len(s) != 18:
        raise ValidationError("uscc.length", {"length": len(s)})
    if any(c not in _USCC_CHARSET for c in s):
        raise ValidationError("uscc.charset")
    if uscc_check_char(s[:17]) != s[17]:
        raise ValidationError("uscc.checksum")
    return s


# --- amount --------------------------------------------------------------------------------------

MAX_AMOUNT = Decimal("100000000")
_CENT = Decimal("0.01")
_MULTIPLIERS = {"": 1, "万": 10_000, "w": 10_000, "千": 1_000, "k": 1_000}
_AMOUNT_RE = re.compile(
    r"(?P<neg>-)?(?:¥|rmb|人民币)?(?P<neg2>-)?"
    r"(?P<num>(?:\d{1,3}(?:,\d{3}){1,3}|\d{1,12})(?:\.\d{1,8})?|\.\d{1,8})"
    r"(?P<unit>万|w|千|k)?(?:元|块钱|块|圆)?整?",
    re.ASCII,
)


def parse_amount(text: str, *, allow_zero: bool = False) -> Decimal:
    """Yuan amount -> Decimal quantized to 0.01; accepts ¥, 元, thousands commas, 万/千/w/k."""
    s = _squash(text).lower()
    m = _AMOUNT_RE.fullmatch(s)
    if m is None or (m["neg"] and m["neg2"]):
        raise ValidationError("amount.format")
    value = Decimal(m.group("num").replace(",", "")) * _MULTIPLIERS[m.group("unit") or ""]
    if value != value.quantize(_CENT):
        raise ValidationError("amount.format")
    if m["neg"] or m["neg2"]:
        raise ValidationError("amount.negative")
    if value == 0 and not allow_zero:
        raise ValidationError("amount.zero")
    if value > MAX_AMOUNT:
        raise ValidationError("amount.too_large", {"max": int(MAX_AMOUNT)})
    return value.quantize(_CENT)


def format_amount(value: Decimal) -> str:
    """Display form, e.g. ``Decimal("12000.5") -> "¥12,000.50"``."""
    return f"¥{value.quantize(_CENT):,}"


# --- date ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A parsed date; ``precision == "month"`` means the user gave only a month (value = day 1)."""

    value: date
    precision: Literal["day", "month"]

    def display(self) -> str:
        v = self.value
        return f"{v.year}年{v.month}月" + (f"{v.day}日" if self.precision == "day" else "")


_DATE_FORMATS: tuple[tuple[str, Literal["day", "month"]], ...] = (
    # groups: year, separator, month, day
    (r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})[日号]?", "day"),
    (r"(\d{4})()(\d{2})(\d{2})", "day"),
    (r"(\d{4})(年)(\d{1,2})月(\d{1,2})[日号]?", "day"),
    (r"(\d{4})(年)(\d{1,2})月份?()", "month"),
    (r"(\d{4})([-/.])(\d{1,2})()", "month"),
)
_DATE_PATTERNS = tuple((re.compile(p, re.ASCII), precision) for p, precision in _DATE_FORMATS)
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}


def parse_date(
    text: str, *, today: date, allow_future: bool = False, earliest: date = date(1950, 1, 1)
) -> ParsedDate:
    """Parse 2024-03-01, 2024/3/1, 2024.3.1, 20240301, 2024年3月1日, 2024年3月, 2024-03, 昨天.

    Month-only input yields the 1st of the month with ``precision="month"``; for the
    future/too-old checks such a value counts as the whole month.
    """
    s = _squash(text)
    parsed: ParsedDate | None
    if s in _RELATIVE_DAYS:
        parsed = ParsedDate(today - timedelta(days=_RELATIVE_DAYS[s]), "day")
    else:
        parsed = None
        for pattern, precision in _DATE_PATTERNS:
            m = pattern.fullmatch(s)
            if m:
                year, month, day = int(m[1]), int(m[3]), int(m[4] or 1)
                try:
                    parsed = ParsedDate(date(year, month, day), precision)
                except ValueError:
                    raise ValidationError("date.format") from None
                break
        if parsed is None:
            raise ValidationError("date.format")
    first = parsed.value
    last = first
    if parsed.precision == "month":
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if first > today and not allow_future:
        raise ValidationError("date.future")
    if last < earliest:
        raise ValidationError("date.too_old", {"earliest": earliest.isoformat()})
    return parsed


# --- count ---------------------------------------------------------------------------------------

_CN_DIGITS = dict(zip("零一二三四五六七八九", range(10), strict=True)) | {"〇": 0, "两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_COUNT_RE = re.compile(r"(?:大约|大概|一共|总共|约|共)?(.+?)(?:个人|人|名|位|个)?")


def _cn_int(s: str) -> int | None:
    """Small Chinese numeral -> int ("十二" 12, "一百零五" 105, "两千五" 2500); None if invalid."""
    total = section = last_unit = 0
    digit: int | None = None
    zero = False
    for ch in s:
        if ch in _CN_DIGITS:
            if digit:  # two digits in a row, e.g. "一二"
                return None
            digit = _CN_DIGITS[ch]
            zero = zero or digit == 0
        elif ch == "万":
            if total or not (section or digit):
                return None
            total, section, last_unit = (section + (digit or 0)) * 10_000, 0, 10_000
            digit, zero = None, False
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if last_unit and unit >= last_unit:
                return None
            section += (digit or 1) * unit
            last_unit, digit, zero = unit, None, False
        else:
            return None
    if digit and not zero and last_unit >= 100:
        digit *= last_unit // 10  # colloquial "两千五" = 2500, "一万五" = 15000
    return total + section + (digit or 0) if s else None


def parse_count(text: str, *, minimum: int = 1, maximum: int = 100_000) -> int:
    """Number of people: "12", "12人", "1,200", "约30人", "十二个人"."""
    m = _COUNT_RE.fullmatch(_squash(text))
    raw = m.group(1).replace(",", "") if m else ""
    value = int(raw) if raw.isascii() and raw.isdigit() else _cn_int(raw)
    if value is None:
        raise ValidationError("count.format")
    if not minimum <= value <= maximum:
        raise ValidationError("count.range", {"min": minimum, "max": maximum})
    return value


# --- names and free text ---------------------------------------------------------------------


def parse_name(text: str, *, max_len: int = 50) -> str:
    """Person/organisation name: whitespace runs (incl. newlines) become one space; other
    control/format characters are rejected (zero-width space and BOM are dropped)."""
    s = " ".join(unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH).split())
    if not s:
        raise ValidationError("name.empty")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in s):
        raise ValidationError("name.charset")
    if len(s) > max_len:
        raise ValidationError("name.too_long", {"max": max_len, "length": len(s)})
    if not any(unicodedata.category(c).startswith("L") for c in s):
        raise ValidationError("name.no_letters")  # "-5", "2025-02-30", "123": not a name
    if mask_text(s) != s:  # names are stored in clear (staff search them): no numbers in them
        raise ValidationError("name.has_number")
    return s


def parse_free_text(text: str, *, max_len: int = 2000) -> str:
    """Applicant's own words: line breaks kept as LF, tabs -> space, other controls dropped."""
    s = "\n".join(unicodedata.normalize("NFC", text).splitlines())
    s = "".join(
        " " if c == "\t" else c
        for c in s
        if c == "\n" or c == "\t" or (unicodedata.category(c) != "Cc" and c not in _BIDI_AND_BOM)
    ).strip()
    if not s:
        raise ValidationError("text.empty")
    if len(s) > max_len:
        raise ValidationError("text.too_long", {"max": max_len, "length": len(s)})
    return s
