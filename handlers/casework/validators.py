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
from functools import cache
from typing import Any, Literal

import phonenumbers
from stdnum.cn import ric, uscc

from handlers.conversation.masking import DASHES, compact, mask_text, mobile_digits, nfkc

ERROR_CODES: frozenset[str] = frozenset({
    "phone.format", "phone.landline_format",
    "id.length", "id.format", "id.birthdate", "id.checksum",
    "uscc.length", "uscc.charset", "uscc.checksum",
    "amount.format", "amount.negative", "amount.zero", "amount.too_large",
    "date.format", "date.no_such_day", "date.future", "date.too_old",
    "count.format", "count.range",
    "name.empty", "name.too_long", "name.charset", "name.no_letters", "name.has_number",
    "name.symbols_only",
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
    if (
        digits is None
        or phonenumbers.number_type(phonenumbers.parse(digits, "CN")) not in _MOBILE_TYPES
    ):  # a prefix no operator was given (140, 170...) is no mobile
        raise ValidationError("phone.format")
    return digits


_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def phone_last_digits(phone: str, n: int = 4) -> str:
    """Last ``n`` digits (1..4, never more than :func:`mask_phone` shows) of a mobile number."""
    if not 1 <= n <= 4:
        raise ValueError("n must be between 1 and 4")
    return parse_mobile(phone)[-n:]


_EXTENSION_RE = re.compile(
    r"(?P<number>.+?)(?:转|分机|ext\.?|x|#|-)(?P<ext>\d{1,6})", re.ASCII | re.I
)


def _fixed_line(number: str) -> str | None:
    """A mainland number phonenumbers knows as valid -> national digits (e.g. 07721234567)."""
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL).replace(
        " ", ""
    )


def parse_phone(text: str) -> str:
    """Mobile or landline (area code needed, extension allowed) of the other side.

    A mobile comes back as 11 digits (like :func:`parse_mobile`); a landline as its national
    form with the area code separated: ``0772-1234567`` or ``0772-1234567 转 123``. Whether a
    number exists in the numbering plan is phonenumbers' (Google's metadata) call, not ours.
    """
    mobile = mobile_digits(text)
    if mobile is not None:
        return mobile
    s = re.sub(r"[\s()（）]+", "", nfkc(text).translate(_MINUS).replace("－", "-"))
    candidates = [(s, "")]
    m = _EXTENSION_RE.fullmatch(s)
    if m:
        candidates.insert(0, (m["number"], m["ext"]))
    for number, ext in candidates:
        if not re.fullmatch(r"(?:\+?86|0086)?-?0[\d-]{9,13}", number, re.ASCII):
            continue
        national = _fixed_line(number.replace("-", ""))
        if national is not None and not national.startswith("1"):
            digits = national
            area = 3 if digits[1] in "12" else 4  # 010, 02X; the rest have four digits
            return f"{digits[:area]}-{digits[area:]}" + (f" 转 {ext}" if ext else "")
    raise ValidationError("phone.landline_format")


# --- resident identity number (GB 11643-1999) ----------------------------------------------------

_ID_RE = re.compile(r"\d{17}[\dX]", re.ASCII)


def id_check_char(body: str) -> str:
    """ISO 7064 MOD 11-2 check character for a 17-digit ID body (python-stdnum's cn.ric)."""
    return str(ric.calc_check_digit(body + "0"))  # stdnum expects a place for the check


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


def uscc_check_char(body: str) -> str:
    """Check character for a 17-character USCC body (python-stdnum's cn.uscc, GB 32100)."""
    return str(uscc.calc_check_digit(body))


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


_CN_AMOUNT_RE = re.compile(
    r"(?:人民币)?(?P<num>[零〇一二两三四五六七八九十百千万]+)(?:元|块钱|块|圆)?整?"
)


def parse_amount(text: str, *, allow_zero: bool = False) -> Decimal:
    """Yuan amount -> Decimal quantized to 0.01; accepts ¥, 元, thousands commas, 万/千/w/k,
    and whole yuan in Chinese words (一万二, 八千五, 三千五百元, 两万)."""
    s = _squash(text).lower()
    cn = _CN_AMOUNT_RE.fullmatch(s)
    if cn is not None:
        whole = chinese_integer(cn["num"])
        if whole is None:
            raise ValidationError("amount.format")
        return _checked_amount(Decimal(whole), negative=False, allow_zero=allow_zero)
    m = _AMOUNT_RE.fullmatch(s)
    if m is None or (m["neg"] and m["neg2"]):
        raise ValidationError("amount.format")
    value = Decimal(m.group("num").replace(",", "")) * _MULTIPLIERS[m.group("unit") or ""]
    return _checked_amount(value, negative=bool(m["neg"] or m["neg2"]), allow_zero=allow_zero)


def _checked_amount(value: Decimal, *, negative: bool, allow_zero: bool) -> Decimal:
    if value != value.quantize(_CENT):
        raise ValidationError("amount.format")
    if negative:
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
                except ValueError:  # 2026-02-30, 2025-13-01: read, but no such day
                    raise ValidationError("date.no_such_day", {"text": m[0]}) from None
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

_COUNT_RE = re.compile(r"(?:大约|大概|一共|总共|约|共)?(.+?)(?:个人|人|名|位|个)?")
_CN_NUMERAL_RE = re.compile(
    r"[零〇一二两三四五六七八九]|[零〇一二两三四五六七八九十百千万]*[十百千万][零〇一二两三四五六七八九十百千万]*"
)


@cache
def _cn2an() -> Any:
    import cn2an

    return cn2an


def chinese_integer(s: str) -> int | None:
    """Chinese numeral -> int via cn2an ("十二" 12, "一百零五" 105, "两千五" 2500, "一万二"
    12000); None if it is not one. Digit strings without a unit ("一二", "二零") are refused:
    cn2an would read them digit by digit, which is not how anyone writes a number of people
    or yuan."""
    if not _CN_NUMERAL_RE.fullmatch(s):
        return None
    try:
        value = _cn2an().cn2an(s, "normal")
    except (ValueError, KeyError, IndexError):
        return None
    return int(value) if value == int(value) else None


def parse_count(text: str, *, minimum: int = 1, maximum: int = 100_000) -> int:
    """Number of people: "12", "12人", "1,200", "约30人", "十二个人"."""
    m = _COUNT_RE.fullmatch(_squash(text))
    raw = m.group(1).replace(",", "") if m else ""
    value = int(raw) if raw.isascii() and raw.isdigit() else chinese_integer(raw)
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
        if not any(c.isdigit() for c in s):  # "😀😀", "……", "???": symbols, no name
            raise ValidationError("name.symbols_only")
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
