"""Amounts and dates written the way Chinese documents write them.

`amount_in_capitals` follows the rules for the capital (大写) amount on payment and
settlement documents: one 零 for any run of zeros between two significant digits, 元 after
the yuan, 零 between 元 and 分 when there is no 角, and 整 when nothing follows 元 or 角.
Where those rules leave a choice (a zero in the 万 or 元 place followed by a non-zero
千 or 角 digit) we write no 零, e.g. 壹拾万柒仟元伍角叁分; 拾 is always written with its
digit (壹拾), as the rules prefer, so 10 is 壹拾元整.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")  # inside a group of four digits
MAX_AMOUNT = Decimal("9999999999999.99")
_CENT = Decimal("0.01")


def _group(n: int) -> str:
    """0 < n < 10000, without a leading 零: 1050 → 壹仟零伍拾."""
    out: list[str] = []
    zero = False
    for place in range(3, -1, -1):
        digit = n // 10**place % 10
        if digit == 0:
            zero = bool(out)  # a zero matters only after a significant digit
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + PLACES[place])
    return "".join(out)


def _integer(n: int) -> str:
    """0 < n < 10**13 in capitals (no 元): 100000100 → 壹亿零壹佰."""
    for unit, size in (("亿", 10**8), ("万", 10**4)):
        if n >= size:
            high, low = divmod(n, size)
            text = _integer(high) + unit
            if low:
                # a gap inside the lower part (e.g. 0100 under 万) is written as one 零
                text += ("零" if low < size // 10 else "") + _integer(low)
            return text
    return _group(n)


def _checked(amount: Decimal | int) -> Decimal:
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    if value < 0:
        raise ValueError(f"negative amount: {amount}")
    if value > MAX_AMOUNT:
        raise ValueError(f"amount too large for capitals: {amount}")
    if value != value.quantize(_CENT):
        raise ValueError(f"an amount has at most two decimals (fen): {amount}")
    return value.quantize(_CENT)


def amount_in_capitals(amount: Decimal | int) -> str:
    """RMB amount in financial capitals: Decimal('10005.50') → '壹万零伍元伍角整'.

    Raises ValueError for negative amounts, more than two decimals, or amounts above
    9,999,999,999,999.99.
    """
    value = _checked(amount)
    cents = int(value * 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if cents == 0:
        return "零元整"
    text = _integer(yuan) + "元" if yuan else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen and yuan:
        text += "零"  # 角 is zero but 分 is not: 元零伍分
    if fen:
        return text + DIGITS[fen] + "分"
    return text + "整"


def amount_in_figures(amount: Decimal | int) -> str:
    """'¥12,000.00': the figures that go next to the capitals."""
    return f"¥{_checked(amount):,.2f}"


def chinese_date(day: date) -> str:
    """'2026年11月22日'."""
    return f"{day.year}年{day.month}月{day.day}日"
