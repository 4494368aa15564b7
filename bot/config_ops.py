"""Settings for operating the bot: the health/metrics server and the log format; what the
environment of a service (one health port per process, a systemd credential) adds."""

from __future__ import annotations

from pathlib import Path

from settings import Settings

CREDENTIAL_NAME = "data-key"  # LoadCredential=data-key:... in deploy/mediation-bot.service


def validate_ops(s: Settings, error: type[Exception]) -> None:
    if not (0 <= s.health.port < 65536):
        raise error(f"health.port: expected 0 (off) or 1-65535, got {s.health.port}")
    if s.logging.format not in ("text", "json"):
        raise error(f"logging.format: expected 'text' or 'json', got {s.logging.format!r}")


def ops_environment(s: Settings, env: dict[str, str], error: type[Exception]) -> None:
    """MEDIATION_HEALTH_PORT, and the data key from $CREDENTIALS_DIRECTORY/data-key (systemd's
    LoadCredential) when neither the file nor MEDIATION_DATA_KEY gives one."""
    port = env.get("MEDIATION_HEALTH_PORT", "")
    if port:
        if not port.isdecimal():
            raise error(f"MEDIATION_HEALTH_PORT: expected a port number, got {port!r}")
        s.health.port = int(port)
    credentials = env.get("CREDENTIALS_DIRECTORY", "")
    if credentials and not s.security.data_key:
        key_file = Path(credentials) / CREDENTIAL_NAME
        if key_file.is_file():
            s.security.data_key = key_file.read_text(encoding="ascii").strip()
