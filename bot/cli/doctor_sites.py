"""`mediation-bot doctor`, per site of the district network (`[[sites]]`): can each site's
own work group be reached?

A Telegram group is asked for with getChat, which changes nothing and fails when the bot is
not a member or the id is wrong; a WeCom group robot is only checked to be configured (a
call would post a message to the group). The district center's group is checked as the
center's row. A site without a group of its own is reported too: its notices reach the
center's group only. Nothing is checked for a single-site install (no `[[sites]]`).
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.cli.findings import FAIL, OK, TIMEOUT, WARN, Finding
from settings import CENTER_SITE, Settings, SiteSettings


async def site_groups(settings: Settings) -> list[Finding]:
    if not settings.sites:
        return []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
        return [await _site(settings, http, site) for site in settings.all_sites()]


def _where(settings: Settings, site: SiteSettings) -> str:
    """The key that configures the site's Telegram group, for the fix."""
    index = next((i for i, s in enumerate(settings.sites) if s.id == site.id), None)
    if index is None or not site.telegram_chat_id:  # the center's, from [telegram]
        return "telegram.staff_chat_id"
    return f"sites[{index}].telegram_chat_id"


async def _site(settings: Settings, http: aiohttp.ClientSession, site: SiteSettings) -> Finding:
    check = f"site {site.id}"
    center = site.id == CENTER_SITE
    chat = site.telegram_chat_id or (settings.telegram.staff_chat_id if center else 0)
    robot = site.wecom_robot_webhook_url or (settings.wecom.robot_webhook_url if center else "")
    parts: list[str] = []
    if chat:
        if not settings.telegram.token:
            return Finding(
                check,
                WARN,
                f"Telegram group {chat} configured, but Telegram is not (no telegram.token)",
                "set telegram.token, or remove the site's telegram_chat_id",
            )
        problem, detail = await _get_chat(settings, http, chat)
        if problem:
            return Finding(
                check,
                FAIL,
                f"Telegram group {chat}: {detail}",
                f"add the bot to the site's group and check {_where(settings, site)} "
                "(a supergroup's id starts with -100)",
            )
        parts.append(detail)
    if robot:
        parts.append("WeCom group robot set (not called: a call would post to the group)")
    if not parts:
        return Finding(check, OK, "no group of its own: its notices reach the center's group only")
    return Finding(check, OK, "; ".join(parts))


async def _get_chat(settings: Settings, http: aiohttp.ClientSession, chat: int) -> tuple[bool, str]:
    """(a problem, what was found): the group's title, or why it cannot be reached."""
    tg = settings.telegram
    try:
        async with http.get(f"{tg.base_url}{tg.token}/getChat", params={"chat_id": chat}) as resp:
            body: dict[str, Any] = await resp.json(content_type=None)
    except Exception as exc:
        return True, f"Bot API not reachable: {type(exc).__name__}"
    if not body.get("ok"):
        return True, f"getChat refused: {body.get('description', '?')}"
    title = body["result"].get("title") or body["result"].get("type", "?")
    return False, f"Telegram group “{title}” reachable"
