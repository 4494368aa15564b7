"""What a handler sees while it handles one inbound message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Inbound, Reply
from handlers.conversation.search_ahead import Ahead
from knowledge.faq import KnowledgeBase, SearchResult
from settings import Settings
from storage.models import Conversation, Identity, Person

if TYPE_CHECKING:
    from handlers.conversation.core import Core


@dataclass
class Ctx:
    core: Core
    session: AsyncSession
    inbound: Inbound
    identity: Identity
    person: Person
    conv: Conversation
    t: Translator
    choice: str | None = None  # the value of a button pressed for the current step
    # the one site whose cases a staff command may see and act on; None: every site
    # (district staff). Set by handlers/staff/registry.py.
    site_scope: str | None = None
    ahead: Ahead | None = None  # the message's text, searched before it was handled

    def search(self, kb: KnowledgeBase, question: str) -> SearchResult:
        """The FAQ search of ``question`` in the reader's language: the one done ahead in
        the search process when it is this very search (search_ahead.py), else here."""
        locale = self.t.locale
        if self.ahead is not None:
            found = self.ahead.answers(kb, question, locale)
            if found is not None:
                return found
        return kb.search(question, locale)

    @property
    def text(self) -> str:
        return self.inbound.text.strip()

    @property
    def settings(self) -> Settings:
        return self.core.settings

    def now(self) -> datetime:
        return self.core.clock()

    def today(self) -> date:
        return self.now().astimezone(self.settings.tz).date()

    @property
    def actor(self) -> str:
        """How this person appears in the audit trail."""
        return f"{self.inbound.channel}:{self.inbound.sender_id}"

    @property
    def answers(self) -> dict[str, Any]:
        return self.conv.answers

    def set_answer(self, key: str, value: object) -> None:
        """Answers are JSON; reassign so the change is always persisted."""
        self.conv.answers = {**self.conv.answers, key: value}

    def drop_answer(self, key: str) -> None:
        self.conv.answers = {k: v for k, v in self.conv.answers.items() if k != key}

    async def push_to_person(self, person_id: int, key: str, replies: Sequence[Reply]) -> bool:
        """Queue a push to a person's own chat; False when they have no reachable chat."""
        return await self.core.push_to_person(self.session, person_id, key, replies)

    async def notify_staff(
        self, key: str, msgid: str, *, site: str | None = None, **params: object
    ) -> bool:
        """A one-line notice to the work group (and `site`'s), in the center's language."""
        text = self.core.translator()(msgid, **params)
        return await self.push_to_staff(key, [Reply(text)], site)

    async def push_to_staff(
        self, key: str, replies: Sequence[Reply], site: str | Sequence[str] | None = None
    ) -> bool:
        """To the center's work group, and to `site`'s own group when it has one."""
        return await self.core.push_to_groups(self.session, key, replies, site)
