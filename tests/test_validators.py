"""Table-driven tests for handlers.casework.validators.

All identity numbers and credit codes are synthetic: they are built here from made-up 17-character
bodies with an independent implementation of the check-character algorithms.
"""

from __future__ import annotations

import dataclasses
import pickle
import random
import re
from datetime import date
from decimal import Decimal

import pytest

from handlers.casework.validators import (
    ERROR_CODES,
    ParsedDate,
    ValidationError,
    format_amount,
    id_check_char,
    parse_amount,
    parse_count,
    parse_date,
    parse_free_text,
    parse_id_number,
    parse_mobile,
    parse_name,
    parse_phone,
    parse_uscc,
    phone_last_digits,
    uscc_check_char,
)
from handlers.conversation.masking import mask_id_number, mask_name, mask_phone, mask_text

TODAY = date(2024, 6, 15)

# --- independent check-character helpers ------------------------------------------------------

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_id(body: str) -> str:
    """Synthetic resident ID: 17-digit body + ISO 7064 MOD 11-2 check character."""
    assert len(body) == 17 and body.isdigit()
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # == 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, ...
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def make_uscc(body: str) -> str:
    """Synthetic unified social credit code: 17-char body + mod-31 check character."""
    assert len(body) == 17
    weights = [3**i % 31 for i in range(17)]  # == 1, 3, 9, 27, 19, 26, 16, ...
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def _body_with_id_check(check: str) -> str:
    return next(
        body for seq in range(1000) if make_id(body := f"32010219851124{seq:03d}")[-1] == check
    )


def _body_with_uscc_check(check: str) -> str:
    return next(
        body for seq in range(100_000) if make_uscc(body := f"91320102MA{seq:07d}")[-1] == check
    )


ID_PLAIN = make_id("11010519900307123")
ID_WITH_X = make_id(_body_with_id_check("X"))
USCC_PLAIN = make_uscc("91110105MA0000000")
USCC_CHECK_ZERO = make_uscc(_body_with_uscc_check("0"))
USCC_CHECK_LETTER = make_uscc(_body_with_uscc_check("W"))


def test_helpers_match_hand_computed_vectors() -> None:
    # 1*7+1*9+0+1*5+0+5*4+1*2+9*1+9*6+0+0+3*9+0+7*5+1*8+2*4+3*2 = 190; 190 % 11 = 3 -> "9"
    assert ID_PLAIN == "110105199003071239"
    # 9*1+1*3+1*9+1*27+1*26+5*17+M(21)*20+A(10)*29 = 869; 869 % 31 = 1; 31 - 1 = 30 -> "Y"
    assert USCC_PLAIN == "91110105MA0000000Y"
    assert ID_WITH_X.endswith("X")
    assert USCC_CHECK_ZERO.endswith("0")


def test_module_check_functions_agree_with_independent_helpers() -> None:
    rng = random.Random(11643)
    for _ in range(300):
        id_body = "".join(rng.choice("0123456789") for _ in range(17))
        assert id_body + id_check_char(id_body) == make_id(id_body)
        uscc_body = "".join(rng.choice(USCC_CHARS) for _ in range(17))
        assert uscc_body + uscc_check_char(uscc_body) == make_uscc(uscc_body)


def raises_code(code: str) -> pytest.RaisesExc[ValidationError]:
    """``pytest.raises`` for a ValidationError with exactly this code."""
    return pytest.raises(ValidationError, match=f"^{re.escape(code)}$")


# --- ValidationError ----------------------------------------------------------------------------


def test_validation_error_shape() -> None:
    err = ValidationError("text.too_long", {"max": 10, "length": 11})
    assert isinstance(err, ValueError)
    assert err.code == "text.too_long"
    assert err.params == {"max": 10, "length": 11}
    assert str(err) == "text.too_long"
    assert ValidationError("phone.format").params == {}
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.code, clone.params) == (err.code, err.params)


# --- phone --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "13812345678"),
        ("13012345678", "13012345678"),
        ("19912345678", "19912345678"),
        ("  138 1234 5678 ", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0086-138-1234-5678", "13812345678"),
        ("(+86) 13812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("\u3000１３８\u3000１２３４\u3000５６７８\u3000", "13812345678"),
        ("＋８６－１３８－１２３４－５６７８", "13812345678"),
        ("138—1234—5678", "13812345678"),
    ],
)
def test_parse_mobile_good(text: str, expected: str) -> None:
    assert parse_mobile(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12812345678",  # second digit 2
        "10812345678",
        "23812345678",
        "abc",
        "1381234567a",
        "+87 13812345678",
        "+86 12812345678",
        "860013812345678",
        "010-12345678",  # landline
        "١٣٨١٢٣٤٥٦٧٨",  # Arabic-Indic digits are not accepted
        "138 1234 5678 转 1",
    ],
)
def test_parse_mobile_bad(text: str) -> None:
    with raises_code("phone.format"):
        parse_mobile(text)


@pytest.mark.parametrize(("n", "expected"), [(1, "8"), (2, "78"), (3, "678"), (4, "5678")])
def test_phone_last_digits(n: int, expected: str) -> None:
    assert phone_last_digits("+86 138-1234-5678", n) == expected


def test_phone_last_digits_defaults_to_four() -> None:
    assert phone_last_digits("１３８１２３４５６７８") == "5678"


@pytest.mark.parametrize("n", [0, 5, 11, -1])
def test_phone_last_digits_refuses_to_reveal_more(n: int) -> None:
    with pytest.raises(ValueError) as info:
        phone_last_digits("13812345678", n)
    assert not isinstance(info.value, ValidationError)


def test_phone_last_digits_bad_phone() -> None:
    with raises_code("phone.format"):
        phone_last_digits("12345")


# --- resident identity number -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ID_PLAIN, ID_PLAIN),
        (ID_WITH_X, ID_WITH_X),
        (ID_WITH_X.lower(), ID_WITH_X),
        (f"  {ID_PLAIN}\u3000", ID_PLAIN),
        (f"{ID_PLAIN[:6]} {ID_PLAIN[6:14]} {ID_PLAIN[14:]}", ID_PLAIN),
        (f"{ID_PLAIN[:6]}-{ID_PLAIN[6:14]}-{ID_PLAIN[14:]}", ID_PLAIN),
        (ID_WITH_X.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ")), ID_WITH_X),
        (make_id("11010519000101001"), make_id("11010519000101001")),  # earliest year
        (make_id("11010520000229001"), make_id("11010520000229001")),  # leap day
        (make_id("11010520240615001"), make_id("11010520240615001")),  # born "today"
    ],
)
def test_parse_id_number_good(text: str, expected: str) -> None:
    assert parse_id_number(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "id.length"),
        (ID_PLAIN[:17], "id.length"),
        (ID_PLAIN + "1", "id.length"),
        ("110105900307123", "id.length"),  # old 15-digit format
        (ID_PLAIN[:10] + "A" + ID_PLAIN[11:], "id.format"),
        (ID_PLAIN[:10] + "X" + ID_PLAIN[11:], "id.format"),
        (ID_PLAIN[:17] + "Y", "id.format"),
        (ID_PLAIN[:17] + "!", "id.format"),
        ("١" * 18, "id.format"),
        (make_id("11010519901307123"), "id.birthdate"),  # month 13
        (make_id("11010519900230123"), "id.birthdate"),  # 30 February
        (make_id("11010519010229123"), "id.birthdate"),  # 1901 is not a leap year
        (make_id("11010519900000123"), "id.birthdate"),
        (make_id("11010518991231123"), "id.birthdate"),  # before 1900
        (make_id("11010520240616123"), "id.birthdate"),  # tomorrow
        (make_id("11010530000101123"), "id.birthdate"),
        (ID_PLAIN[:17] + "8", "id.checksum"),
        (ID_WITH_X[:17] + "0", "id.checksum"),
        (ID_PLAIN[:16] + ID_PLAIN[17] + ID_PLAIN[16], "id.checksum"),  # swapped tail
    ],
)
def test_parse_id_number_bad(text: str, code: str) -> None:
    with raises_code(code):
        parse_id_number(text, today=TODAY)


@pytest.mark.parametrize("check", [c for c in "0123456789X" if c != ID_PLAIN[-1]])
def test_parse_id_number_every_wrong_check_character(check: str) -> None:
    with raises_code("id.checksum"):
        parse_id_number(ID_PLAIN[:17] + check, today=TODAY)


@pytest.mark.parametrize("position", [0, 1, 2, 3, 4, 5, 14, 15, 16])  # outside the birth date
def test_parse_id_number_detects_single_digit_typos(position: int) -> None:
    for digit in "0123456789":
        if digit == ID_PLAIN[position]:
            continue
        typo = ID_PLAIN[:position] + digit + ID_PLAIN[position + 1 :]
        with raises_code("id.checksum"):
            parse_id_number(typo, today=TODAY)


def test_parse_id_number_reports_birthdate_before_checksum() -> None:
    bad_date_and_check = make_id("11010519901307123")[:17] + "0"
    assert make_id("11010519901307123")[-1] != "0"
    with raises_code("id.birthdate"):
        parse_id_number(bad_date_and_check, today=TODAY)


def test_parse_id_number_length_error_has_params() -> None:
    with pytest.raises(ValidationError) as info:
        parse_id_number("12345", today=TODAY)
    assert info.value.params == {"length": 5}


# --- unified social credit code -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (USCC_PLAIN, USCC_PLAIN),
        (USCC_PLAIN.lower(), USCC_PLAIN),
        (USCC_CHECK_ZERO, USCC_CHECK_ZERO),
        (USCC_CHECK_LETTER, USCC_CHECK_LETTER),
        (f" {USCC_PLAIN[:9]} {USCC_PLAIN[9:]}\u3000", USCC_PLAIN),
        (f"{USCC_PLAIN[:9]}-{USCC_PLAIN[9:]}", USCC_PLAIN),
        ("９１１１０１０５ｍａ０００００００ｙ", USCC_PLAIN),
        (make_uscc("Y1ABCDEFGHJKLMNPQ"), make_uscc("Y1ABCDEFGHJKLMNPQ")),
        (make_uscc("00000000000000000"), "000000000000000000"),
    ],
)
def test_parse_uscc_good(text: str, expected: str) -> None:
    assert parse_uscc(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "uscc.length"),
        (USCC_PLAIN[:17], "uscc.length"),
        (USCC_PLAIN + "0", "uscc.length"),
        ("123456789", "uscc.length"),
        *[(USCC_PLAIN[:8] + bad + USCC_PLAIN[9:], "uscc.charset") for bad in "IOZSV"],
        (USCC_PLAIN[:17] + "I", "uscc.charset"),
        (USCC_PLAIN[:8] + "!" + USCC_PLAIN[9:], "uscc.charset"),
        (USCC_PLAIN[:8] + "中" + USCC_PLAIN[9:], "uscc.charset"),
        (USCC_PLAIN[:17] + "0", "uscc.checksum"),
        (USCC_CHECK_ZERO[:17] + "Y", "uscc.checksum"),
        (USCC_PLAIN[:8] + USCC_PLAIN[9] + USCC_PLAIN[8] + USCC_PLAIN[10:], "uscc.checksum"),
    ],
)
def test_parse_uscc_bad(text: str, code: str) -> None:
    with raises_code(code):
        parse_uscc(text)


@pytest.mark.parametrize("position", range(17))
def test_parse_uscc_detects_single_character_typos(position: int) -> None:
    for char in USCC_CHARS:
        if char == USCC_PLAIN[position]:
            continue
        with raises_code("uscc.checksum"):
            parse_uscc(USCC_PLAIN[:position] + char + USCC_PLAIN[position + 1 :])


# --- amount -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12000", "12000.00"),
        ("12,000", "12000.00"),
        ("12，000", "12000.00"),
        ("1,234,567.8", "1234567.80"),
        ("¥12,000.50", "12000.50"),
        ("￥12,000.50元", "12000.50"),
        ("12000元", "12000.00"),
        ("1.2万", "12000.00"),
        ("1.2万元", "12000.00"),
        ("3千", "3000.00"),
        ("8千元", "8000.00"),
        ("1.5w", "15000.00"),
        ("2.5K", "2500.00"),
        ("1.23456万", "12345.60"),
        ("RMB 5000", "5000.00"),
        ("人民币5000元整", "5000.00"),
        ("5000块钱", "5000.00"),
        ("0.5", "0.50"),
        (".5元", "0.50"),
        ("12000.5", "12000.50"),
        ("１２，０００．５０", "12000.50"),
        ("\u3000 12 000 元 ", "12000.00"),
        ("100000000", "100000000.00"),
        ("10000万", "100000000.00"),
        # Chinese words (issue 20): how people say an amount aloud
        ("一万二", "12000.00"),
        ("八千五", "8500.00"),
        ("三千五百元", "3500.00"),
        ("两万", "20000.00"),
        ("两万块钱", "20000.00"),
        ("人民币一万元整", "10000.00"),
    ],
)
def test_parse_amount_good(text: str, expected: str) -> None:
    value = parse_amount(text)
    assert value == Decimal(expected)
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "amount.format"),
        ("abc", "amount.format"),
        ("¥", "amount.format"),
        ("万", "amount.format"),
        ("12,00", "amount.format"),
        ("1,2000", "amount.format"),
        ("12.345", "amount.format"),  # sub-cent precision
        ("1.2.3", "amount.format"),
        ("1e5", "amount.format"),
        ("NaN", "amount.format"),
        ("Infinity", "amount.format"),
        ("12元5角", "amount.format"),
        ("1.5亿", "amount.format"),
        ("一二三", "amount.format"),  # digit by digit is not an amount
        ("一万一万", "amount.format"),
        ("零元", "amount.zero"),
        ("--5", "amount.format"),
        ("٥٠٠٠", "amount.format"),
        ("-5", "amount.negative"),
        ("-¥5", "amount.negative"),
        ("¥-5", "amount.negative"),
        ("－５０００元", "amount.negative"),
        ("−100", "amount.negative"),
        ("-1.2万", "amount.negative"),
        ("0", "amount.zero"),
        ("0.00", "amount.zero"),
        ("¥0元", "amount.zero"),
        ("100000000.01", "amount.too_large"),
        ("10001万", "amount.too_large"),
        ("999999999999", "amount.too_large"),
        ("999,999,999,999", "amount.too_large"),
        ("1" + ",000" * 10, "amount.format"),  # absurdly long input is garbage, not a crash
        ("1" * 40, "amount.format"),
        ("1." + "0" * 40 + "1", "amount.format"),
    ],
)
def test_parse_amount_bad(text: str, code: str) -> None:
    with raises_code(code):
        parse_amount(text)


def test_parse_amount_allow_zero() -> None:
    assert parse_amount("0", allow_zero=True) == Decimal("0.00")
    assert parse_amount("¥0.00元", allow_zero=True) == Decimal("0")
    with raises_code("amount.negative"):
        parse_amount("-0.01", allow_zero=True)


def test_parse_amount_too_large_params() -> None:
    with pytest.raises(ValidationError) as info:
        parse_amount("20000万")
    assert info.value.params == {"max": 100_000_000}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12000.5"), "¥12,000.50"),
        (Decimal("0"), "¥0.00"),
        (Decimal("999.999"), "¥1,000.00"),
        (Decimal("100000000"), "¥100,000,000.00"),
    ],
)
def test_format_amount(value: Decimal, expected: str) -> None:
    assert format_amount(value) == expected


# --- date -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("2024-03-01", date(2024, 3, 1), "day"),
        ("2024/3/1", date(2024, 3, 1), "day"),
        ("2024.3.1", date(2024, 3, 1), "day"),
        ("20240301", date(2024, 3, 1), "day"),
        ("2024年3月1日", date(2024, 3, 1), "day"),
        ("2024年03月01号", date(2024, 3, 1), "day"),
        ("2024年3月1", date(2024, 3, 1), "day"),
        (" 2024 年 3 月 1 日 ", date(2024, 3, 1), "day"),
        ("２０２４年３月１日", date(2024, 3, 1), "day"),
        ("２０２４－０３－０１", date(2024, 3, 1), "day"),
        ("2024—03—01", date(2024, 3, 1), "day"),
        ("2024-02-29", date(2024, 2, 29), "day"),
        ("2024-06-15", TODAY, "day"),
        ("2024年3月", date(2024, 3, 1), "month"),
        ("2024年3月份", date(2024, 3, 1), "month"),
        ("2024-03", date(2024, 3, 1), "month"),
        ("2024/3", date(2024, 3, 1), "month"),
        ("2024年6月", date(2024, 6, 1), "month"),  # current month is not "future"
        ("今天", TODAY, "day"),
        ("昨天", date(2024, 6, 14), "day"),
        ("前天", date(2024, 6, 13), "day"),
        ("1950-01-01", date(1950, 1, 1), "day"),
        ("1950年1月", date(1950, 1, 1), "month"),
    ],
)
def test_parse_date_good(text: str, value: date, precision: str) -> None:
    assert parse_date(text, today=TODAY) == ParsedDate(value, precision)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "date.format"),
        ("abc", "date.format"),
        ("2024", "date.format"),
        ("24-03-01", "date.format"),
        ("03/01/2024", "date.format"),
        ("2024-13-01", "date.no_such_day"),
        ("2024-02-30", "date.no_such_day"),
        ("2023-02-29", "date.no_such_day"),
        ("2024-00-10", "date.no_such_day"),
        ("2024-3/1", "date.format"),
        ("2024年13月", "date.no_such_day"),
        ("2024年3月1日早上", "date.format"),
        ("202403", "date.format"),
        ("明天", "date.format"),
        ("٢٠٢٤-٠٣-٠١", "date.format"),
        ("2024-06-16", "date.future"),
        ("2024年7月", "date.future"),
        ("20250101", "date.future"),
        ("1949-12-31", "date.too_old"),
        ("1949年12月", "date.too_old"),
        ("1900/1/1", "date.too_old"),
    ],
)
def test_parse_date_bad(text: str, code: str) -> None:
    with raises_code(code):
        parse_date(text, today=TODAY)


def test_parse_date_allow_future() -> None:
    assert parse_date("2025-01-01", today=TODAY, allow_future=True).value == date(2025, 1, 1)
    assert parse_date("2024年7月", today=TODAY, allow_future=True).precision == "month"


def test_parse_date_earliest() -> None:
    earliest = date(2020, 1, 15)
    with pytest.raises(ValidationError) as info:
        parse_date("2020-01-14", today=TODAY, earliest=earliest)
    assert (info.value.code, info.value.params) == ("date.too_old", {"earliest": "2020-01-15"})
    # A month counts as a whole: January 2020 overlaps the allowed range.
    assert parse_date("2020年1月", today=TODAY, earliest=earliest).value == date(2020, 1, 1)
    with raises_code("date.too_old"):
        parse_date("2019年12月", today=TODAY, earliest=earliest)


def test_parsed_date_display_and_immutability() -> None:
    assert ParsedDate(date(2024, 3, 1), "day").display() == "2024年3月1日"
    assert ParsedDate(date(2024, 3, 1), "month").display() == "2024年3月"
    with pytest.raises(dataclasses.FrozenInstanceError):
        ParsedDate(date(2024, 3, 1), "day").value = date(2024, 3, 2)  # type: ignore[misc]


# --- count ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("12人", 12),
        (" １２ 人 ", 12),
        ("1,200", 1200),
        ("约30人", 30),
        ("大概50个人", 50),
        ("一共8名", 8),
        ("3位", 3),
        ("一", 1),
        ("两人", 2),
        ("十", 10),
        ("十二", 12),
        ("十二个人", 12),
        ("二十", 20),
        ("二十三", 23),
        ("一百", 100),
        ("一百零五", 105),
        ("一百一", 110),
        ("三百二十一", 321),
        ("两千五", 2500),
        ("一千零一十", 1010),
        ("一万", 10000),
        ("一万五", 15000),
        ("一万二千", 12000),
        ("十万", 100000),
        ("100000", 100000),
        ("十二个", 12),
        ("八千五", 8500),
    ],
)
def test_parse_count_good(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "count.format"),
        ("人", "count.format"),
        ("abc", "count.format"),
        ("12.5", "count.format"),
        ("-3", "count.format"),
        ("1e3", "count.format"),
        ("一二", "count.format"),
        ("二零", "count.format"),
        ("十百", "count.format"),
        ("万", "count.format"),
        ("一万一万", "count.format"),
        ("三个半", "count.format"),
        ("几十个", "count.format"),
        ("٣", "count.format"),
        ("0", "count.range"),
        ("零", "count.range"),
        ("100001", "count.range"),
        ("十万零一", "count.range"),
    ],
)
def test_parse_count_bad(text: str, code: str) -> None:
    with raises_code(code):
        parse_count(text)


def test_parse_count_custom_range() -> None:
    assert parse_count("10", minimum=10, maximum=10) == 10
    with pytest.raises(ValidationError) as info:
        parse_count("5", minimum=10, maximum=20)
    assert (info.value.code, info.value.params) == ("count.range", {"min": 10, "max": 20})
    assert parse_count("0", minimum=0) == 0


# --- names and free text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三", "张三"),
        ("  张三丰  ", "张三丰"),
        ("\u3000王五\u3000", "王五"),
        ("阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("某某科技有限公司（北京）", "某某科技有限公司（北京）"),  # full-width brackets kept
        ("John   Smith", "John Smith"),
        ("Li\n Lei", "Li Lei"),
        ("赵\u200b六", "赵六"),
        ("\ufeff钱七", "钱七"),
        ("名" * 50, "名" * 50),
    ],
)
def test_parse_name_good(text: str, expected: str) -> None:
    assert parse_name(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "name.empty"),
        ("   ", "name.empty"),
        ("\u3000\u3000", "name.empty"),
        ("\n\t", "name.empty"),
        ("\u200b", "name.empty"),
        ("张\x00三", "name.charset"),
        ("张\x07三", "name.charset"),
        ("张\x1b[31m三", "name.charset"),
        ("张\u202e三", "name.charset"),
        ("名" * 51, "name.too_long"),
        ("-5", "name.no_letters"),
        ("2025-02-30", "name.no_letters"),
        ("张三13800138000", "name.has_number"),
        ("😀😀", "name.symbols_only"),
        ("……！？", "name.symbols_only"),
        ("👍 ~", "name.symbols_only"),
    ],
)
def test_parse_name_bad(text: str, code: str) -> None:
    with raises_code(code):
        parse_name(text)


def test_parse_name_too_long_params() -> None:
    assert parse_name("张三丰", max_len=3) == "张三丰"
    with pytest.raises(ValidationError) as info:
        parse_name("张三丰李", max_len=3)
    assert info.value.params == {"max": 3, "length": 4}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  公司拖欠工资三个月，共计12000元。  ", "公司拖欠工资三个月，共计12000元。"),
        ("第一行\n第二行", "第一行\n第二行"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("a\u2028b", "a\nb"),
        ("a\tb", "a b"),
        ("a\x00b\x1bc\x7fd", "abcd"),
        ("a\u202eb\u2066c", "abc"),
        ("\u3000\n事实\n\u3000", "事实"),
        ("字" * 2000, "字" * 2000),
    ],
)
def test_parse_free_text_good(text: str, expected: str) -> None:
    assert parse_free_text(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "text.empty"),
        ("  \n\t\u3000", "text.empty"),
        ("\x00\x01\x02", "text.empty"),
        ("字" * 2001, "text.too_long"),
    ],
)
def test_parse_free_text_bad(text: str, code: str) -> None:
    with raises_code(code):
        parse_free_text(text)


def test_parse_free_text_length_params_and_cleaning_first() -> None:
    with pytest.raises(ValidationError) as info:
        parse_free_text("12345678901", max_len=10)
    assert info.value.params == {"max": 10, "length": 11}
    assert parse_free_text("  " + "a" * 10 + "\x00" * 5 + "  ", max_len=10) == "a" * 10


# --- masking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("12345", "*2345"),  # not a mobile: everything but the last 4
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_phone(text: str, expected: str) -> None:
    assert mask_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ID_PLAIN, "110105********1239"),
        (ID_WITH_X.lower(), ID_WITH_X[:6] + "*" * 8 + ID_WITH_X[-4:]),
        (f"{ID_PLAIN[:6]} {ID_PLAIN[6:]}", "110105********1239"),
        ("12345678", "****5678"),  # not 18 characters: only the last 4 survive
        ("123", "***"),
    ],
)
def test_mask_id_number(text: str, expected: str) -> None:
    masked = mask_id_number(text)
    assert masked == expected
    assert "19900307" not in masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三丰", "张**"),
        ("张三", "张*"),
        ("欧阳修", "欧**"),
        ("阿卜杜·热合曼", "阿******"),
        ("某某科技有限公司", "某*******"),
        (" 李四 ", "李*"),
        ("张", "*"),
        ("", ""),
    ],
)
def test_mask_name(text: str, expected: str) -> None:
    assert mask_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的电话是13812345678，请联系", "我的电话是138****5678，请联系"),
        ("电话：138 1234 5678。", "电话：138****5678。"),
        ("电话：138-1234-5678", "电话：138****5678"),
        ("+86-139-8765-4321", "139****4321"),
        ("0086 13987654321", "139****4321"),
        ("tel13812345678abc", "tel138****5678abc"),
        ("全角１３８１２３４５６７８，好", "全角138****5678，好"),
        ("全角１３８\u3000１２３４\u3000５６７８", "全角138****5678"),
        ("电话138—1234—5678", "电话138****5678"),
        ("＋８６－１３８－１２３４－５６７８", "138****5678"),
        (f"身份证{ID_PLAIN}号", "身份证110105********1239号"),
        (f"身份证：{ID_WITH_X.lower()}", f"身份证：{ID_WITH_X[:6]}********{ID_WITH_X[-4:]}"),
        (f"ID {ID_PLAIN[:6]} {ID_PLAIN[6:14]} {ID_PLAIN[14:]}", "ID 110105********1239"),
        ("号码110105199003071230错了也遮", "号码110105********1230错了也遮"),
        ("卡号6222021234567890123", "卡号***************0123"),
        ("卡号6222021234567890", "卡号************7890"),
        ("卡号 6222 0212 3456 7890 123", "卡号 ***************0123"),
        ("单号123456789012", "单号********9012"),
        ("138123456789", "********6789"),  # 12 digits: not a phone, but still masked
        (
            f"13812345678 和 13987654321，证件{ID_PLAIN}",
            "138****5678 和 139****4321，证件110105********1239",
        ),
        # Landlines with their area code, and 15-digit IDs of the old format.
        ("座机010-62345678", "座机010-****5678"),
        ("电话（0755）8765 4321", "电话0755-****4321"),
        ("021 6123 4567转8", "021-****4567转8"),
        ("旧身份证110105491231002", "旧身份证***********1002"),
        ("旧身份证110105 491231 002", "旧身份证***********1002"),
        # Left alone: amounts, dates, short numbers, non-mobile 11-digit numbers.
        ("欠薪12000元，2024-03-01入职", "欠薪12000元，2024-03-01入职"),
        ("20240301至20240615，共3人", "20240301至20240615，共3人"),
        ("热线12333或400-123-4567", "热线12333或400-123-4567"),
        ("编号12812345678", "编号12812345678"),
        ("", ""),
    ],
)
def test_mask_text(text: str, expected: str) -> None:
    assert mask_text(text) == expected
    assert mask_text(expected) == expected  # idempotent


def _random_mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _random_id(rng: random.Random) -> str:
    region = "".join(rng.choice("0123456789") for _ in range(6))
    born = date.fromordinal(rng.randint(date(1930, 1, 1).toordinal(), TODAY.toordinal()))
    return make_id(f"{region}{born:%Y%m%d}{rng.randint(0, 999):03d}")


@pytest.mark.parametrize(
    "template",
    ["{}", "电话{}。", "联系人张三 {} 谢谢", "A{}B", "（{}）", "{}\n{}", "１{}"],
)
def test_mask_text_never_leaks_phones_or_ids(template: str) -> None:
    rng = random.Random(template)
    occurrences = template.count("{}")
    template_digits = sum(c.isdigit() for c in template)
    for _ in range(200):
        phone, id_number = _random_mobile(rng), _random_id(rng)
        # At most 3 + 4 digits of a phone and 6 + 4 characters of an ID may stay visible.
        for secret, visible in ((phone, 7), (id_number, 10), (id_number.lower(), 10)):
            masked = mask_text(template.format(secret, secret))
            assert secret.upper() not in masked.upper()
            assert "****" in masked
            shown = sum(c.isdigit() for c in masked)
            assert shown <= visible * occurrences + template_digits


@pytest.mark.parametrize("sample", ["13812345678", ID_PLAIN, ID_WITH_X])
def test_maskers_never_return_the_input(sample: str) -> None:
    for masked in (mask_phone(sample), mask_id_number(sample), mask_text(sample)):
        assert masked != sample
        assert sample[6:10] not in masked


# --- error-code catalogue ---------------------------------------------------------------------


def test_every_error_code_is_exercised() -> None:
    exercised: set[str] = {"phone.format", "phone.landline_format"}
    for func in (test_parse_id_number_bad, test_parse_uscc_bad, test_parse_amount_bad,
                 test_parse_date_bad, test_parse_count_bad, test_parse_name_bad,
                 test_parse_free_text_bad):  # fmt: skip
        for mark in func.pytestmark:  # type: ignore[attr-defined]
            exercised |= {code for _text, code in mark.args[1]}
    assert exercised == ERROR_CODES


# --- robustness -------------------------------------------------------------------------------

_FUZZ_ALPHABET = (
    "0123456789０１２３４５６７８９+-.,，/年月日号万千元¥xX十百两零人 \u3000\n\x00\u202e"
)


@pytest.mark.parametrize("seed", range(5))
def test_parsers_only_ever_raise_validation_error(seed: int) -> None:
    rng = random.Random(seed)
    parsers = [
        parse_mobile,
        lambda t: parse_id_number(t, today=TODAY),
        parse_uscc,
        parse_amount,
        lambda t: parse_date(t, today=TODAY),
        parse_count,
        parse_name,
        parse_free_text,
    ]
    for _ in range(400):
        text = "".join(rng.choice(_FUZZ_ALPHABET) for _ in range(rng.randint(0, 24)))
        for parser in parsers:
            try:
                parser(text)
            except ValidationError as err:
                assert err.code in ERROR_CODES
        for masker in (mask_phone, mask_id_number, mask_name, mask_text):
            assert isinstance(masker(text), str)


# --- the other side's phone: mobile or landline (issue 20) ------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0772-1234567", "0772-1234567"),
        ("07721234567", "0772-1234567"),
        ("(0772)1234567", "0772-1234567"),
        ("０７７２－１２３４５６７", "0772-1234567"),
        ("010-12345678", "010-12345678"),
        ("0772-1234567 转 123", "0772-1234567 转 123"),
        ("0772-1234567-123", "0772-1234567 转 123"),
        ("0772 1234567 分机 8", "0772-1234567 转 8"),
        ("138 1234 5678", "13812345678"),
    ],
)
def test_parse_phone_accepts_landlines(text: str, expected: str) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize("text", ["", "12345", "0772-123", "1234567", "abc", "0772-1234567 转"])
def test_parse_phone_bad(text: str) -> None:
    with raises_code("phone.landline_format"):
        parse_phone(text)


def test_worker_mobile_stays_mobile_only() -> None:
    for landline in ("0772-1234567", "07721234567", "14012345678"):
        with raises_code("phone.format"):
            parse_mobile(landline)


def test_date_that_does_not_exist_is_named() -> None:
    with pytest.raises(ValidationError) as info:
        parse_date("2026-02-30", today=date(2026, 12, 1))
    assert info.value.code == "date.no_such_day"
