"""Translations and locale-aware formatting.

Message ids are English; the zh_CN catalog is the primary one. Catalogs are compiled by
`make` (pybabel compile); if a compiled file is missing or older than its .po, it is compiled
in memory so a fresh checkout still speaks Chinese.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"
LOCALES = ("zh_CN", "en")


def mark(msgid: str) -> str:
    """Mark a text for translation where it is defined; it is translated where it is shown.

    Imported as `_` so that `pybabel extract` finds it.
    """
    return msgid


def normalize_locale(value: str | None, default: str = "zh_CN") -> str:
    """Map platform language codes ('zh-hans', 'en-US', 'zh') onto a supported locale."""
    if not value:
        return default
    v = value.replace("-", "_").lower()
    if v.startswith("zh"):
        return "zh_CN"
    if v.startswith("en"):
        return "en"
    return default


@cache
def _catalog(locale: str) -> NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


class Translator:
    """Everything locale-specific a handler needs: texts, dates, money, numbers."""

    def __init__(self, locale: str, tz: tzinfo) -> None:
        self.locale = locale if locale in LOCALES else "zh_CN"
        self.tz = tz
        self._catalog = _catalog(self.locale)
        self._babel = Locale.parse(self.locale)

    def __call__(self, msgid: str, /, **params: Any) -> str:
        text = self._catalog.gettext(msgid)
        return text.format(**params) if params else text

    def n(self, singular: str, plural: str, count: int, /, **params: Any) -> str:
        text = self._catalog.ngettext(singular, plural, count)
        return text.format(count=self.number(count), **params)

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, format="long", locale=self._babel)

    def month(self, value: _dt.date | None) -> str:
        """A month without a day: 2025年3月, March 2025."""
        if value is None:
            return "—"
        return format_skeleton("yMMMM", value, locale=self._babel)

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        # Staff and parties read "2026年12月14日 10:00": a date and a time without seconds.
        local = value.astimezone(self.tz)
        day = format_date(local.date(), format="long", locale=self._babel)
        return f"{day} {format_time(local, format='short', tzinfo=self.tz, locale=self._babel)}"

    def money(self, amount: Decimal | None) -> str:
        if amount is None:
            return "—"
        return format_currency(amount, "CNY", locale=self._babel)

    def number(self, value: int | Decimal) -> str:
        return format_decimal(value, locale=self._babel)

    def label(self, name: str, value: object) -> str:
        """ "name: value" with the locale's colon (Chinese text takes the full-width "：")."""
        return f"{name}：{value}" if self.locale == "zh_CN" else f"{name}: {value}"

    def sentences(self, *parts: str) -> str:
        """Sentences one after another: no space after "。" in Chinese, one in English."""
        return ("" if self.locale == "zh_CN" else " ").join(p for p in parts if p)

    def join(self, items: Iterable[str], *, strong: bool = False) -> str:
        """A list in running text: "、" in Chinese (strong: "；" between clauses), ", " or
        "; " in English."""
        if self.locale == "zh_CN":
            return ("；" if strong else "、").join(items)
        return ("; " if strong else ", ").join(items)

    def pick(self, texts: dict[str, str] | None) -> str:
        """Choose this locale's text from a data file's {locale: text} table."""
        if not texts:
            return ""
        return texts.get(self.locale) or texts.get("zh_CN") or next(iter(texts.values()))
