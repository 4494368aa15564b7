"""`mediation-bot doctor`: is this installation ready to run, and if not, what to fix.

Checks the configuration, the database and its migrations, the data key (and that it opens
the stored numbers), file permissions, free disk, and each configured channel's credentials
with a call that changes nothing (Telegram getMe; WeChat and WeCom: the access token, shared
with the running bot through the database so that none is voided), and each configured
site's own group (bot/cli/doctor_sites.py). Prints one line per check
and, for each problem, what to do; exit status 1 when something must be fixed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import stat
from pathlib import Path

import aiohttp
from sqlalchemy import text

from bot.cli.doctor_sites import site_groups
from bot.cli.findings import FAIL, OK, TIMEOUT, WARN, Finding
from bot.config import ConfigError, Settings, load_settings

MIN_FREE_BYTES = 1 << 30  # 1 GiB: evidence files arrive at up to storage.max_attachment_mb


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser("doctor", help="check configuration, database, key, files, disk, channels")


def run(args: argparse.Namespace) -> int:
    findings = asyncio.run(diagnose(args.config))
    width = max(len(f.check) for f in findings)
    for f in findings:
        print(f"[{f.status:^7}] {f.check.ljust(width)}  {f.detail}")
        if f.fix:
            print(f"{'':>10}{'':{width}}  -> {f.fix}")
    failed = sum(f.status == FAIL for f in findings)
    warned = sum(f.status == WARN for f in findings)
    print(f"{failed} problem(s) to fix, {warned} warning(s)" if failed or warned else "all good")
    return 1 if failed else 0


async def diagnose(config: str | None) -> list[Finding]:
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        return [
            Finding(
                "configuration",
                FAIL,
                str(exc),
                "correct it (config.example.toml "
                "explains every key), then run `mediation-bot doctor` again",
            )
        ]
    found = [
        Finding(
            "configuration",
            OK,
            f"{settings.source}; channels: {', '.join(settings.enabled_channels())}",
        )
    ]
    found += _file_permissions(settings)
    found += _free_disk(settings)
    database_ok = await _database(settings, found)
    found += await _channels(settings, database_ok)
    found += await site_groups(settings)
    return found


async def _database(settings: Settings, found: list[Finding]) -> bool:
    from storage import crypto
    from storage.db import Database, migration_heads

    url = settings.database.url
    if url.startswith("sqlite") and not Path(url.split("///", 1)[-1]).is_file():
        found.append(
            Finding(
                "database",
                WARN,
                "no SQLite file yet: the bot creates it at start",
                "if the bot has run before, database.url points to the wrong file",
            )
        )
        found.append(_data_key(settings, None))
        return False
    db = Database(url, timeout=TIMEOUT)
    try:
        async with asyncio.timeout(TIMEOUT), db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        found.append(
            Finding(
                "database",
                FAIL,
                f"cannot connect: {type(exc).__name__}: {exc}"[:300],
                "check database.url (or MEDIATION_DATABASE_URL), that the server "
                "runs and accepts this user",
            )
        )
        await db.dispose()
        found.append(_data_key(settings, None))
        return False
    try:
        found.append(Finding("database", OK, db.dialect))
        current, heads = await db.revisions(), migration_heads()
        if current == heads:
            found.append(Finding("migrations", OK, f"current ({', '.join(sorted(heads))})"))
        else:
            found.append(
                Finding(
                    "migrations",
                    FAIL if current - heads else WARN,
                    f"database at {sorted(current) or 'none'}, this version wants {sorted(heads)}",
                    "run `mediation-bot db upgrade` (the bot also does at start); "
                    "a database newer than the program needs the newer program",
                )
            )
        sample = None
        if current:  # raw SQL: the column's type would decrypt it
            query = text("SELECT applicant_phone FROM cases WHERE applicant_phone LIKE :p LIMIT 1")
            async with db.engine.connect() as conn:
                got = await conn.execute(query, {"p": f"{crypto.PREFIX}%"})
                sample = got.scalar_one_or_none()
        found.append(_data_key(settings, sample))
    finally:
        await db.dispose()
    return bool(current)  # the channels' tokens are kept in a table of the schema


def _data_key(settings: Settings, sample: str | None) -> Finding:
    """The key is there (and private), and opens a stored encrypted value if there is one."""
    from cryptography.fernet import Fernet, InvalidToken, MultiFernet

    from storage import crypto

    s = settings.security
    key, where = s.data_key, "security.data_key / MEDIATION_DATA_KEY / systemd credential"
    if not key:
        path = Path(s.key_file)
        if not path.is_file():
            fix = (
                'make one (python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"), give it as a systemd credential '
                "or MEDIATION_DATA_KEY, and keep a copy apart from the backups"
            )
            status = FAIL if sample else WARN
            detail = f"none configured and no {path}: the bot would make a new one at start"
            if sample:
                detail += ", which cannot read the numbers already stored"
            return Finding("data key", status, detail, fix)
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            return Finding(
                "data key", FAIL, f"{path} can be read by other users", f"chmod 600 {path}"
            )
        key, where = path.read_text(encoding="ascii").strip(), str(path)
    if sample:
        try:
            keys = [Fernet(k.encode()) for k in [key, *s.old_keys]]
            MultiFernet(keys).decrypt(sample.removeprefix(crypto.PREFIX).encode())
        except (InvalidToken, ValueError):
            return Finding(
                "data key",
                FAIL,
                f"the key from {where} does not open the stored phone and ID numbers",
                "configure the key they were written with "
                "(put an earlier one in security.old_keys, then `mediation-bot rekey`)",
            )
        return Finding("data key", OK, f"from {where}; opens the stored numbers")
    return Finding("data key", OK, f"from {where}")


def _file_permissions(settings: Settings) -> list[Finding]:
    found = []
    secrets = [
        settings.telegram.token,
        settings.wechat.app_secret,
        settings.security.data_key,
        settings.wecom.secret,
        settings.wechat.encoding_aes_key,
    ]
    source = Path(settings.source)
    if source.is_file():
        holds = any(v and v in source.read_text(encoding="utf-8") for v in secrets)
        if holds and source.stat().st_mode & stat.S_IRWXO:
            found.append(
                Finding(
                    "config file",
                    FAIL,
                    f"{source} holds secrets and other users can read it",
                    f"chmod 640 {source} (owner root, group the "
                    "bot's), or move the secrets to environment variables",
                )
            )
        else:
            found.append(
                Finding(
                    "config file",
                    OK,
                    f"{source} not readable by other users"
                    if holds
                    else f"{source} holds no secrets",
                )
            )
    paths = [("files folder", Path(settings.storage.files_dir))]
    if settings.database.url.startswith("sqlite"):
        paths.append(("database file", Path(settings.database.url.split("///", 1)[-1])))
    for label, path in paths:
        if not path.exists():
            parent = next((p for p in path.parents if p.exists()), Path("/"))
            writable = os.access(parent, os.W_OK)
            found.append(
                Finding(
                    f"{path}",
                    OK if writable else FAIL,
                    "not there yet; will be created"
                    if writable
                    else f"cannot be created: {parent} is not writable",
                    "" if writable else f"chown the bot's user {parent}",
                )
            )
        elif not os.access(path, os.W_OK):
            found.append(
                Finding(
                    f"{path}", FAIL, "not writable by this user", f"chown -R the bot's user {path}"
                )
            )
        elif path.stat().st_mode & stat.S_IRWXO:
            found.append(
                Finding(
                    f"{path}",
                    WARN,
                    "other users can read personal data here",
                    f"chmod -R o-rwx {path}",
                )
            )
        else:
            found.append(Finding(label, OK, f"{path} writable, private"))
    return found


def _free_disk(settings: Settings) -> list[Finding]:
    path = Path(settings.storage.files_dir)
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("/"))
    usage = shutil.disk_usage(existing)
    gib = usage.free / (1 << 30)
    if usage.free < MIN_FREE_BYTES:
        return [
            Finding(
                "free disk",
                FAIL,
                f"{gib:.2f} GiB free at {existing}",
                "free space or move storage.files_dir (and SQLite) to a larger disk",
            )
        ]
    return [Finding("free disk", OK, f"{gib:.1f} GiB free at {existing}")]


async def _channels(settings: Settings, database_ok: bool) -> list[Finding]:
    found = []
    channels = settings.enabled_channels()
    if "telegram" in channels:
        found.append(await _telegram(settings))
    for name, enabled in (
        ("wechat", settings.wechat.enabled),
        ("wecom", settings.wecom.app_enabled and bool(settings.wecom.secret)),
    ):
        if not enabled:
            continue
        if not database_ok:
            found.append(
                Finding(
                    name,
                    WARN,
                    "not checked: the token is shared through the database, which is unreachable",
                )
            )
            continue
        found.append(await _tencent(settings, name))
    if settings.wecom.robot_webhook_url:
        found.append(
            Finding(
                "wecom robot", OK, "address set; not called (a call would post to the staff group)"
            )
        )
    return found


async def _telegram(settings: Settings) -> Finding:
    tg = settings.telegram
    url = f"{tg.base_url}{tg.token}/getMe"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http,
            http.get(url) as resp,
        ):
            body = await resp.json(content_type=None)
    except Exception as exc:
        return Finding(
            "telegram",
            FAIL,
            f"Bot API not reachable: {type(exc).__name__}",
            "check outbound HTTPS to the Bot API (proxy, firewall, telegram.base_url)",
        )
    if not body.get("ok"):
        return Finding(
            "telegram",
            FAIL,
            f"getMe refused: {body.get('description', '?')}",
            "telegram.token (or MEDIATION_TELEGRAM_TOKEN) is wrong or revoked: "
            "copy it again from @BotFather",
        )
    me = body["result"]
    detail = f"token works: @{me.get('username')}"
    if tg.mode == "webhook" and not tg.webhook_url.startswith("https://"):
        return Finding(
            "telegram",
            FAIL,
            detail + f"; webhook_url {tg.webhook_url!r}",
            "Telegram posts only to https:// addresses: set telegram.webhook_url",
        )
    if not tg.staff_chat_id:
        return Finding(
            "telegram",
            WARN,
            detail + "; no staff_chat_id",
            "set telegram.staff_chat_id so new filings reach the work group",
        )
    return Finding("telegram", OK, detail)


async def _tencent(settings: Settings, name: str) -> Finding:
    from bot.channels.tencent_api import ApiError, TokenApi
    from storage.db import Database

    db = Database(settings.database.url, timeout=TIMEOUT)
    api: TokenApi
    if name == "wechat":
        from bot.channels.wechat_api import WeChatApi

        api = WeChatApi(settings.wechat, db)
    else:
        from bot.channels.wecom_api import WeComApi

        api = WeComApi(settings.wecom, db)
    try:
        async with asyncio.timeout(TIMEOUT):
            await api.tokens.get()
        return Finding(name, OK, "credentials work (access token obtained)")
    except ApiError as exc:
        return Finding(
            name,
            FAIL,
            f"access token refused: {exc}",
            f"check {name}'s app id / secret, and that this server's IP address is "
            "on the platform's IP allowlist",
        )
    except Exception as exc:
        return Finding(
            name,
            FAIL,
            f"API not reachable: {type(exc).__name__}",
            f"check outbound HTTPS to {name}.api_base_url",
        )
    finally:
        await api.close()
        await db.dispose()
