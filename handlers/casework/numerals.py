"""Amounts and dates written the way Chinese documents write them.

`amount_in_capitals` follows the rules for the capital (大写) amount on payment and
settlement documents: one 零 for any run of zeros between two significant digits, 元 after
the yuan, 零 between 元 and 分 when there is no 角, and 整 when nothing follows 元 or 角.
Where those rules leave a choice (a zero in the 万 or 元 place followed by a non-zero
千 or 角 digit) we write no 零, e.g. 壹拾万柒仟元伍角叁分; 拾 is always written with its
digit (壹拾), as the rules prefer, so 10 is 壹拾元整.

The digits are cn2an's ("rmb" mode), which follows the same rules; we only add 整 after 角.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

MAX_AMOUNT = Decimal("9999999999999.99")
_CENT = Decimal("0.01")


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
    import cn2an

    text = str(cn2an.an2cn(f"{value:.2f}", "rmb"))
    # cn2an writes 整 after 元 only; the rules allow it after 角 as well, and we write it there
    return text + "整" if text.endswith("角") else text


def amount_in_figures(amount: Decimal | int) -> str:
    """'¥12,000.00': the figures that go next to the capitals."""
    return f"¥{_checked(amount):,.2f}"


def chinese_date(day: date) -> str:
    """'2026年11月22日'."""
    return f"{day.year}年{day.month}月{day.day}日"
