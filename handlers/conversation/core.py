"""The platform-neutral core: one inbound message in, replies out.

Every update is recorded by its platform id in the same transaction that handles it, so a
redelivered update is ignored and a failed one can be retried. Replies to the sender are
returned to the channel; pushes to anyone else go through the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from handlers.conversation import audience, edge, routing
from handlers.conversation.answers import SentAnswers
from handlers.conversation.choices import resolve, shown
from handlers.conversation.context import Ctx
from handlers.conversation.flow import FlowRegistry
from handlers.conversation.i18n import Translator, normalize_locale
from handlers.conversation.i18n import mark as _
from handlers.conversation.knowledge import KnowledgeHolder, Report
from handlers.conversation.locks import KeyedLocks
from handlers.conversation.messages import Answer, Inbound, Reply
from handlers.conversation.redact import group_payload
from handlers.conversation.registry import FEATURES
from handlers.conversation.search_ahead import Ahead, SearchAhead, search_first, start_beside
from knowledge.faq import KnowledgeBase
from knowledge.scope import ScopeRules, load_scope_rules
from settings import CENTER_SITE, Settings
from storage import outbox
from storage.choices import load_choices, save_choices
from storage.conversations import keep_if_changed, load_sender
from storage.db import Database
from storage.models import Person
from storage.people import find_identity, private_chat_identity
from storage.sites import sync_sites
from storage.updates import clear_answers, pending_answer, record_update, store_answer

log = logging.getLogger(__name__)

MAX_TEXT = 4000
RETRIES = 3
#: Messages handled at once by one process. The rest wait here, in order, instead of in the
#: database pool (storage.db; its 30 s wait ends in "busy"), and instead of sharing
#: the CPU so thinly that no answer is ready in time: under overload WeChat then answers
#: late (as a push) rather than not at all. Leaves connections for the outbox and jobs.
HANDLING_SLOTS = 10
_KNOWLEDGE_CHANGED = "knowledge_changed"  # session.info: rebuild the FAQ once this commits


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Core:
    """Routes messages to commands, buttons and flows; owns nothing platform-specific."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        rules: ScopeRules | None = None,
        clock: Callable[[], datetime] = _utcnow,
        knowledge: KnowledgeHolder | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.rules = rules or load_scope_rules()
        self.clock = clock
        self.flows = FlowRegistry()
        self.console_staff = False
        FEATURES.install(self.flows, settings)  # what party/ and staff/ registered
        self._chat_locks = KeyedLocks()
        self._slots = asyncio.Semaphore(HANDLING_SLOTS)
        self.answers = SentAnswers(db)
        self._translators: dict[str, Translator] = {}
        self._knowledge = knowledge or KnowledgeHolder(db)  # other files: tests
        self._search_ahead: SearchAhead | None = None

    # --- the legal FAQ ----------------------------------------------------------------
    @property
    def kb(self) -> KnowledgeBase | None:
        """The FAQ knowledge base as last built (None before the first question)."""
        return self._knowledge.kb

    async def knowledge(self, session: AsyncSession | None = None) -> KnowledgeBase:
        """The FAQ index with staff-linked phrasings; loaded on first use (jieba is slow)."""
        return await self._knowledge.get(session)

    async def warm_knowledge(self) -> None:
        """Build the FAQ index and load jieba at start, so the first question is as fast
        as the others (it would wait for the build, several seconds, otherwise)."""
        kb = await self.knowledge()
        await asyncio.to_thread(kb.warm)

    async def start_search_process(self) -> SearchAhead | None:
        """Search text messages in a child process first (search_ahead.py); None: not started."""
        self._search_ahead = await start_beside(self._knowledge)
        return self._search_ahead

    async def sync_knowledge(self) -> bool:
        """Another process linked a phrasing, or the files changed: rebuild in the background
        (True when it is being rebuilt). Every minute from the housekeeping loop; never raises."""
        return await self._knowledge.sync()

    @staticmethod
    def rebuild_knowledge_after(session: AsyncSession, report: Report | None = None) -> None:
        """A linked phrasing was added in ``session``, or the files changed (``/faq reload``):
        rebuild in the background once it commits; ``report`` hears how it went."""
        session.info.setdefault(_KNOWLEDGE_CHANGED, []).append(report)

    # --- who is who -------------------------------------------------------------------
    def staff_target(self) -> tuple[str, str] | None:
        """Where work-group notices go: the Telegram staff group, else the WeCom group robot,
        else the console. This is the district center's group, which sees every site."""
        tg = self.settings.telegram
        center = self.settings.all_sites()[0]
        if tg.token and (center.telegram_chat_id or tg.staff_chat_id):
            return "telegram", str(center.telegram_chat_id or tg.staff_chat_id)
        if self.settings.wecom.robot_webhook_url:
            return "wecom", "#group"  # bot.channels.wecom.GROUP: never a member's UserID
        if center.wecom_robot_webhook_url:
            return "wecom", f"#group:{CENTER_SITE}"
        if "console" in self.settings.enabled_channels():
            return "console", "staff"
        return None

    def site_target(self, site_id: str | None) -> tuple[str, str] | None:
        """A site's own staff group (its Telegram chat, else its WeCom robot); None when it
        has none: its notices then reach the center's group only."""
        site = self.settings.site(site_id)
        if site is None or site.id == CENTER_SITE:
            return self.staff_target()
        if self.settings.telegram.token and site.telegram_chat_id:
            return "telegram", str(site.telegram_chat_id)
        if site.wecom_robot_webhook_url:
            return "wecom", f"#group:{site.id}"
        return None

    def group_site(self, channel: str, chat_id: str) -> str | None:
        """The site whose work group this chat is ("center" for the center's), else None."""
        for site in self.settings.all_sites():
            if self.site_target(site.id) == (channel, chat_id):
                return site.id
        return None

    def translator(self, locale: str | None = None) -> Translator:
        """One Translator per locale, made once (they hold no per-message state)."""
        locale = locale or self.settings.center.default_locale
        if locale not in self._translators:
            self._translators[locale] = Translator(locale, self.settings.tz)
        return self._translators[locale]

    async def person_translator(self, session: AsyncSession, person_id: int) -> Translator:
        """A translator in the language of the person a push goes to."""
        person = await session.get(Person, person_id)
        return self.translator(person.locale if person and person.locale else None)

    async def push_to_person(
        self,
        session: AsyncSession,
        person_id: int,
        key: str,
        replies: Sequence[Reply],
    ) -> bool:
        identity = await private_chat_identity(session, person_id)
        if identity is None or not identity.chat_id:
            return False
        if audience.shows_labels(identity.channel):  # the console: whom the push is for
            t = await self.person_translator(session, person_id)
            replies = await audience.for_person(session, t, person_id, replies)
        else:
            replies = audience.unlabelled(replies)
        await outbox.enqueue(
            session,
            key=key,
            channel=identity.channel,
            chat_id=identity.chat_id,
            person_id=person_id,
            payload={"replies": [r.to_dict() for r in replies]},
        )
        return True

    async def push_to_groups(
        self,
        session: AsyncSession,
        key: str,
        replies: Sequence[Reply],
        site: str | Sequence[str] | None = None,
    ) -> bool:
        """A notice to the district center's work group (it sees everything) and to the
        group of each `site` that has its own (key suffixed with the site); False when no
        group would see it."""
        sites = [site] if isinstance(site, str) else list(site or [])
        targets = [(key, self.staff_target())]
        targets += [(f"{key}@{s}", self.site_target(s)) for s in sites if s != CENTER_SITE]
        seen: set[tuple[str, str]] = set()
        for target_key, target in targets:
            if target is None or target in seen:
                continue
            seen.add(target)
            await outbox.enqueue(
                session,
                key=target_key,
                channel=target[0],
                chat_id=target[1],
                payload=group_payload(replies),  # the whole group sees it: numbers masked
            )
        return bool(seen)

    async def push_to_member(
        self,
        session: AsyncSession,
        member: str,
        key: str,
        replies: Sequence[Reply],
    ) -> bool:
        """Push to a staff member ('telegram:123') in their private chat with the bot."""
        channel, _, external_id = member.partition(":")
        identity = await find_identity(session, channel, external_id)
        chat_id = identity.chat_id if identity and identity.chat_id else None
        if chat_id is None and channel in ("telegram", "wecom"):
            chat_id = external_id  # a private chat (Telegram, WeCom app) has the user's id
        if chat_id is None:
            return False
        if audience.shows_labels(channel):
            replies = await audience.for_member(session, self.translator(), member, replies)
        else:
            replies = audience.unlabelled(replies)
        payload = {"replies": [r.to_dict() for r in replies]}
        await outbox.enqueue(session, key=key, channel=channel, chat_id=chat_id, payload=payload)
        return True

    # --- handling ---------------------------------------------------------------------
    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Handle one message; messages of one chat are handled one at a time.

        Returns an :class:`Answer`: the channel reports it sent (handlers/answers.py)."""
        inbound = edge.clean(inbound)  # before anything is stored, for every channel
        if edge.unstorable(inbound):
            log.warning("refused a message with an over-long id on %s", inbound.channel)
            return [Reply(self._fallback_t(inbound)(_UNSTORABLE_ID), unhandled=True)]
        searching = search_first(self._search_ahead, inbound, self._fallback_t(inbound).locale)
        async with self._chat_locks.hold(f"{inbound.channel}:{inbound.chat_id}"):
            ahead = await searching.result() if searching else None  # in the chat's order
            async with self._slots:
                return await self._handle_in_turn(inbound, ahead)

    async def _handle_in_turn(self, inbound: Inbound, ahead: Ahead | None) -> list[Reply]:
        """One message in its chat's turn, in a slot: retried on conflicts and database errors."""
        for attempt in range(RETRIES):
            try:
                return await self._handle_once(inbound, ahead)
            except StaleDataError:
                log.info("conversation changed underneath us; retry %s", attempt + 1)
            except TimeoutError as exc:  # it waited long already: do not make it wait more
                log.warning("database timeout handling %s: %r", inbound.update_key, exc)
                break
            # PoolTimeout: every database connection busy for 30 s (overload)
            except (OperationalError, DBAPIError, PoolTimeout, OSError) as exc:
                log.warning("database trouble handling %s: %s", inbound.update_key, exc)
                await asyncio.sleep(0.3 * (attempt + 1))
            except Exception:
                log.exception("handler failed for %s", inbound.update_key)
                return [Reply(self._fallback_t(inbound)(_FAILED), unhandled=True)]
        return [Reply(self._fallback_t(inbound)(_BUSY), unhandled=True)]

    def _fallback_t(self, inbound: Inbound) -> Translator:
        return self.translator(
            normalize_locale(inbound.locale_hint, self.settings.center.default_locale)
        )

    async def start(self) -> None:
        """Show other processes that this one lives (its stored answers are its to send);
        write the configured sites into the database."""
        await self.answers.start()
        async with self.db.session() as session:
            await sync_sites(session, self.settings.all_sites())

    async def close(self) -> None:
        """Record the answers sent so far, and give up a rebuild of the FAQ (at shutdown)."""
        await self.answers.close()
        await self._knowledge.close()
        if self._search_ahead is not None:
            await self._search_ahead.close()

    async def _handle_once(self, inbound: Inbound, ahead: Ahead | None = None) -> list[Reply]:
        sent = self.answers.take()  # earlier answers sent since: cleared in this transaction
        try:
            async with self.db.session() as session:
                update_id = await record_update(session, inbound.channel, inbound.update_key)
                if update_id is None:
                    await clear_answers(session, sent)
                    again = await self._redelivered(session, inbound)
                else:
                    replies = await self._respond(session, inbound, ahead)
                    if replies:  # stored, and the earlier sent ones cleared: one statement
                        payload = [r.to_dict() for r in replies]
                        owner = self.answers.owner
                        await store_answer(
                            session, update_id, inbound.chat_id, payload, owner, clear=sent
                        )
                    else:
                        await clear_answers(session, sent)
        except BaseException:
            self.answers.give_back(sent)
            raise
        self.answers.cleared(sent)
        for report in session.info.pop(_KNOWLEDGE_CHANGED, ()):  # /faq link or reload, committed
            self._knowledge.rebuild(report)
        if update_id is None:
            return again
        return self.answers.answer(inbound, update_id, replies)

    async def _redelivered(self, session: AsyncSession, inbound: Inbound) -> list[Reply]:
        """An update handled before: its answer if that was never (known to be) sent."""
        if not self.answers.in_hand(inbound):
            pending = await pending_answer(session, inbound.channel, inbound.update_key)
            if pending is not None and not await self.answers.owner_alive(session, pending[2]):
                log.info(
                    "update %s came again and its answer was never sent: sending it now",
                    inbound.update_key,
                )
                update_id, stored, _owner = pending
                return self.answers.answer(inbound, update_id, [Reply.from_dict(r) for r in stored])
        log.info("ignoring repeated update %s", inbound.update_key)
        return Answer()

    async def _respond(
        self, session: AsyncSession, inbound: Inbound, ahead: Ahead | None = None
    ) -> list[Reply]:
        """The replies to a new update, in its handling transaction."""
        private = inbound.chat_kind == "private"
        identity, person, conv = await load_sender(
            session,
            inbound.channel,
            inbound.sender_id,
            inbound.chat_id if private else None,
            inbound.chat_id,
        )
        locale = person.locale or normalize_locale(
            inbound.locale_hint, self.settings.center.default_locale
        )
        before: list[list[str]] | None = None  # the choices shown last, if looked up
        if inbound.text_only:
            inbound, before = await self._numbered_choice(session, inbound)
        ctx = Ctx(self, session, inbound, identity, person, conv, self.translator(locale))
        ctx.ahead = ahead
        if len(inbound.text) > MAX_TEXT:
            current = self.flows.current(ctx)
            limit = (current[1].max_text if current else None) or MAX_TEXT
            keep_if_changed(session, conv)
            return [Reply(ctx.t(_TOO_LONG, max=ctx.t.number(min(limit, MAX_TEXT))))]
        replies = await routing.dispatch(ctx)
        keep_if_changed(session, conv)  # a question answered leaves no conversation row
        if inbound.text_only:
            now_shown = shown(replies)
            if now_shown != before:
                await save_choices(session, inbound.channel, inbound.chat_id, now_shown)
            await outbox.release_held(session, inbound.channel, inbound.chat_id)
        return replies

    @staticmethod
    async def _numbered_choice(
        session: AsyncSession,
        inbound: Inbound,
    ) -> tuple[Inbound, list[list[str]] | None]:
        """In a text-only chat, "2" (or the item's words) presses the second button shown.
        Also returns the choices shown, when they were looked up (None when not)."""
        if inbound.button is not None or not inbound.text or inbound.is_command:
            return inbound, None
        choices = await load_choices(session, inbound.channel, inbound.chat_id)
        payload = resolve(inbound.text, choices) if choices else None
        return (replace(inbound, button=payload, text="") if payload else inbound), choices


_BUSY = _(
    "Sorry, the service is busy right now. Your earlier answers are saved; "
    "please send your last message again in a minute."
)
_FAILED = _(
    "Sorry, something went wrong on our side. Your earlier answers are kept; "
    "please send your last message again, or type /help."
)
_UNSTORABLE_ID = _(
    "Sorry, I cannot serve this account: its id is longer than I can store. Please call or "
    "visit the center instead."
)
_TOO_LONG = _(
    "That message is too long for me. Please keep it under {max} characters, "
    "or split it into several messages."
)
