"""Settings: built-in defaults, overlaid by a TOML file, overlaid by environment secrets.

An invalid file raises :class:`ConfigError` naming the key and what was expected; the CLI
turns that into one clear line and exit code 2.
"""

from __future__ import annotations

import os
import socket
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
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

__all__ = ["SECRET_KEYS", "ConfigError", "Settings", "load_settings", "masked_url"]  # re-exported
from bot.config_ops import HealthSettings, LoggingSettings, ops_environment, validate_ops

SUPPORTED_LOCALES = ("zh_CN", "en")
OFFICIAL_TELEGRAM_API = "https://api.telegram.org/bot"
OFFICIAL_TELEGRAM_FILES = "https://api.telegram.org/file/bot"
OFFICIAL_WECHAT_API = "https://api.weixin.qq.com"
OFFICIAL_WECOM_API = "https://qyapi.weixin.qq.com"


@dataclass
class CenterSettings:
    name: str = "劳动人事争议多元调解中心"
    district: str = "示例区"
    streets: list[str] = field(default_factory=lambda: ["示例街道", "新城街道", "河西镇"])
    timezone: str = "Asia/Shanghai"
    default_locale: str = "zh_CN"
    case_prefix: str = "LJ"
    phone: str = ""
    address: str = ""
    mediation_days: int = 15
    court_mediation_days: int = 30
    accept_working_days: int = 3
    digest_time: str = "09:00"


@dataclass
class ArbitrationSettings:
    commission: str = "示例区劳动人事争议仲裁委员会"
    address: str = ""
    hours: str = ""


@dataclass
class FollowUpSettings:
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    survey_delay_hours: int = 2
    reminder_days: int = 3


@dataclass
class CalendarSettings:
    holidays: list[str] = field(default_factory=list)
    workdays: list[str] = field(default_factory=list)


@dataclass
class DatabaseSettings:
    url: str = "sqlite+aiosqlite:///data/mediation.db"
    # PostgreSQL: a connection or statement taking longer fails, and the person is told to
    # try again shortly (a database that hangs would otherwise hold every chat).
    timeout_seconds: float = 15.0


@dataclass
class TelegramSettings:
    token: str = ""
    base_url: str = OFFICIAL_TELEGRAM_API
    base_file_url: str = OFFICIAL_TELEGRAM_FILES
    mode: str = "polling"
    webhook_url: str = ""
    webhook_secret: str = ""
    listen: str = "127.0.0.1"
    port: int = 8443
    staff_chat_id: int = 0
    max_sends_per_second: float = 30.0


@dataclass
class WeChatSettings:
    """The WeChat Official Account (服务号) that parties talk to."""

    app_id: str = ""
    app_secret: str = ""
    token: str = ""
    encoding_aes_key: str = ""
    mode: str = "safe"  # "plain" | "safe" (AES), as chosen in the Official Account console
    listen: str = "127.0.0.1"
    port: int = 8080
    path: str = "/wechat"
    api_base_url: str = OFFICIAL_WECHAT_API
    template_ids: dict[str, str] = field(default_factory=dict)  # {"case_update": "..."}
    reply_budget_seconds: float = 4.0  # WeChat waits 5 s for a passive reply
    window_hours: int = 48  # customer-service messages only this long after the last message
    window_max_messages: int = 5  # ... and at most this many of them
    max_body_kb: int = 64

    @property
    def enabled(self) -> bool:
        return bool(self.app_id and self.token)


@dataclass
class WeComSettings:
    """WeChat Work (企业微信) for staff: a group robot for notices, an app for commands."""

    corp_id: str = ""
    agent_id: int = 0
    secret: str = ""
    token: str = ""
    encoding_aes_key: str = ""
    listen: str = "127.0.0.1"
    port: int = 8080
    path: str = "/wecom"
    api_base_url: str = OFFICIAL_WECOM_API
    robot_webhook_url: str = ""

    @property
    def app_enabled(self) -> bool:
        return bool(self.corp_id and self.token and self.encoding_aes_key)


@dataclass
class WebhookSettings:
    """The web server the webhook channels (Telegram webhook, WeChat, WeCom) share."""

    # Several bot processes on one host listen on the same ports (SO_REUSEPORT, Linux) and
    # the kernel spreads the calls over them: one process is one CPU core. PostgreSQL only.
    share_ports: bool = False


@dataclass
class RetentionSettings:
    """How long personal data is kept (drafts: storage.draft_max_age_days)."""

    closed_case_days: int = 1095  # closed cases are anonymized after this many days
    inbound_updates_days: int = 30  # ids of handled updates, kept to ignore redeliveries
    outbox_days: int = 30  # delivered or failed pushes (their texts), kept to trace delivery
    faq_misses_days: int = 180  # questions the FAQ could not answer, kept for staff to curate
    people_idle_days: int = 365  # a person no case, draft or request needs, silent this long


@dataclass
class StaffSettings:
    admins: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)  # extra ones: "code=名称"


@dataclass
class StorageSettings:
    files_dir: str = "data/files"
    max_attachment_mb: int = 20
    draft_max_age_days: int = 30


@dataclass
class OutboxSettings:
    poll_seconds: float = 2.0
    max_attempts: int = 8
    lease_seconds: float = 15.0  # renewed while sending; another instance's after this
    unsent_reply_seconds: float = 120.0  # a reply never reported sent goes out as a push


@dataclass
class ConsoleSettings:
    enabled: bool = False
    user: str = "console-user"


@dataclass
class SecuritySettings:
    data_key: str = ""
    key_file: str = "data/secret.key"
    old_keys: list[str] = field(default_factory=list)  # earlier data keys, still read (rotation)


@dataclass
class Settings:
    center: CenterSettings = field(default_factory=CenterSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    staff: StaffSettings = field(default_factory=StaffSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    arbitration: ArbitrationSettings = field(default_factory=ArbitrationSettings)
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    followup: FollowUpSettings = field(default_factory=FollowUpSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    wechat: WeChatSettings = field(default_factory=WeChatSettings)
    wecom: WeComSettings = field(default_factory=WeComSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    source: str = "built-in defaults"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.center.timezone)

    def enabled_channels(self) -> list[str]:
        """Channels `run` starts: every configured one, the console when none is."""
        channels = []
        if self.telegram.token:
            channels.append("telegram")
        if self.wechat.enabled:
            channels.append("wechat")
        if self.wecom.app_enabled or self.wecom.robot_webhook_url:
            channels.append("wecom")
        if self.console.enabled or not channels:
            channels.append("console")
        return channels


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
        ("followup.quiet_start", s.followup.quiet_start),
        ("followup.quiet_end", s.followup.quiet_end),
    ):
        try:
            time.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"{key}: expected a time like '09:00', got {value!r}") from None
    if s.followup.reminder_days <= 0 or s.followup.survey_delay_hours < 0:
        raise ConfigError("followup.reminder_days: expected a positive number of days")
    for key in ("mediation_days", "court_mediation_days", "accept_working_days"):
        if getattr(s.center, key) <= 0:
            raise ConfigError(f"center.{key}: expected a positive number of days")
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
        _apply(settings, data, "")
        settings.source = str(candidate)
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var):
            setattr(getattr(settings, section), key, env[var])
    ops_environment(settings, env, ConfigError)
    _validate(settings)
    return settings
