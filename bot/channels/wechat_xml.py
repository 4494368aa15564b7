"""Signatures, AES and XML for WeChat callbacks (plain and safe mode), through wechatpy.

Every check happens before anything is parsed: a forged call is refused without reading
its content, and XML declaring a DOCTYPE or entities is refused outright.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot.channels.callback_checks import declares_entities
from bot.channels.wechat_fields import wrong_fields


class Forged(Exception):
    """The call is not signed with our token (or not encrypted with our key)."""


class Malformed(Exception):
    """The body is not a WeChat message we can read."""


@dataclass(frozen=True)
class CallbackParams:
    signature: str = ""
    msg_signature: str = ""
    timestamp: str = ""
    nonce: str = ""
    encrypt_type: str = ""

    @classmethod
    def from_query(cls, query: Any) -> CallbackParams:
        return cls(
            signature=query.get("signature", ""),
            msg_signature=query.get("msg_signature", ""),
            timestamp=query.get("timestamp", ""),
            nonce=query.get("nonce", ""),
            encrypt_type=query.get("encrypt_type", ""),
        )


class Codec:
    """Verifies, decrypts and parses incoming XML; renders (and encrypts) passive replies."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str, mode: str) -> None:
        self.token = token
        self.mode = mode
        self.crypto = WeChatCrypto(token, encoding_aes_key, app_id) if mode == "safe" else None

    def verify_url(self, params: CallbackParams, echostr: str) -> str:
        """The URL check when the server address is saved in the console: echo back."""
        if params.msg_signature and self.crypto is not None:
            try:  # the encrypted variant: the echo string is decrypted
                return str(
                    self.crypto._check_signature(  # wechatpy's own check, also for WeCom
                        params.msg_signature, params.timestamp, params.nonce, echostr, PrpCrypto
                    )
                )
            except (InvalidSignatureException, InvalidAppIdException, ValueError) as exc:
                raise Forged(str(exc)) from None
        self._check_plain(params)
        return echostr

    def _check_plain(self, params: CallbackParams) -> None:
        try:
            check_signature(self.token, params.signature, params.timestamp, params.nonce)
        except InvalidSignatureException:
            raise Forged("bad signature") from None

    def read(self, params: CallbackParams, body: bytes) -> Any:
        """The wechatpy message object of a verified call."""
        if declares_entities(body):
            raise Malformed("XML with a DOCTYPE or entities")
        if self.crypto is not None:
            if not params.msg_signature:
                raise Forged("safe mode: the call carries no msg_signature")
            try:
                xml = self.crypto.decrypt_message(
                    body, params.msg_signature, params.timestamp, params.nonce
                )
            except (InvalidSignatureException, InvalidAppIdException) as exc:
                raise Forged(type(exc).__name__) from None
            except Exception as exc:  # not XML, no Encrypt element, bad padding
                raise Malformed(repr(exc)) from None
            if declares_entities(xml):
                raise Malformed("XML with a DOCTYPE or entities")
        else:
            self._check_plain(params)
            xml = body
        try:
            message = parse_message(xml)
        except Exception as exc:
            raise Malformed(repr(exc)) from None
        if message is None or not getattr(message, "source", None):
            raise Malformed("no sender")
        wrong = wrong_fields(message)
        if wrong:
            raise Malformed(f"wrong type: {', '.join(wrong)}")
        return message

    def reply(self, message: Any, text: str, params: CallbackParams) -> str:
        """A passive text reply to `message` (encrypted in safe mode)."""
        xml = TextReply(message=message, content=text).render()
        if self.crypto is None:
            return str(xml)
        timestamp = str(int(time.time()))
        return str(self.crypto.encrypt_message(xml, params.nonce or timestamp, timestamp))
