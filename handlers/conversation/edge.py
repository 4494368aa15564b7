"""What every inbound message goes through first, on every channel, before anything is stored.

- NUL and the other C0/C1 control characters (except tab and line breaks) are removed from
  every string a channel hands over: PostgreSQL refuses NUL in text and JSON, and a message
  that cannot be stored was answered "busy, try again" for ever.
- A text made only of invisible characters (zero-width, format, control, combining marks,
  spaces) is marked `blank`: the core answers it politely instead of taking it as an answer.
- Ids longer than their columns cannot be stored: `unstorable` says so, and the core refuses
  the message politely before touching the database.
- File names keep no control or format characters (a right-to-left override made
  'invoice\u202efdp.exe' show as 'invoiceexe.pdf') and no executable suffix ('.exe' becomes
  '_exe'): `safe_file_name`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from handlers.conversation.messages import Inbound

ID_MAX = 100  # identities.external_id and chat_id, conversations.chat_id
UPDATE_KEY_MAX = 120  # inbound_updates.update_key
KEEP = frozenset("\t\n\r")
_DROP = {c: None for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in KEEP}
INVISIBLE = frozenset({"Cc", "Cf", "Mn", "Zs", "Zl", "Zp", "Co", "Cn"})


def scrub(text: str) -> str:
    """`text` without control characters (tab and line breaks kept)."""
    return text.translate(_DROP)


#: Suffixes that run code when opened on a staff computer; never kept on an evidence file.
EXECUTABLE = frozenset(
    [
        "exe",
        "com",
        "bat",
        "cmd",
        "scr",
        "pif",
        "msi",
        "msp",
        "msc",
        "cpl",
        "dll",
        "sys",
        "lnk",
        "url",
        "hta",
        "jar",
        "js",
        "jse",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "ps1",
        "psm1",
        "reg",
        "scf",
        "inf",
        "apk",
        "app",
        "dmg",
        "pkg",
        "sh",
        "bash",
        "command",
        "run",
        "bin",
        "elf",
        "deb",
        "rpm",
        "py",
        "pyw",
        "pl",
        "rb",
        "php",
        "asp",
        "aspx",
        "jsp",
        "cgi",
        "iso",
        "img",
        "vhd",
        "docm",
        "xlsm",
        "pptm",
    ]
)
NAME_MAX = 200
UNPRINTABLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn"})


def safe_file_name(name: str) -> str:
    """A received file's name as it may be stored and shown: no control, bidirectional or
    zero-width characters, no path parts, and no executable suffix."""
    name = "".join(
        "_" if c in '/\\:*?"<>|' else c
        for c in unicodedata.normalize("NFC", name)
        if unicodedata.category(c) not in UNPRINTABLE
    )
    name = " ".join(name.split()).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if dot and suffix.lower() in EXECUTABLE:
        name = f"{stem}_{suffix}"
    return name[-NAME_MAX:] if len(name) > NAME_MAX else name


def _opt(text: str | None) -> str | None:
    return None if text is None else scrub(text)


def visible(text: str) -> bool:
    """Whether `text` has at least one character a person can see."""
    return any(not c.isspace() and unicodedata.category(c) not in INVISIBLE for c in text)


def clean(inbound: Inbound) -> Inbound:
    """The message with control characters removed everywhere, and `blank` set when its
    text held only invisible characters (and nothing else came with it)."""
    text = scrub(inbound.text)
    blank = bool(inbound.text) and not visible(text)
    attachments = tuple(
        replace(a, file_name=safe_file_name(a.file_name), mime_type=scrub(a.mime_type)[:100])
        for a in inbound.attachments
    )
    return replace(
        inbound,
        update_key=scrub(inbound.update_key),
        sender_id=scrub(inbound.sender_id),
        chat_id=scrub(inbound.chat_id),
        text="" if blank else text,
        blank=blank and not inbound.attachments and inbound.button is None,
        button=_opt(inbound.button),
        attachments=attachments,
        sender_name=scrub(inbound.sender_name),
        username=_opt(inbound.username),
        entry_source=_opt(inbound.entry_source),
        reply_to_text=_opt(inbound.reply_to_text),
    )


def unstorable(inbound: Inbound) -> bool:
    """An id longer than the database keeps: refuse rather than fail (or cut and mix up)."""
    return (
        not inbound.sender_id
        or len(inbound.sender_id) > ID_MAX
        or len(inbound.chat_id) > ID_MAX
        or len(inbound.update_key) > UPDATE_KEY_MAX
    )
