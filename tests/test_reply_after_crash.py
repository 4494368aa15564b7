"""A reply survives the bot being killed between committing a message and sending its answer.

The bot runs as a real process and kills itself (SIGKILL) at the chosen point, once
(tests/die_at/sitecustomize.py); it is then started again and the platform does what it
does: Telegram (webhook) and WeChat and WeCom post the unanswered call again. The answer
must arrive exactly once, and the message must not be handled twice. Telegram polling:
tests/test_faults.py::test_killed_between_commit_and_reply_the_reply_arrives_once_after_restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
import xmltodict
from cryptography.fernet import Fernet
from wechatpy.enterprise.crypto import WeChatCrypto

from bench.load_targets import BotConfig
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.wechat_api import FakeWeChatApi
from tests.fakes.wecom_api import FakeWeComApi
from tests.local import REPO, BotProcess, free_port, telegram_ready
from tests.test_wecom import SAMPLE, WeComSide
from tests.test_wecom import text_xml as wecom_text_xml
from tests.wechat_harness import AES_KEY, TOKEN, WeChatServerSide, text_xml

pytestmark = pytest.mark.timeout(120)

DIE_AT = Path(__file__).parent / "die_at"
SWITCHED = "Language set to English."


@pytest.fixture
def dies_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[str], Path]:
    """Make the next bot process kill itself when `module:Class.method` is first called."""

    def arm(target: str) -> Path:
        marker = tmp_path / "died"
        monkeypatch.setenv("BOT_DIE_AT", target)
        monkeypatch.setenv("BOT_DIE_MARKER", str(marker))
        monkeypatch.setenv("PYTHONPATH", f"{DIE_AT}:{REPO}")
        return marker

    return arm


async def start(process: BotProcess) -> None:
    """Start (again) and wait until this start's web server listens."""
    log = process.log_path

    def times() -> int:
        return log.read_text(errors="replace").count("webhooks listening on") if log.exists() else 0

    before = times()

    async def ready() -> bool:
        return times() > before

    await process.start(ready)


async def died(process: BotProcess, marker: Path) -> None:
    assert process.proc is not None
    await asyncio.wait_for(process.proc.wait(), 15)
    assert marker.exists(), f"the bot died elsewhere:\n{process.log_tail()}"


def config(tmp_path: Path, db_url: str, **kw) -> BotConfig:  # type: ignore[no-untyped-def]
    data = tmp_path / "bot"
    data.mkdir(exist_ok=True)
    return BotConfig(
        db_url=db_url,
        data_dir=data,
        data_key=Fernet.generate_key().decode(),
        port=free_port(),
        outbox_poll_seconds=0.2,
        **{"search_process": False, **kw},  # it has tests of its own (test_search_ahead.py)
    )


def write(cfg: BotConfig, *extra: str, unsent_reply_seconds: float = 120) -> Path:
    path = cfg.write(cfg.data_dir / "config.toml")
    text = path.read_text(encoding="utf-8").replace(
        "[outbox]\n", f"[outbox]\nunsent_reply_seconds = {unsent_reply_seconds}\n"
    )
    path.write_text(text + "\n".join(extra) + "\n", encoding="utf-8")
    return path


@pytest.fixture
async def wechat_api() -> AsyncIterator[FakeWeChatApi]:
    async with FakeWeChatApi() as fake:
        yield fake


def wechat_table(api: FakeWeChatApi, **kw) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "app_id": api.app_id,
        "app_secret": api.secret,
        "token": TOKEN,
        "encoding_aes_key": AES_KEY,
        "mode": "plain",
        "api_base_url": api.base_url,
        **kw,
    }


async def test_wechat_passive_reply_killed_before_sending_arrives_once_on_the_retry(
    tmp_path: Path, db_url: str, wechat_api: FakeWeChatApi, dies_at: Callable[[str], Path]
) -> None:
    cfg = config(tmp_path, db_url, server=None, wechat=wechat_table(wechat_api))
    process = BotProcess.ours(write(cfg))
    side = WeChatServerSide(
        f"http://127.0.0.1:{cfg.port}/wechat",
        token=TOKEN,
        aes_key=AES_KEY,
        app_id=wechat_api.app_id,
        mode="plain",
    )
    marker = dies_at("bot.channels.wechat:WeChatChannel._render")
    try:
        await start(process)
        query, body = side.signed(text_xml("o_crash_1", "/lang en"))
        with pytest.raises(aiohttp.ClientError):  # killed after the commit, before answering
            await side.post_raw(query, body)
        await died(process, marker)
        await start(process)
        status, answer = await side.post_raw(query, body)  # WeChat's retry of the same call
        assert status == 200 and SWITCHED in side.read_reply(answer)
        status, again = await side.post_raw(query, body)  # its last retry: nothing more
        assert status == 200 and side.read_reply(again) == ""
        await asyncio.sleep(0.5)
        assert wechat_api.customer_texts("o_crash_1") == []  # not pushed as well
    finally:
        await process.stop()
        await side.close()


async def test_wechat_late_answer_killed_before_queueing_is_pushed_once(
    tmp_path: Path, db_url: str, wechat_api: FakeWeChatApi, dies_at: Callable[[str], Path]
) -> None:
    """Over the reply budget WeChat got "success" and will not ask again; the process died
    before queueing the push. The next instance pushes the stored answer."""
    table = wechat_table(wechat_api, reply_budget_seconds=0.001)
    cfg = config(tmp_path, db_url, server=None, wechat=table)
    process = BotProcess.ours(write(cfg, unsent_reply_seconds=1))
    side = WeChatServerSide(
        f"http://127.0.0.1:{cfg.port}/wechat",
        token=TOKEN,
        aes_key=AES_KEY,
        app_id=wechat_api.app_id,
        mode="plain",
    )
    marker = dies_at("bot.channels.wechat:WeChatChannel._enqueue_replies")
    try:
        await start(process)
        status, answer = await side.post(text_xml("o_crash_2", "/lang en"))
        assert status == 200 and side.read_reply(answer) == ""  # "success": a push follows
        await died(process, marker)
        assert wechat_api.customer_texts("o_crash_2") == []
        await asyncio.sleep(1.2)  # older than unsent_reply_seconds
        await start(process)
        await wechat_api.wait_for("/cgi-bin/message/custom/send", 1, timeout=10)
        await asyncio.sleep(0.5)
        pushed = wechat_api.customer_texts("o_crash_2")
        assert len(pushed) == 1 and SWITCHED in pushed[0], pushed
    finally:
        await process.stop()
        await side.close()


async def test_wecom_passive_reply_killed_before_sending_arrives_once_on_the_retry(
    tmp_path: Path, db_url: str, dies_at: Callable[[str], Path]
) -> None:
    async with FakeWeComApi() as api:
        cfg = config(tmp_path, db_url, server=None, admins=["wecom:zhangsan"])
        wecom = [
            "[wecom]",
            f'corp_id = "{api.corp_id}"',
            f"agent_id = {api.agent_id}",
            f'secret = "{api.secret}"',
            f'token = "{SAMPLE["token"]}"',
            f'encoding_aes_key = "{SAMPLE["encoding_aes_key"]}"',
            f'api_base_url = "{api.base_url}"',
            f"port = {cfg.port}",
        ]
        process = BotProcess.ours(write(cfg, *wecom))
        crypto = WeChatCrypto(SAMPLE["token"], SAMPLE["encoding_aes_key"], api.corp_id)
        side = WeComSide(f"http://127.0.0.1:{cfg.port}/wecom", crypto)
        marker = dies_at("bot.channels.wecom:WeComChannel._answer")
        try:
            await start(process)
            query, body = side.signed(wecom_text_xml("zhangsan", "/lang en"))
            with pytest.raises(aiohttp.ClientError):
                await side.post_raw(query, body)
            await died(process, marker)
            await start(process)
            status, answer = await side.post_raw(query, body)  # WeCom's retry
            assert status == 200 and answer
            env = xmltodict.parse(answer)["xml"]
            plain = crypto.decrypt_message(
                answer, env["MsgSignature"], env["TimeStamp"], env["Nonce"]
            )
            assert SWITCHED in xmltodict.parse(plain)["xml"]["Content"]
            await asyncio.sleep(0.5)
            assert api.texts("zhangsan") == []  # not pushed as well
        finally:
            await process.stop()
            await side.http.close()


async def test_telegram_webhook_reply_killed_before_sending_arrives_once(
    tmp_path: Path, db_url: str, dies_at: Callable[[str], Path]
) -> None:
    async with FakeTelegramServer() as server:
        cfg = config(tmp_path, db_url, server=server, mode="webhook")
        process = BotProcess.ours(write(cfg))
        marker = dies_at("bot.channels.telegram:TelegramChannel.deliver")
        try:
            await process.start(telegram_ready(server, "webhook"))
            server.route_webhook(cfg.webhook_url)
            server.user_sends(7301, "/lang en")
            await died(process, marker)
            assert server.sent_messages(7301) == []
            await process.start(telegram_ready(server, "webhook"))  # the proxy posts it again
            await server.wait_for(lambda: server.sent_messages(7301), timeout=15)
            await asyncio.sleep(0.5)
            texts = [m.get("text") or "" for m in server.sent_messages(7301)]
            assert sum(SWITCHED in t for t in texts) == 1, texts
        finally:
            await process.stop()
