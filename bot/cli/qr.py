"""`mediation-bot qr SITE` and `mediation-bot wechat-menu`: the entry points on paper and in
WeChat.

A QR code per site (a street office, a construction site, the service hall: "一码维权")
opens the bot with the site recorded, so the case shows where the person came from:
Telegram through a /start deep link, WeChat through a parametric QR code (scene string).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

from bot.config import Settings

SITE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what both Telegram and WeChat accept
MENU_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "wechat_menu.toml"


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    qr = sub.add_parser("qr", help="write QR codes that open the bot with a site recorded")
    qr.add_argument("site", help="the site's code: letters, digits, - and _ (at most 64)")
    qr.add_argument("--out", type=Path, default=Path("."), help="folder for the PNG files")
    sub.add_parser("wechat-menu", help="install the Official Account menu (wechat_menu.toml)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "wechat-menu":
        return asyncio.run(_install_menu(settings))
    if not SITE.match(args.site):
        print(
            f"{args.site!r} cannot be used as a site code: use 1-64 letters, digits, - or _",
            file=sys.stderr,
        )
        return 2
    if not settings.telegram.token and not settings.wechat.enabled:
        print("Neither Telegram nor WeChat is configured: there is nothing to link to.")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    site = settings.site(args.site)
    if site is not None and settings.sites:  # a district network: say where filings go
        print(f"filings made after scanning go to the site {site.id} ({site.name or site.id})")
    elif settings.sites:
        print(f"{args.site} is not a site of [[sites]]: the code only labels the case")
    return asyncio.run(_write_codes(settings, args.site, args.out))


def _save(link: str, path: Path) -> None:
    import segno

    segno.make(link, error="m").save(str(path), scale=10, border=4)
    print(f"{path}  →  {link}")


async def _write_codes(settings: Settings, site: str, out: Path) -> int:
    if settings.telegram.token:
        from telegram import Bot

        tg = settings.telegram
        async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
            me = await bot.get_me()
        _save(f"https://t.me/{me.username}?start={site}", out / f"qr-{site}-telegram.png")
    if settings.wechat.enabled:
        from bot.channels.wechat_api import WeChatApi
        from storage.db import open_database

        db = open_database(settings)
        await db.upgrade()
        api = WeChatApi(settings.wechat, db)
        try:
            _save(await api.create_qr(site), out / f"qr-{site}-wechat.png")
        finally:
            await api.close()
            await db.dispose()
    return 0


def load_menu(path: Path = MENU_FILE) -> dict[str, Any]:
    """The menu file as WeChat's menu/create body, checked against WeChat's limits."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    buttons = data.get("button", [])
    if not 1 <= len(buttons) <= 3:
        raise ValueError("a WeChat menu has 1 to 3 top-level items")
    for item in buttons:
        subs = item.get("sub_button", [])
        if len(subs) > 5:
            raise ValueError(f"{item['name']}: at most 5 items under one menu")
        for button in [item, *subs]:
            if "key" in button:
                button["type"] = "click"
    return {"button": buttons}


async def _install_menu(settings: Settings) -> int:
    if not settings.wechat.enabled:
        print("WeChat is not configured ([wechat] app_id, app_secret, token).")
        return 2
    from bot.channels.wechat_api import WeChatApi
    from storage.db import open_database

    db = open_database(settings)
    await db.upgrade()
    api = WeChatApi(settings.wechat, db)
    try:
        await api.call("/cgi-bin/menu/create", load_menu())
    finally:
        await api.close()
        await db.dispose()
    print("The Official Account menu is installed.")
    return 0
