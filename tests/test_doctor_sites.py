"""`mediation-bot doctor` checks each site's own work group (issue 21): a Telegram group the
bot is in passes (getChat on the fake Bot API), one it is not in (or a wrong id) fails with the
key to correct, a WeCom group robot is reported as configured, a site without a group of its
own is said to reach the center's group only."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from tests.fakes.telegram_api import FakeTelegramServer
from tests.test_deploy import doctor, installed, write_config

CENTER_GROUP = -1001000
JIEDAO_GROUP = -1001400
HEXI_GROUP = -1001500  # the bot was never added to it

SITES = f"""
[[sites]]
id = "jiedao"
name = "示例街道调解站"
kind = "station"
streets = ["示例街道"]
telegram_chat_id = {JIEDAO_GROUP}

[[sites]]
id = "hexi"
name = "河西镇调解站"
kind = "station"
streets = ["河西镇"]
telegram_chat_id = {HEXI_GROUP}

[[sites]]
id = "jianzhu"
name = "建筑行业调解委员会"
kind = "trade"
industries = ["建筑"]
wecom_robot_webhook_url = "https://qyapi.example.com/cgi-bin/webhook/send?key=abc"

[[sites]]
id = "xincheng"
name = "新城街道调解站"
kind = "station"
streets = ["新城街道"]
"""


def site_lines(out: str) -> dict[str, str]:
    """The doctor's line (and fix) for each site, by site id."""
    found: dict[str, str] = {}
    current = ""
    for line in out.splitlines():
        if "] site " in line:
            current = line.split("] site ", 1)[1].split()[0]
            found[current] = line
        elif line.strip().startswith("->") and current:
            found[current] += "\n" + line
        else:
            current = ""
    return found


async def test_doctor_reports_each_sites_group(
    settings: Settings,
    server: FakeTelegramServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await installed(settings)
    telegram = {"token": "123:TEST", "base_url": server.base_url, "staff_chat_id": CENTER_GROUP}
    config = write_config(tmp_path / "config.toml", settings, telegram=telegram)
    center = 'streets = ["示例街道", "新城街道", "河西镇"]\n'
    config.write_text(config.read_text() + "[center]\n" + center + SITES, encoding="utf-8")
    server.add_group(CENTER_GROUP, "调解中心工作群")
    server.add_group(JIEDAO_GROUP, "示例街道调解站工作群")

    code, out = await doctor(config, capsys)
    sites = site_lines(out)
    assert set(sites) == {"center", "jiedao", "hexi", "jianzhu", "xincheng"}, out
    assert "[  ok   ]" in sites["center"] and "“调解中心工作群” reachable" in sites["center"]
    assert "[  ok   ]" in sites["jiedao"] and "“示例街道调解站工作群” reachable" in sites["jiedao"]
    assert "FAIL" in sites["hexi"] and "getChat refused: Bad Request: chat not found" in out
    assert "add the bot to the site's group and check sites[1].telegram_chat_id" in sites["hexi"]
    assert "[  ok   ]" in sites["jianzhu"] and "WeCom group robot set" in sites["jianzhu"]
    assert "reach the center's group only" in sites["xincheng"]
    asked = sorted(int(call.params["chat_id"]) for call in server.calls_to("getChat"))
    assert asked == sorted([CENTER_GROUP, JIEDAO_GROUP, HEXI_GROUP])
    assert code == 1 and "1 problem(s) to fix" in out

    # the bot added to 河西镇's group: every site passes
    server.add_group(HEXI_GROUP, "河西镇调解站工作群")
    code, out = await doctor(config, capsys)
    assert code == 0, out
    assert "“河西镇调解站工作群” reachable" in site_lines(out)["hexi"]


async def test_a_single_site_install_has_no_site_lines(
    settings: Settings,
    server: FakeTelegramServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await installed(settings)
    telegram = {"token": "123:TEST", "base_url": server.base_url, "staff_chat_id": CENTER_GROUP}
    config = write_config(tmp_path / "config.toml", settings, telegram=telegram)
    code, out = await doctor(config, capsys)
    assert code == 0, out
    assert "site " not in out and not server.calls_to("getChat")
