"""Configuration checks that are about secrets and channels: kept apart from bot/config.py
so that each stays small. Error messages name the key and never show a secret's value."""

from __future__ import annotations

import re
from typing import Any

from settings import Settings


class ConfigError(Exception):
    """A configuration value is missing or malformed."""


# Telegram accepts 1-256 of these characters as a webhook secret; we ask for at least 32.
WEBHOOK_SECRET_CHARS = re.compile(r"[A-Za-z0-9_-]+")
WEBHOOK_SECRET_MIN = 32
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def webhook_secret_problem(secret: str) -> str | None:
    """Why `secret` cannot guard the Telegram webhook, or None when it can.

    Anyone who knows the webhook URL can post updates to it; the secret header is the only
    proof that a call comes from Telegram, so a guessable one lets anyone act as any user.
    """
    if not secret:
        return f"required when telegram.mode is 'webhook'; make one with: {MAKE_SECRET}"
    if not WEBHOOK_SECRET_CHARS.fullmatch(secret) or len(secret) > 256:
        return (
            "expected up to 256 letters, digits, '_' and '-' (what Telegram accepts); "
            f"make one with: {MAKE_SECRET}"
        )
    if len(secret) < WEBHOOK_SECRET_MIN or len(set(secret)) < 10:
        return (
            f"too weak: expected at least {WEBHOOK_SECRET_MIN} random characters, got "
            f"{len(secret)}; make one with: {MAKE_SECRET}"
        )
    return None


_URL_PASSWORD = re.compile(r"(://[^:@/?#]*):.*@")
_QUERY_PASSWORD = re.compile(r"(?i)([?&](?:password|passwd|pwd)=)[^&#]*")


def masked_url(url: str) -> str:
    """`url` with any password replaced by ***, for messages and logs."""
    return _QUERY_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1:***@", url))


# Keys whose values are secrets: an error names the key and never shows the value.
SECRET_KEYS = frozenset(
    {
        "token",
        "webhook_secret",
        "data_key",
        "old_keys",
        "app_secret",
        "secret",
        "encoding_aes_key",
        "robot_webhook_url",
    }
)


def shown(key: str, value: Any) -> str:
    """`value` as an error message may show it: secrets hidden, URL passwords masked."""
    if key.split(".")[-1].split("[")[0] in SECRET_KEYS:
        return "(a value, not shown: it is a secret)"
    return repr(masked_url(value)) if isinstance(value, str) else repr(value)


def validate_telegram(s: Settings) -> None:
    if s.telegram.mode not in ("polling", "webhook"):
        raise ConfigError(
            f"telegram.mode: expected 'polling' or 'webhook', got {s.telegram.mode!r}"
        )
    if s.telegram.token and s.telegram.mode == "webhook":
        if not s.telegram.webhook_url:
            raise ConfigError("telegram.webhook_url: required when telegram.mode is 'webhook'")
        problem = webhook_secret_problem(s.telegram.webhook_secret)
        if problem:
            raise ConfigError(f"telegram.webhook_secret: {problem}")
    if s.telegram.max_sends_per_second < 0:
        raise ConfigError(
            "telegram.max_sends_per_second: expected 0 (no limit) or more, "
            f"got {s.telegram.max_sends_per_second}"
        )
    if not (0 < s.telegram.port < 65536):
        raise ConfigError(f"telegram.port: expected 1-65535, got {s.telegram.port}")
