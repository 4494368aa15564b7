"""The message catalogs: complete, placeholder-safe, not fuzzy, and compilable.

The files are read at test time, so msgids added to the template later are checked too.
"""

from __future__ import annotations

import io
import string
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from handlers.conversation.i18n import DOMAIN, LOCALE_DIR, Translator

TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
PRIMARY = "zh_CN"
TZ = ZoneInfo("Asia/Shanghai")


def _po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=locale)


def _ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, tuple):
        return message.string
    return (message.string or "",)


def _placeholders(text: str) -> set[str]:
    """Names of the {fields} in a str.format template ('' for positional {})."""
    names = set()
    for _literal, field, _spec, _conv in string.Formatter().parse(text):
        if field is not None:
            names.add(field.split(".")[0].split("[")[0])
    return names


def _label(message: Message) -> str:
    return repr(_ids(message)[0])


@pytest.fixture(scope="module")
def template() -> Catalog:
    return _read(TEMPLATE)


@pytest.fixture(scope="module")
def primary() -> Catalog:
    return _read(_po_path(PRIMARY), PRIMARY)


def test_every_template_msgid_is_translated(template: Catalog, primary: Catalog) -> None:
    missing = []
    for tmpl in template:
        if not tmpl.id:
            continue
        message = primary.get(tmpl.id, tmpl.context)
        if message is None or not all(text.strip() for text in _strings(message)):
            missing.append(_label(tmpl))
    assert not missing, (
        f"{len(missing)} msgid(s) of messages.pot have no {PRIMARY} translation:\n"
        + "\n".join(missing)
    )


@pytest.mark.parametrize("locale", [PRIMARY, "en"])
def test_placeholders_match(locale: str) -> None:
    wrong = []
    for message in _read(_po_path(locale), locale):
        if not message.id:
            continue
        expected = set().union(*(_placeholders(i) for i in _ids(message)))
        for text in _strings(message):
            if not text:
                continue  # untranslated: reported by the completeness test
            try:
                found = _placeholders(text)
            except ValueError as err:
                wrong.append(f"{_label(message)}: malformed braces in {text!r} ({err})")
                continue
            if found != expected:
                wrong.append(
                    f"{_label(message)}: expected {sorted(expected)}, "
                    f"got {sorted(found)} in {text!r}"
                )
    assert not wrong, "placeholders differ from the msgid:\n" + "\n".join(wrong)


@pytest.mark.parametrize("locale", [PRIMARY, "en"])
def test_no_fuzzy_entries(locale: str) -> None:
    catalog = _read(_po_path(locale), locale)
    fuzzy = [_label(m) for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries in {locale} (they are not used at run time):\n" + "\n".join(
        fuzzy
    )


@pytest.mark.parametrize("locale", [PRIMARY, "en"])
def test_catalog_compiles(locale: str) -> None:
    catalog = _read(_po_path(locale), locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    assert buf.getvalue(), f"empty .mo for {locale}"


def test_translator_speaks_chinese() -> None:
    assert Translator("zh_CN", TZ)("File a dispute") == "申请调解"


def test_translator_english_returns_msgid() -> None:
    assert Translator("en", TZ)("File a dispute") == "File a dispute"


def test_english_entries_repeat_their_source() -> None:
    """English is the source language: an en entry is empty or its msgid. One that differs is
    stale (an old greeting kept a placeholder the code no longer passes, and failed)."""
    differ = [
        m.id
        for m in _read(_po_path("en"), "en")
        if m.id and isinstance(m.id, str) and m.string and m.string != m.id
    ]
    assert not differ, differ
