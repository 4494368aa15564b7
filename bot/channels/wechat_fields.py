"""Every field of a parsed WeChat message has the type its class declares, or the call is
malformed (400): wechatpy converts a field only when it is read, so a MsgId that is not a
number, or an element where text belongs, would otherwise fail later, as a 500."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wechatpy.fields import DateTimeField, FloatField, IntegerField, StringField

EXPECTED: dict[type, type] = {
    IntegerField: int,
    FloatField: float,
    DateTimeField: datetime,
    StringField: str,
}


def wrong_fields(message: Any) -> list[str]:
    """The XML names of the fields whose value is not of the declared type."""
    wrong = []
    for name, field in type(message)._fields.items():
        expected = EXPECTED.get(type(field))
        if expected is None:  # nested structures (events' ScanCodeInfo etc.) stay as parsed
            continue
        try:
            value = getattr(message, name)
        except Exception:  # int("abc"), a timestamp out of range, ...
            wrong.append(field.name)
            continue
        if value is not None and not isinstance(value, expected):
            wrong.append(field.name)
    return wrong
