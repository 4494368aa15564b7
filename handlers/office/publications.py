"""Publications as people receive them, and the one offer to subscribe after a case ends.

Every publication message carries the way out: a button "Unsubscribe" (a numbered choice on
WeChat) and the words to send, so a mass send (text only) has it too.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.core import Core
from handlers.conversation.i18n import Translator
from handlers.conversation.messages import Button, Reply, grid
from knowledge.publications import Publication, load_publications
from storage import outbox, subscriptions
from storage.models import Identity, PublicationDraft
from storage.people import private_chat_identity

UNSUBSCRIBE = "sub:off"
# The outbox channel for WeChat publications and offers: customer-service messages only,
# never a template message (bot/channels/wechat_broadcast.py)
WECHAT_CHANNEL = "wechat-broadcast"
START = "sub:menu"
NO_THANKS = "sub:no"


def draft_publication(row: PublicationDraft) -> Publication:
    """An approved /publish draft as a publication ("tc-ID")."""
    return Publication(
        id=f"tc-{row.id}",
        kind="case",
        title={"zh_CN": row.title_zh, **({"en": row.title_en} if row.title_en else {})},
        text={"zh_CN": row.text_zh, **({"en": row.text_en} if row.text_en else {})},
        statutes=(),
        audience=row.audience,
        date=row.created_at.date(),
        reviewed=(row.approved_at or row.created_at).date(),
        law_text=row.law,
    )


async def find(session: AsyncSession, pub_id: str) -> Publication | None:
    """A publication from knowledge/publications, or an approved draft ("tc-ID")."""
    if pub_id.startswith("tc-") and pub_id[3:].isdecimal():
        row = await session.get(PublicationDraft, int(pub_id[3:]))
        return draft_publication(row) if row is not None and row.status == "approved" else None
    return load_publications().get(pub_id)


async def approved_drafts(session: AsyncSession) -> list[Publication]:
    stmt = select(PublicationDraft).where(PublicationDraft.status == "approved")
    return [draft_publication(r) for r in (await session.execute(stmt)).scalars().all()]


def way_out(t: Translator) -> str:
    return t("To stop these messages, send /unsubscribe (or 退订).")


def render(t: Translator, pub: Publication, *, buttons: bool = True) -> Reply:
    """The message a subscriber receives: title, text, sources, the way out."""
    locale = t.locale
    kind = t("Policy update") if pub.kind == "policy" else t("Typical case")
    parts = [f"【{kind}】{pub.field('title', locale)}", pub.field("text", locale)]
    if sources := pub.sources(locale):
        parts.append(t("Sources: {sources}", sources=sources))
    parts.append(way_out(t))
    stop = grid([Button(t("Unsubscribe"), UNSUBSCRIBE)]) if buttons else ()
    return Reply("\n\n".join(parts), buttons=stop)


async def _offer(
    core: Core, session: AsyncSession, person_id: int
) -> tuple[Identity, Reply] | None:
    """The offer's chat and text, marked as offered; None when not to offer (asked before,
    subscribed already, or no chat to reach them)."""
    identity = await private_chat_identity(session, person_id)
    if identity is None or not identity.chat_id or identity.channel == "wecom":
        return None
    now = core.clock()
    if not await subscriptions.mark_offered(
        session, person_id, identity.channel, identity.chat_id, now
    ):
        return None
    t = await core.person_translator(session, person_id)
    text = t(
        "Would you like the center to send you policy updates and typical cases now and then? "
        "Only if you say yes; you can stop at any time."
    )
    buttons = grid([Button(t("Yes, choose what"), START), Button(t("No, thanks"), NO_THANKS)])
    return identity, Reply(text, buttons=buttons)


async def offer_in_reply(core: Core, session: AsyncSession, person_id: int) -> list[Reply]:
    """The offer as part of an answer to the person (once), e.g. after they read the terms."""
    offer = await _offer(core, session, person_id)
    return [offer[1]] if offer else []


async def offer_after_case(core: Core, session: AsyncSession, person_id: int) -> bool:
    """Offer a subscription once to a party whose case ended; False when not offered."""
    offer = await _offer(core, session, person_id)
    if offer is None:
        return False
    identity, reply = offer
    if identity.channel == "wechat":  # never by template: only inside the window, else not
        await outbox.enqueue(
            session,
            key=f"sub-offer:{person_id}",
            channel=WECHAT_CHANNEL,
            chat_id=identity.chat_id,
            person_id=person_id,
            payload={"replies": [reply.to_dict()]},
        )
        return True
    return await core.push_to_person(session, person_id, f"sub-offer:{person_id}", [reply])
