"""An interactive terminal chat: buttons become numbered choices.

Type a number to press a button, `/file PATH` to attach a file, Ctrl-D to quit. Messages that
are not a reply to what was typed are labelled: `📋 [工作群]` for the staff work group's
notices, a push to a person with 🔔 and whom it is for (`[申请人 张测试]`, `[被申请人 …]`,
`[工作人员 …]`: `Reply.audience`, set where every push is written, handlers/conversation/
audience.py), in the reader's language. With `console --staff` the numbers act on the buttons of the
work-group notice when that was the last thing shown with buttons (pressed in the work group,
as staff would).
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import sys
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.files import save_bytes
from handlers.conversation.messages import AttachmentRefused, Inbound, Reply, answer_sent

Handler = Callable[[Inbound], Awaitable[list[Reply]]]
STAFF_CHAT = "staff"  # the console's work group (handlers: Core.staff_target)


class ConsoleChannel:
    name = "console"

    def __init__(
        self,
        handler: Handler,
        *,
        user: str = "console-user",
        files_dir: str = "data/files",
        max_bytes: int = 20 * 1024 * 1024,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        staff: bool = False,
        work_group: str = "工作群",
    ) -> None:
        self.handler = handler
        self.user = user
        self.files_dir = files_dir
        self.max_bytes = max_bytes
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.staff = staff
        self.work_group_label = f"📋 [{work_group}] "  # in the center's language (bot/app.py)
        self._choices: list[str] = []
        self._choices_chat = ""  # "" the person's own chat; STAFF_CHAT the work group
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.finished = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # --- output ------------------------------------------------------------------------
    def _print(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def show(self, replies: Sequence[Reply], *, header: str = "", chat: str | None = "") -> None:
        """Print replies; their buttons become the numbers typed next, pressed in `chat`
        (None: keep the numbers as they were)."""
        choices: list[str] = []
        for reply in replies:
            label = f"[{reply.audience}] " if reply.audience else ""
            lines = [header + label + reply.text] if reply.text else []
            for button in reply.flat_buttons:
                choices.append(button.payload)
                lines.append(f"  [{len(choices)}] {button.label}")
            if reply.document:  # the full path: the file is opened from where it was written
                name = f" ({reply.file_name})" if reply.file_name else ""
                lines.append(f"  📄 {Path(reply.document).resolve()}{name}")
            if reply.image:
                lines.append(f"  🖼  {Path(reply.image).resolve()}")
            self._print("\n".join(lines))
        if choices and chat is not None:
            self._choices, self._choices_chat = choices, chat

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        if chat_id == STAFF_CHAT:
            chat = STAFF_CHAT if self.staff else None
            self.show(replies, header=self.work_group_label, chat=chat)
        else:
            self.show(replies, header="🔔 ", chat="" if chat_id == self.user else None)

    # --- input -------------------------------------------------------------------------
    def _reader(self, loop: asyncio.AbstractEventLoop) -> None:
        for line in iter(self.stdin.readline, ""):
            loop.call_soon_threadsafe(self._lines.put_nowait, line.rstrip("\r\n"))
        loop.call_soon_threadsafe(self._lines.put_nowait, None)

    def to_inbound(self, line: str) -> Inbound:
        key = f"console:{uuid.uuid4().hex}"
        base: dict[str, Any] = dict(
            channel="console", update_key=key, sender_id=self.user, chat_id=self.user
        )
        text = line.strip()
        if text.isdecimal() and 1 <= int(text) <= len(self._choices):
            button = self._choices[int(text) - 1]
            if self._choices_chat == STAFF_CHAT:
                base.update(chat_id=STAFF_CHAT, chat_kind="group")
            return Inbound(**base, button=button)
        if text.startswith("/file "):
            return self._file(base, text[6:].strip())
        return Inbound(**base, text=text)

    def _file(self, base: dict[str, Any], raw_path: str) -> Inbound:
        path = Path(raw_path).expanduser()
        if not path.is_file():
            return Inbound(**base, refused=(AttachmentRefused("document", "failed"),))
        size = path.stat().st_size
        if size > self.max_bytes:
            return Inbound(**base, refused=(AttachmentRefused("document", "too_large", size),))
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        kind = "photo" if mime.startswith("image/") else "document"
        att = save_bytes(
            self.files_dir, path.read_bytes(), kind=kind, file_name=path.name, mime_type=mime
        )
        return Inbound(**base, attachments=(att,))

    async def _loop(self) -> None:
        replies = await self.handler(self.to_inbound("/start"))
        self.show(replies)
        answer_sent(replies)
        while True:
            line = await self._lines.get()
            if line is None:
                break
            if not line.strip():
                continue
            replies = await self.handler(self.to_inbound(line))
            self.show(replies)
            answer_sent(replies)
        self.finished.set()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._reader, args=(loop,), daemon=True).start()
        self._task = asyncio.create_task(self._loop(), name="console")

    async def stop(self) -> None:
        if self._task and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
