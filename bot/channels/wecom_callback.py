"""The app's callback URL: size, XML and signature checks, decryption, passive replies.

Everything here happens before a message is handled: a call that fails a check is refused
with the HTTP status in :class:`Refused` and nothing of it is processed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import xmltodict
from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException

from bot.channels.callback_checks import Refused, ReplayGuard, declares_entities, read_body

__all__ = [
    "MAX_BODY",
    "Incoming",
    "Refused",
    "ReplayGuard",
    "open_message",
    "read_body",
    "verify_url",
]

MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Incoming:
    """The parts of a decrypted callback message the channel uses."""

    user_id: str
    key: str  # MsgId; for events the sender, time and event
    kind: str  # text, image, file, voice, video, click, ...
    text: str = ""
    media_id: str = ""
    file_name: str = ""


def _refuse_declarations(xml: str | bytes) -> None:
    if declares_entities(xml):
        raise Refused(400, "XML with a DOCTYPE or ENTITY declaration")


def verify_url(crypto: WeChatCrypto, query: Any) -> str:
    """The decrypted echostr of WeCom's URL check (GET), if the signature is right."""
    try:
        args = [query[k] for k in ("msg_signature", "timestamp", "nonce", "echostr")]
    except KeyError:
        raise Refused(403, "URL check without a signature") from None
    try:
        return str(crypto.check_signature(*args))
    except (InvalidSignatureException, InvalidCorpIdException):
        raise Refused(403, "URL check with a wrong signature") from None
    except Exception:
        raise Refused(400, "URL check with an echostr that does not decrypt") from None


def open_message(crypto: WeChatCrypto, query: Any, body: bytes) -> str:
    """The decrypted message XML of a POST whose signature is right."""
    _refuse_declarations(body)
    signature, timestamp, nonce = (query.get(k) for k in ("msg_signature", "timestamp", "nonce"))
    if not (signature and timestamp and nonce):
        raise Refused(403, "message without a signature")
    try:
        outer = xmltodict.parse(body)["xml"]
        if not isinstance(outer, dict) or not outer.get("Encrypt"):
            raise ValueError("no Encrypt element")
    except Exception:
        raise Refused(400, "not a WeCom message") from None
    try:
        plain = str(crypto.decrypt_message(outer, signature, timestamp, nonce))
    except (InvalidSignatureException, InvalidCorpIdException):
        raise Refused(403, "message with a wrong signature") from None
    except Exception:
        raise Refused(400, "message that does not decrypt") from None
    _refuse_declarations(plain)
    return plain


def incoming(plain: str) -> Incoming | None:
    """The message's parts; None for events the bot does not act on (enter_agent, ...)."""
    try:
        msg = parse_message(plain)
    except Exception:
        raise Refused(400, "unreadable message") from None
    data: dict[str, Any] = msg._data  # the parsed XML, also for types wechatpy lacks
    user = str(data.get("FromUserName") or "")
    kind = str(data.get("MsgType") or "").lower()
    if not user:
        return None
    if kind == "event":  # only menu clicks: an item with the key "/queue" is that command
        event = str(data.get("Event") or "").lower()
        menu_key = str(data.get("EventKey") or "")
        if event != "click" or not menu_key:
            return None
        return Incoming(user, f"event:{user}:{data.get('CreateTime')}:{event}", "click", menu_key)
    key = str(data.get("MsgId") or f"{user}:{data.get('CreateTime')}")
    return Incoming(
        user,
        key,
        kind,
        text=str(data.get("Content") or ""),
        media_id=str(data.get("MediaId") or ""),
        file_name=str(data.get("FileName") or ""),
    )


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def passive_reply(
    crypto: WeChatCrypto, *, corp_id: str, user_id: str, text: str, nonce: str
) -> str:
    """The encrypted XML that answers the callback with one text message."""
    plain = (
        "<xml>"
        f"<ToUserName>{_cdata(user_id)}</ToUserName>"
        f"<FromUserName>{_cdata(corp_id)}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(text)}</Content>"
        "</xml>"
    )
    return str(crypto.encrypt_message(plain, nonce))
