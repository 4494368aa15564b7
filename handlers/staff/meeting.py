"""Where a mediation session takes place, and what the parties are told about it.

`/schedule ID DATE TIME PLACE` takes a room (the parties are asked to bring their ID and
evidence) or `video` / `视频`, optionally followed by the link or meeting number. Without one,
a configured `center.meeting_link_template` (e.g. "https://meet.example.org/{case}-{token}")
makes the link, with a fresh unguessable token for each session; without a template the
parties are told the link will be sent here before the session (staff send it by scheduling
again with the link).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from handlers.conversation.i18n import Translator
from settings import Settings

VIDEO_WORDS = ("video", "视频")
TOKEN_BYTES = 16  # 128 bits: a link nobody can guess from the case number


@dataclass(frozen=True)
class SessionPlace:
    video: bool
    where: str  # a room, or how to join a video session ("" when not known yet)

    @property
    def stored(self) -> str:
        """As kept in `Case.session_place` (at most 200 characters)."""
        return (f"video {self.where}".strip() if self.video else self.where)[:200]

    @property
    def key(self) -> str:
        """Part of the push's idempotency key: sending the link later is a new message."""
        return hashlib.sha256(self.stored.encode()).hexdigest()[:12]


def session_place(settings: Settings, case_number: str, raw: str) -> SessionPlace:
    text = raw.strip()
    word, _, rest = text.partition(" ")
    if word.lower() not in VIDEO_WORDS:
        return SessionPlace(False, text[:200])
    link = rest.strip()
    template = settings.center.meeting_link_template
    if not link and template:
        link = template.format(case=case_number, token=secrets.token_urlsafe(TOKEN_BYTES))
    return SessionPlace(True, link[:190])


def session_notice(t: Translator, number: str, when: datetime, place: SessionPlace) -> str:
    """The message to each party."""
    if not place.video:
        return t(
            "Mediation session for case {number}: {when}, {where}. Please bring your ID "
            "and your evidence. If you cannot come, tell us as soon as possible.",
            number=number,
            when=t.datetime(when),
            where=place.where,
        )
    if place.where:
        return t(
            "Mediation session for case {number}: {when}, by video. Join with: {link}\n"
            "Keep your ID and evidence at hand to show on camera. If you cannot attend, "
            "tell us as soon as possible.",
            number=number,
            when=t.datetime(when),
            link=place.where,
        )
    return t(
        "Mediation session for case {number}: {when}, by video. The center will send you "
        "the link here, in this chat, before the session. Keep your ID and evidence at hand "
        "to show on camera. If you cannot attend, tell us as soon as possible.",
        number=number,
        when=t.datetime(when),
    )


def stored_place(raw: str | None) -> SessionPlace:
    """A place as kept in `Case.session_place`, read back (the link is not made again)."""
    text = (raw or "").strip()
    word, _, rest = text.partition(" ")
    if word.lower() in VIDEO_WORDS:
        return SessionPlace(True, rest.strip())
    return SessionPlace(False, text)


def _where(t: Translator, place: SessionPlace) -> str:
    return t("by video") if place.video else place.where


def _join(t: Translator, place: SessionPlace) -> str:
    """How to join a video session, on its own line (a link followed by a full stop breaks
    in some apps)."""
    if not place.video:
        return ""
    if place.where:
        return "\n" + t("Join with: {link}", link=place.where)
    return "\n" + t("The link will be sent here before the session.")


def reminder_notice(
    t: Translator, number: str, when: datetime, place: SessionPlace, kind: str
) -> str:
    """A reminder to a party or the mediator, sent privately: it may carry the video link."""
    if kind == "day_before":
        text = t(
            "Reminder: the mediation session for case {number} is tomorrow, {when}, {where}.",
            number=number,
            when=t.datetime(when),
            where=_where(t, place),
        )
    else:
        text = t(
            "Reminder: the mediation session for case {number} begins in an hour, at {when}, "
            "{where}.",
            number=number,
            when=t.datetime(when),
            where=_where(t, place),
        )
    return text + _join(t, place) + "\n" + t("If you cannot attend, tell us as soon as possible.")


def moved_notice(
    t: Translator, number: str, before: datetime | None, when: datetime, place: SessionPlace
) -> str:
    text = t(
        "The mediation session for case {number} has moved from {before} to {when}, {where}.",
        number=number,
        before=t.datetime(before) if before else "—",
        when=t.datetime(when),
        where=_where(t, place),
    )
    return text + _join(t, place)


def cancelled_notice(t: Translator, number: str, when: datetime | None, reason: str) -> str:
    text = t(
        "The mediation session for case {number} on {when} has been cancelled. The center "
        "will tell you here when a new session is set.",
        number=number,
        when=t.datetime(when) if when else "—",
    )
    if reason:
        text += "\n" + t("Reason: {reason}", reason=reason)
    return text
