"""The settings' shape: every section of the configuration as a dataclass, with its default.

Below every other package of the bot, so that handlers and storage can be given settings
without importing bot/ (which loads them: bot/config.py reads the TOML file and the
environment into these classes and checks them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

SUPPORTED_LOCALES = ("zh_CN", "en")
OFFICIAL_TELEGRAM_API = "https://api.telegram.org/bot"
OFFICIAL_TELEGRAM_FILES = "https://api.telegram.org/file/bot"
OFFICIAL_WECHAT_API = "https://api.weixin.qq.com"
OFFICIAL_WECOM_API = "https://qyapi.weixin.qq.com"


@dataclass
class CenterSettings:
    name: str = "劳动人事争议多元调解中心"
    district: str = "示例区"
    # The center's name in English, shown to people who chose English (Chinese there is
    # unreadable to them); empty: a generic English name with the district.
    name_en: str = ""
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
    # Video sessions: the link `/schedule ID DATE TIME video` sends when staff give none,
    # e.g. "https://meet.example.org/{case}-{token}" ({token}: fresh and unguessable per
    # session); empty: parties are told the link will follow.
    meeting_link_template: str = ""
    # Session reminders (issue 23): the day before at this local time (never inside the
    # follow-up quiet hours), and an hour before the session.
    session_reminder_time: str = "18:00"
    # The district report ranks the sites against this share of concluded cases settled by
    # agreement (issue 21; the plans ask street centers for at least 60%).
    site_agreement_target: float = 0.6

    @property
    def full_name(self) -> str:
        """The name as documents and Chinese replies give it: the district once, in front.

        `name` may already carry the district ("柳江区劳动人事争议多元调解中心"); then it is
        not repeated.
        """
        if not self.district or self.district in self.name:
            return self.name
        return self.district + self.name

    def display_name(self, locale: str) -> str:
        """The center's name in the person's language."""
        if locale == "zh_CN":
            return self.full_name
        if self.name_en:
            return self.name_en
        return "Labour and Personnel Dispute Mediation Center"


@dataclass
class ArbitrationSettings:
    commission: str = "示例区劳动人事争议仲裁委员会"
    address: str = ""
    hours: str = ""


@dataclass
class CourtSettings:
    """The people's court the parties apply to for judicial confirmation of an agreement."""

    name: str = "示例区人民法院"
    address: str = ""


@dataclass
class SubsidySettings:
    """Per-case subsidies (以案定补), in yuan per case. Example amounts: set your district's."""

    agreement: int = 300  # concluded with an agreement
    no_agreement: int = 150  # concluded without one (failed, the other side declined)
    withdrawn: int = 50
    collective_supplement: int = 200  # added for a collective case (ten or more workers)
    court_supplement: int = 100  # added for a case a court delegated


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
    # Broadcasts (issue 22): mass sends to a tag allowed per calendar month (a 服务号: 4),
    # and the tag every subscriber on WeChat gets as they subscribe
    mass_sends_per_month: int = 4
    subscribers_tag: str = "政策与案例订阅"
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
class FaqSettings:
    # Search text messages in a child process, on another core, while they wait for the
    # database (handlers/conversation/search_ahead.py); only where there are two cores or more.
    search_process: bool = True


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
class HealthSettings:
    """GET /healthz, /readyz and /metrics on their own address; off while port is 0.

    Every process serves its own figures: with webhooks.share_ports give each process its
    own health port (MEDIATION_HEALTH_PORT in its environment)."""

    listen: str = "127.0.0.1"
    port: int = 0


@dataclass
class LoggingSettings:
    format: str = "text"  # "text" | "json" (one JSON object per line)


@dataclass
class SiteSettings:
    """One site of the district network (issue 21): the center, a workroom, a station.

    Configured as `[[sites]]`; the district center ("center") is always a site, the only one
    of a single-site install.
    """

    id: str = "center"
    name: str = ""  # empty: the center's own name
    name_en: str = ""
    kind: str = "center"  # center | workroom | station | park | trade
    streets: list[str] = field(default_factory=list)  # streets/towns it serves
    industries: list[str] = field(default_factory=list)  # for park and trade bodies
    telegram_chat_id: int = 0  # its own staff group
    wecom_robot_webhook_url: str = ""
    address: str = ""
    hours: str = ""

    def display_name(self, locale: str, center: CenterSettings) -> str:
        """The site's name in the person's language; the center's own name for "center"."""
        if self.id == CENTER_SITE and not self.name:
            return center.display_name(locale)
        if locale != "zh_CN" and self.name_en:
            return self.name_en
        return self.name or self.id


CENTER_SITE = "center"  # the district center's site id: always a site, even unconfigured
SITE_KINDS = ("center", "workroom", "station", "park", "trade")


@dataclass
class RiskSettings:
    """The employer risk ledger's early warnings (knowledge/risk.toml has the rules)."""

    # Who hears of an employer rising to red or orange, in a private chat with the bot:
    # staff members ("telegram:123", "wecom:lisi"). Empty: every active liaison of the HR and
    # social security department (`/staff add MEMBER liaison hrss`).
    liaisons: list[str] = field(default_factory=list)
    # Also tell the work group (masked, like every group text).
    notify_group: bool = True
    # How often each bot process evaluates the whole ledger (besides after every filing).
    evaluate_minutes: int = 60


@dataclass
class Settings:
    center: CenterSettings = field(default_factory=CenterSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    staff: StaffSettings = field(default_factory=StaffSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    faq: FaqSettings = field(default_factory=FaqSettings)
    arbitration: ArbitrationSettings = field(default_factory=ArbitrationSettings)
    court: CourtSettings = field(default_factory=CourtSettings)
    subsidy: SubsidySettings = field(default_factory=SubsidySettings)
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    followup: FollowUpSettings = field(default_factory=FollowUpSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    wechat: WeChatSettings = field(default_factory=WeChatSettings)
    wecom: WeComSettings = field(default_factory=WeComSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    sites: list[SiteSettings] = field(default_factory=list)  # [[sites]]; none: the center only
    risk: RiskSettings = field(default_factory=RiskSettings)
    source: str = "built-in defaults"

    def all_sites(self) -> list[SiteSettings]:
        """Every site, the district center first (implicit when `[[sites]]` does not list
        it, with the center's address)."""
        center = next((s for s in self.sites if s.id == CENTER_SITE), None)
        if center is None:
            center = SiteSettings(address=self.center.address)
        return [center, *(s for s in self.sites if s.id != CENTER_SITE)]

    def site(self, site_id: str | None) -> SiteSettings | None:
        """The configured site with this id (the center always exists), else None."""
        return next((s for s in self.all_sites() if s.id == (site_id or CENTER_SITE)), None)

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
        site_robots = any(site.wecom_robot_webhook_url for site in self.sites)
        if self.wecom.app_enabled or self.wecom.robot_webhook_url or site_robots:
            channels.append("wecom")
        if self.console.enabled or not channels:
            channels.append("console")
        return channels
