"""Replies as WeCom texts: the 2048-byte limit, and work-group buttons as typed commands.

A group robot cannot show buttons, and a WeCom app cannot read what is typed in a group, so
the buttons of a work-group notice become the commands staff type in the app's own chat.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.channels.numbered import render
from bot.channels.text_parts import split_utf8 as _split_utf8
from handlers.conversation.i18n import Translator
from handlers.conversation.i18n import mark as _
from handlers.conversation.messages import Button, Reply

TEXT_LIMIT = 2048  # bytes of UTF-8: app messages, passive replies and robot texts
ROBOT_IMAGE_LIMIT = 2 * 1024 * 1024  # the robot takes JPG or PNG up to 2 MB
CASE_PAYLOAD = re.compile(r"^st:(\w+):(\d+)(?::(.+))?$")

TYPE_IN_APP = _("In the app chat, send:")
COMMAND_LINE = _("{label}: {command}")
REFER = _("/refer {number} ROUTE")
ASSIGN = _("/assign {number} MEDIATOR-OR-DEPARTMENT")
OPEN_IN_APP = _("{label}: open the case in the app with {command}")
FILE_IN_APP = _("📄 {name}: ask for it in the app chat.")


def split_utf8(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split on line breaks so that every part is at most `limit` bytes of UTF-8."""
    return _split_utf8(text, limit)


def app_steps(replies: list[Reply]) -> list[list[str]]:
    """What message/send posts, in order: ["text", part], ["image"|"file", path, name]."""
    texts, _ = render(replies)
    pending = iter(texts)
    steps: list[list[str]] = []
    for reply in replies:
        if reply.text or reply.flat_buttons:  # exactly the replies render() made a text of
            steps += [["text", part] for part in split_utf8(next(pending))]
        if reply.image:
            steps.append(["image", reply.image, Path(reply.image).name])
        if reply.document:
            steps.append(["file", reply.document, reply.file_name or Path(reply.document).name])
    return steps


def case_ids(replies: list[Reply]) -> set[int]:
    """The case ids named by staff-button payloads ('st:accept:17')."""
    ids = set()
    for reply in replies:
        for button in reply.flat_buttons:
            match = CASE_PAYLOAD.match(button.payload)
            if match:
                ids.add(int(match.group(2)))
    return ids


def command_line(button: Button, numbers: Mapping[int, str], t: Translator) -> str | None:
    """What staff type in the app chat instead of pressing `button` (None: no equivalent)."""
    match = CASE_PAYLOAD.match(button.payload)
    if not match or int(match.group(2)) not in numbers:
        return None
    action, number, extra = match.group(1), numbers[int(match.group(2))], match.group(3)
    simple = {"view": "case", "accept": "accept"}
    if action in simple:
        command = f"/{simple[action]} {number}"
    elif action == "refer":
        command = t(REFER, number=number)
    elif action == "referto" and extra:
        command = f"/refer {number} {extra}"
    elif action == "assign":
        command = t(ASSIGN, number=number)
    elif action == "assignto" and extra:
        command = f"/assign {number} {extra}"
    else:
        return t(OPEN_IN_APP, label=button.label, command=f"/case {number}")
    return t(COMMAND_LINE, label=button.label, command=command)


def group_text(reply: Reply, numbers: Mapping[int, str], t: Translator) -> str:
    """The reply's text for the group, its buttons written as commands to type in the app."""
    lines = [reply.text] if reply.text else []
    commands: list[str] = []
    for button in reply.flat_buttons:
        line = command_line(button, numbers, t)
        if line and line not in commands:
            commands.append(line)
    if commands:
        lines += ["", t(TYPE_IN_APP), *commands]
    return "\n".join(lines).strip()


def robot_messages(reply: Reply, numbers: Mapping[int, str], t: Translator) -> list[dict[str, Any]]:
    """The robot webhook payloads for one reply: texts within the limit, then the image."""
    text = group_text(reply, numbers, t)
    image = _robot_image(reply.image) if reply.image else None
    extra = []
    if reply.image and image is None:
        extra.append(t(FILE_IN_APP, name=Path(reply.image).name))
    if reply.document:
        extra.append(t(FILE_IN_APP, name=reply.file_name or Path(reply.document).name))
    text = "\n".join(part for part in (text, *extra) if part)
    payloads: list[dict[str, Any]] = [
        {"msgtype": "text", "text": {"content": part}} for part in split_utf8(text) if part
    ]
    if image is not None:
        payloads.append(image)
    return payloads


def _robot_image(path: str) -> dict[str, Any] | None:
    """An image message (base64 and md5 of the file), or None when the robot cannot take it."""
    file = Path(path)
    if file.suffix.lower() not in (".png", ".jpg", ".jpeg") or not file.is_file():
        return None
    data = file.read_bytes()
    if len(data) > ROBOT_IMAGE_LIMIT:
        return None
    return {
        "msgtype": "image",
        "image": {
            "base64": base64.b64encode(data).decode("ascii"),
            "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        },
    }
