"""The neutral messages that channels translate to and from.

A channel builds an :class:`Inbound` from its platform payload and turns each
:class:`Reply` back into platform calls. Nothing here knows about any platform.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

ChatKind = Literal["private", "group"]


@dataclass(frozen=True)
class Attachment:
    """A file the sender attached, already saved locally by the channel."""

    kind: Literal["photo", "document", "voice", "video"]
    path: str
    size: int
    sha256: str
    file_name: str = ""
    mime_type: str = ""


@dataclass(frozen=True)
class AttachmentRefused:
    """A file the channel did not fetch (too large, wrong type); the handler explains."""

    kind: str
    reason: Literal["too_large", "unsupported", "failed"]
    size: int = 0
    file_name: str = ""


@dataclass(frozen=True)
class Inbound:
    """One message or button press from a person, normalized."""

    channel: str
    update_key: str
    sender_id: str
    chat_id: str
    chat_kind: ChatKind = "private"
    text: str = ""
    button: str | None = None
    attachments: tuple[Attachment, ...] = ()
    refused: tuple[AttachmentRefused, ...] = ()
    sender_name: str = ""
    username: str | None = None
    locale_hint: str | None = None
    entry_source: str | None = None
    reply_to_text: str | None = None  # the text of the message this one replies to
    # Buttons are shown as numbers in this chat (WeChat, WeCom): the core resolves "2" and
    # remembers what it showed; pushes held for the person are released when they write.
    text_only: bool = False
    # The bot's own username on the platform (Telegram), to tell '/cmd@us' from '/cmd@other'.
    bot_name: str | None = None
    # The text held only invisible characters (set by handlers.conversation.edge.clean; text
    # is then "").
    blank: bool = False

    @property
    def addressed_elsewhere(self) -> bool:
        """A command addressed to another bot ('/accept@other_bot 1'): not for us."""
        if not self.is_command:
            return False
        head = self.text[1:].partition(" ")[0]
        if "@" not in head:
            return False
        to = head.split("@", 1)[1].strip().lower()
        return not self.bot_name or to != self.bot_name.lower()

    @property
    def is_command(self) -> bool:
        return self.button is None and self.text.startswith("/")

    @property
    def command(self) -> tuple[str, str]:
        """('start', 'payload') for '/start payload'; handles '/cmd@BotName'."""
        head, _, rest = self.text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        return name, rest.strip()


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """Something to show the person: text, choice buttons, a document or an image."""

    text: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: str | None = None
    image: str | None = None
    file_name: str | None = None
    # The message was not handled (busy, failed): it may be sent again, so a channel leaves
    # the buttons that were pressed in place. Never queued in the outbox.
    unhandled: bool = False
    # `document` was made for this message and holds personal data: the channel removes it
    # once sent (handlers.conversation.private_files.remove_sent).
    temporary: bool = False
    # Whom a push is for ("申请人 张测试", set by handlers/conversation/audience.py): the
    # console, where one person may play every part, shows it as a label; others leave it out.
    audience: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [[[b.label, b.payload] for b in row] for row in self.buttons],
            "document": self.document,
            "image": self.image,
            "file_name": self.file_name,
            **({"temporary": True} if self.temporary else {}),
            **({"audience": self.audience} if self.audience else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        return cls(
            text=data.get("text", ""),
            buttons=tuple(
                tuple(Button(label, payload) for label, payload in row)
                for row in data.get("buttons", [])
            ),
            document=data.get("document"),
            image=data.get("image"),
            file_name=data.get("file_name"),
            temporary=bool(data.get("temporary")),
            audience=str(data.get("audience") or ""),
        )

    @property
    def flat_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


def grid(items: list[Button], per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))


class Receipt(Protocol):
    """How a channel tells the core what became of an answer (see handlers/answers.py)."""

    def sent(self) -> None: ...

    async def handed_over(self, session: Any) -> None: ...


class Answer(list[Reply]):
    """The replies to one inbound message, as the core returns them.

    They were stored with the message's record when it was handled. The channel calls
    :func:`answer_sent` once they reached the platform, or :func:`answer_handed_over` in the
    transaction that queues them in the outbox; until then a redelivery of the message
    (after a crash) gets them again instead of nothing.
    """

    def __init__(self, replies: Iterable[Reply] = (), receipt: Receipt | None = None) -> None:
        super().__init__(replies)
        self.receipt = receipt


def answer_sent(replies: Sequence[Reply] | None) -> None:
    """The replies reached the platform (a no-op for plain lists)."""
    if isinstance(replies, Answer) and replies.receipt is not None:
        replies.receipt.sent()


async def answer_handed_over(session: Any, replies: Sequence[Reply] | None) -> None:
    """The replies were queued in the outbox in `session`'s transaction."""
    if isinstance(replies, Answer) and replies.receipt is not None:
        await replies.receipt.handed_over(session)
