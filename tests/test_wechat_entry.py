"""Entry points: QR codes per site (Telegram deep link, WeChat scene) and the WeChat menu."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.qr import load_menu
from storage.crypto import load_or_create_key
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.wechat_api import FakeWeChatApi
from tests.wechat_harness import AES_KEY, TOKEN

PNG = b"\x89PNG\r\n\x1a\n"


def write_config(
    tmp_path: Path, *, telegram: FakeTelegramServer | None, wechat: FakeWeChatApi | None
) -> Path:
    key = load_or_create_key("", str(tmp_path / "secret.key"))
    lines = [
        "[database]",
        f'url = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"',
        "[security]",
        f'data_key = "{key}"',
    ]
    if telegram:
        lines += [
            "[telegram]",
            'token = "123456:TEST-TOKEN"',
            f'base_url = "{telegram.base_url}"',
            f'base_file_url = "{telegram.base_file_url}"',
        ]
    if wechat:
        lines += [
            "[wechat]",
            f'app_id = "{wechat.app_id}"',
            f'app_secret = "{wechat.secret}"',
            f'token = "{TOKEN}"',
            f'encoding_aes_key = "{AES_KEY}"',
            f'api_base_url = "{wechat.base_url}"',
        ]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_qr_codes_for_a_site_on_both_channels(
    tmp_path: Path, server: FakeTelegramServer, capsys: pytest.CaptureFixture[str]
) -> None:
    async with FakeWeChatApi() as api:
        config = write_config(tmp_path, telegram=server, wechat=api)
        out = tmp_path / "codes"
        code = await asyncio.to_thread(
            main, ["--config", str(config), "qr", "site001", "--out", str(out)]
        )
        assert code == 0
        printed = capsys.readouterr().out
        assert f"https://t.me/{server.bot_username}?start=site001" in printed
        assert "weixin.qq.com/q/fake-site001" in printed
        for name in ("qr-site001-telegram.png", "qr-site001-wechat.png"):
            assert (out / name).read_bytes().startswith(PNG)
        (created,) = api.sent("/cgi-bin/qrcode/create")
        assert created["action_name"] == "QR_LIMIT_STR_SCENE"  # permanent: printed on posters
        assert created["action_info"]["scene"]["scene_str"] == "site001"


async def test_qr_refuses_a_bad_site_code_and_a_bot_with_no_channel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, telegram=None, wechat=None)
    assert await asyncio.to_thread(main, ["--config", str(config), "qr", "工地 1"]) == 2
    assert "letters, digits" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["--config", str(config), "qr", "site001"]) == 2
    assert "nothing to link to" in capsys.readouterr().out


async def test_wechat_menu_is_installed_from_the_data_file(tmp_path: Path) -> None:
    menu = load_menu()
    keys = [b.get("key") for top in menu["button"] for b in [top, *top.get("sub_button", [])]]
    assert {"m:file", "m:faq", "m:status", "m:human"} <= set(keys)
    async with FakeWeChatApi() as api:
        config = write_config(tmp_path, telegram=None, wechat=api)
        assert await asyncio.to_thread(main, ["--config", str(config), "wechat-menu"]) == 0
        (body,) = api.sent("/cgi-bin/menu/create")
        assert json.dumps(body, ensure_ascii=False).count('"type": "click"') == len(
            [k for k in keys if k]
        )
        assert body["button"][0]["name"] == "我要调解"
