"""`[[sites]]`: the district network's sites (issue 21), read and checked.

The district center ("center") is always a site; a `[[sites]]` entry with that id only gives
it its own name, address or hours. Other sites serve streets/towns from `center.streets`
(stations, workrooms) or industries (park and trade bodies), and may have their own staff
group (a Telegram chat, a WeCom group robot).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from settings import CENTER_SITE, SITE_KINDS, Settings, SiteSettings

#: A site id is also a QR code's start parameter (bot/cli/qr.py) and fits cases.site.
SITE_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def parse_sites(
    raw: Any, apply: Callable[[Any, dict[str, Any], str], None], error: type[Exception]
) -> list[SiteSettings]:
    """The `[[sites]]` array of tables as SiteSettings (each key checked like any other)."""
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise error("sites: expected [[sites]] tables (an array of tables)")
    sites = []
    for i, item in enumerate(raw):
        site = SiteSettings()
        if "id" not in item:
            raise error(f"sites[{i}].id: required (letters, digits, - or _; e.g. 'hexi')")
        apply(site, item, f"sites[{i}].")
        sites.append(site)
    return sites


def validate_sites(s: Settings, error: type[Exception]) -> None:
    seen: set[str] = set()
    for i, site in enumerate(s.sites):
        key = f"sites[{i}]"
        if not SITE_ID.match(site.id):
            raise error(
                f"{key}.id: expected 1-40 letters, digits, - or _ (it is also the QR code's "
                f"site), got {site.id!r}"
            )
        if site.id in seen:
            raise error(f"{key}.id: {site.id!r} is used by two sites; each id once")
        seen.add(site.id)
        if site.kind not in SITE_KINDS:
            raise error(f"{key}.kind: expected one of {', '.join(SITE_KINDS)}, got {site.kind!r}")
        if (site.id == CENTER_SITE) != (site.kind == "center"):
            raise error(
                f"{key}.kind: the district center is the site with id 'center' and kind "
                f"'center', and only it (got id {site.id!r}, kind {site.kind!r})"
            )
        if site.id != CENTER_SITE and not site.name:
            raise error(f"{key}.name: required (the site's Chinese name, e.g. '河西镇调解站')")
        for street in site.streets:
            if street not in s.center.streets:
                raise error(
                    f"{key}.streets: {street!r} is not one of center.streets "
                    f"({', '.join(s.center.streets)}); the screening offers only those"
                )
        if site.industries and site.kind not in ("park", "trade"):
            raise error(f"{key}.industries: only for kind 'park' or 'trade' (got {site.kind!r})")
        if any(not word.strip() for word in site.industries):
            raise error(f"{key}.industries: expected words such as '建筑' or '餐饮', got ''")
        url = site.wecom_robot_webhook_url
        if url and not url.startswith(("https://", "http://")):
            raise error(f"{key}.wecom_robot_webhook_url: expected the robot's webhook address")
    _unique_groups(s, error)


def _unique_groups(s: Settings, error: type[Exception]) -> None:
    """Two sites sharing one group would each see the other's cases."""
    chats: dict[int, str] = {}
    if s.telegram.staff_chat_id:
        chats[s.telegram.staff_chat_id] = CENTER_SITE
    for i, site in enumerate(s.sites):
        chat = site.telegram_chat_id
        if chat and chats.get(chat, site.id) != site.id:
            raise error(
                f"sites[{i}].telegram_chat_id: {chat} is already the group of site "
                f"{chats[chat]!r}; each site needs its own group"
            )
        if chat:
            chats[chat] = site.id
