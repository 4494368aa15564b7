"""Settings: built-in defaults, overlaid by a TOML file, overlaid by environment secrets.

An invalid file raises :class:`ConfigError` naming the key and what was expected; the CLI
turns that into one clear line and exit code 2.
"""

from __future__ import annotations

import os
import socket
import tomllib
from dataclasses import fields, is_dataclass
from datetime import date, time
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config_checks import (
    SECRET_KEYS,
    ConfigError,
    masked_url,
    shown,
    validate_telegram,
)
from settings import (  # the dataclasses live a layer down; re-exported for bot/
    OFFICIAL_TELEGRAM_API,
    OFFICIAL_TELEGRAM_FILES,
    OFFICIAL_WECHAT_API,
    OFFICIAL_WECOM_API,
    SUPPORTED_LOCALES,
    ArbitrationSettings,
    CalendarSettings,
    CenterSettings,
    ConsoleSettings,
    DatabaseSettings,
    FollowUpSettings,
    HealthSettings,
    LoggingSettings,
    OutboxSettings,
    RetentionSettings,
    SecuritySettings,
    Settings,
    StaffSettings,
    StorageSettings,
    TelegramSettings,
    WebhookSettings,
    WeChatSettings,
    WeComSettings,
)

__all__ = [
    "OFFICIAL_TELEGRAM_API",
    "OFFICIAL_TELEGRAM_FILES",
    "OFFICIAL_WECHAT_API",
    "OFFICIAL_WECOM_API",
    "SECRET_KEYS",
    "SUPPORTED_LOCALES",
    "ArbitrationSettings",
    "CalendarSettings",
    "CenterSettings",
    "ConfigError",
    "ConsoleSettings",
    "DatabaseSettings",
    "FollowUpSettings",
    "HealthSettings",
    "LoggingSettings",
    "OutboxSettings",
    "RetentionSettings",
    "SecuritySettings",
    "Settings",
    "StaffSettings",
    "StorageSettings",
    "TelegramSettings",
    "WeChatSettings",
    "WeComSettings",
    "WebhookSettings",
    "load_settings",
    "masked_url",
]  # re-exported
from bot.config_ops import ops_environment, validate_ops
from bot.config_sites import parse_sites, validate_sites

# Environment variables that may carry secrets instead of the file.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "MEDIATION_TELEGRAM_TOKEN": ("telegram", "token"),
    "MEDIATION_TELEGRAM_WEBHOOK_SECRET": ("telegram", "webhook_secret"),
    "MEDIATION_DATABASE_URL": ("database", "url"),
    "MEDIATION_DATA_KEY": ("security", "data_key"),
    "MEDIATION_WECHAT_APP_SECRET": ("wechat", "app_secret"),
    "MEDIATION_WECHAT_TOKEN": ("wechat", "token"),
    "MEDIATION_WECHAT_AES_KEY": ("wechat", "encoding_aes_key"),
    "MEDIATION_WECOM_SECRET": ("wecom", "secret"),
    "MEDIATION_WECOM_TOKEN": ("wecom", "token"),
    "MEDIATION_WECOM_AES_KEY": ("wecom", "encoding_aes_key"),
    "MEDIATION_WECOM_ROBOT_URL": ("wecom", "robot_webhook_url"),
}


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is list:
        return f"a list of {_type_name(get_args(tp)[0])}s"
    if origin is dict:
        return f"a table of {_type_name(get_args(tp)[1])}s"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        tp, str(tp)
    )


def _coerce(key: str, value: Any, tp: Any) -> Any:
    origin = get_origin(tp)
    if origin is list:
        (item_tp,) = get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected {_type_name(tp)}, got {shown(key, value)}")
        return [_coerce(f"{key}[{i}]", v, item_tp) for i, v in enumerate(value)]
    if origin is dict:
        _key_tp, value_tp = get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected {_type_name(tp)}, got {shown(key, value)}")
        return {str(k): _coerce(f"{key}.{k}", v, value_tp) for k, v in value.items()}
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, bool):
        raise ConfigError(f"{key}: expected {_type_name(tp)}, got {shown(key, value)}")
    if not isinstance(value, tp):
        raise ConfigError(f"{key}: expected {_type_name(tp)}, got {shown(key, value)}")
    return value


def _apply(obj: Any, data: dict[str, Any], prefix: str) -> None:
    hints = get_type_hints(type(obj))
    known = {f.name for f in fields(obj)}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if key not in known or key == "source":
            raise ConfigError(f"{full}: unknown key (see config.example.toml for the keys)")
        current = getattr(obj, key)
        if is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"{full}: expected a [{full}] table")
            _apply(current, value, f"{full}.")
        else:
            setattr(obj, key, _coerce(full, value, hints[key]))


def _validate_meeting_link(template: str) -> None:
    if not template:
        return
    try:
        sample = template.format(case="LJ-2026-000001", token="x")
    except (KeyError, IndexError, ValueError):
        sample = ""
    if "{token}" not in template or not sample.startswith("https://"):
        raise ConfigError(
            "center.meeting_link_template: expected an https:// link with {token} (and "
            f"optionally {{case}}), e.g. 'https://meet.example.org/{{case}}-{{token}}', "
            f"got {template!r}"
        )


def _validate(s: Settings) -> None:
    if s.center.default_locale not in SUPPORTED_LOCALES:
        raise ConfigError(
            f"center.default_locale: expected one of {', '.join(SUPPORTED_LOCALES)}, "
            f"got {s.center.default_locale!r}"
        )
    try:
        ZoneInfo(s.center.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"center.timezone: expected an IANA time zone such as 'Asia/Shanghai', "
            f"got {s.center.timezone!r}"
        ) from None
    prefix = s.center.case_prefix
    if not (1 <= len(prefix) <= 6 and prefix.isascii() and prefix.isalpha()):
        raise ConfigError(f"center.case_prefix: expected 1-6 ASCII letters, got {prefix!r}")
    if not s.center.streets:
        raise ConfigError("center.streets: expected at least one street or town")
    _validate_meeting_link(s.center.meeting_link_template)
    validate_sites(s, ConfigError)
    validate_telegram(s)
    if not s.database.url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            "database.url: expected 'sqlite+aiosqlite:///PATH' or "
            f"'postgresql+asyncpg://USER@HOST/DB', got {masked_url(s.database.url)!r}"
        )
    if s.webhooks.share_ports and not s.database.url.startswith("postgresql"):
        raise ConfigError(
            "webhooks.share_ports: several bot processes need PostgreSQL "
            "(SQLite is for one process); set database.url or share_ports = false"
        )
    if s.webhooks.share_ports and not hasattr(socket, "SO_REUSEPORT"):
        raise ConfigError("webhooks.share_ports: this system cannot share a port (no SO_REUSEPORT)")
    if s.database.timeout_seconds <= 0:
        raise ConfigError("database.timeout_seconds: expected a positive number of seconds")
    for member in s.risk.liaisons:
        if ":" not in member:
            raise ConfigError(
                "risk.liaisons: expected 'channel:user_id' such as 'telegram:12345', "
                f"got {member!r}"
            )
    if s.risk.evaluate_minutes <= 0:
        raise ConfigError("risk.evaluate_minutes: expected a positive number of minutes")
    for admin in s.staff.admins:
        if ":" not in admin:
            raise ConfigError(
                f"staff.admins: expected 'channel:user_id' such as 'telegram:12345', got {admin!r}"
            )
    for key in ("holidays", "workdays"):
        for value in getattr(s.calendar, key):
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ConfigError(
                    f"calendar.{key}: expected dates like '2027-01-01', got {value!r}"
                ) from None
    for key, value in (
        ("center.digest_time", s.center.digest_time),
        ("center.session_reminder_time", s.center.session_reminder_time),
        ("followup.quiet_start", s.followup.quiet_start),
        ("followup.quiet_end", s.followup.quiet_end),
    ):
        try:
            time.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"{key}: expected a time like '09:00', got {value!r}") from None
    reminder = time.fromisoformat(s.center.session_reminder_time)
    quiet = (time.fromisoformat(s.followup.quiet_start), time.fromisoformat(s.followup.quiet_end))
    if quiet[0] > quiet[1]:
        silent = reminder >= quiet[0] or reminder < quiet[1]
    else:
        silent = quiet[0] <= reminder < quiet[1]
    if silent:
        raise ConfigError(
            f"center.session_reminder_time: {s.center.session_reminder_time} is inside the quiet "
            f"hours ({s.followup.quiet_start}-{s.followup.quiet_end}); choose a time outside them"
        )
    if s.followup.reminder_days <= 0 or s.followup.survey_delay_hours < 0:
        raise ConfigError("followup.reminder_days: expected a positive number of days")
    for key, amount in vars(s.subsidy).items():
        if amount < 0:
            raise ConfigError(f"subsidy.{key}: expected an amount in yuan, 0 or more")
    for key in ("mediation_days", "court_mediation_days", "accept_working_days"):
        if getattr(s.center, key) <= 0:
            raise ConfigError(f"center.{key}: expected a positive number of days")
    if not 0 < s.center.site_agreement_target <= 1:
        raise ConfigError(
            "center.site_agreement_target: expected a share between 0 and 1 such as 0.6, "
            f"got {s.center.site_agreement_target!r}"
        )
    for dept in s.staff.departments:
        code, _, name = dept.partition("=")
        if not (code.isascii() and code.isidentifier() and name.strip()):
            raise ConfigError(
                f"staff.departments: expected 'code=名称' such as 'petition=信访局', got {dept!r}"
            )
    from cryptography.fernet import Fernet

    for key in s.security.old_keys:
        try:
            Fernet(key.encode())
        except ValueError:
            raise ConfigError("security.old_keys: expected Fernet keys like data_key") from None
    if s.security.data_key:
        try:
            Fernet(s.security.data_key.encode())
        except ValueError:
            raise ConfigError(
                "security.data_key: expected a Fernet key (32 url-safe base64 bytes); make one "
                'with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"'
            ) from None
    _validate_wechat(s)
    validate_ops(s, ConfigError)
    for key, days in vars(s.retention).items():
        if days <= 0:
            raise ConfigError(f"retention.{key}: expected a positive number of days, got {days}")
    if s.storage.max_attachment_mb <= 0:
        raise ConfigError("storage.max_attachment_mb: expected a positive integer")


def _validate_wechat(s: Settings) -> None:
    w = s.wechat
    if w.mode not in ("plain", "safe"):
        raise ConfigError(f"wechat.mode: expected 'plain' or 'safe', got {w.mode!r}")
    if w.enabled and w.mode == "safe" and len(w.encoding_aes_key) != 43:
        raise ConfigError(
            "wechat.encoding_aes_key: expected the 43-character EncodingAESKey from the "
            "Official Account console (needed in 'safe' mode)"
        )
    if w.enabled and not w.app_secret:
        raise ConfigError("wechat.app_secret: required when wechat.app_id is set")
    for section, path in (("wechat", w.path), ("wecom", s.wecom.path)):
        if not path.startswith("/"):
            raise ConfigError(f"{section}.path: expected a path such as '/{section}'")
    for section, port in (("wechat", w.port), ("wecom", s.wecom.port)):
        if not (0 < port < 65536):
            raise ConfigError(f"{section}.port: expected 1-65535, got {port}")
    if w.window_max_messages < 0 or w.window_hours <= 0 or w.reply_budget_seconds <= 0:
        raise ConfigError("wechat.window_hours / window_max_messages: expected positive numbers")
    if w.mass_sends_per_month < 0:
        raise ConfigError("wechat.mass_sends_per_month: expected 0 (no mass sends) or more")
    c = s.wecom
    if c.app_enabled and len(c.encoding_aes_key) != 43:
        raise ConfigError("wecom.encoding_aes_key: expected the 43-character EncodingAESKey")
    if c.robot_webhook_url and not c.robot_webhook_url.startswith(("https://", "http://")):
        raise ConfigError("wecom.robot_webhook_url: expected the robot's webhook address")


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Load from `path`, else ./config.toml, else defaults; then environment secrets."""
    env = dict(os.environ) if env is None else env
    settings = Settings()
    candidate = Path(path) if path else Path("config.toml")
    if path and not candidate.is_file():
        raise ConfigError(f"{candidate}: configuration file not found")
    if candidate.is_file():
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{candidate}: not valid TOML ({exc})") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{candidate}: not UTF-8 text") from None
        if "sites" in data:
            settings.sites = parse_sites(data.pop("sites"), _apply, ConfigError)
        _apply(settings, data, "")
        settings.source = str(candidate)
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var):
            setattr(getattr(settings, section), key, env[var])
    ops_environment(settings, env, ConfigError)
    _validate(settings)
    return settings
