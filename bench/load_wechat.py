"""The WeChat half of bench/load.py: WeChat's servers posting to the bot's /wechat webhook.

Requests come at a fixed rate whatever the bot does (WeChat does not wait for us), each a
text message from one of many people, signed and AES-encrypted as in safe mode. The passive
reply in the HTTP answer is the answer; latency runs from the moment a request was due to
its answer. An answer of "success" means the reply missed WeChat's 5 s window and follows
as a push: counted apart ("pushed"). Target: p99 under 1 s at 200 requests/s.
"""

from __future__ import annotations

import asyncio
import secrets
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import xmltodict
from cryptography.fernet import Fernet
from wechatpy.crypto import WeChatCrypto

from bench.load_targets import BotConfig
from tests.fakes.wechat_api import FakeWeChatApi
from tests.local import BotProcess, free_port, listening, reset_postgres
from tests.wechat_harness import AES_KEY, TOKEN, envelope, sign, text_xml

#: What people write: a greeting (the menu) and legal questions (the FAQ, the heavier part).
MESSAGES = (
    "你好",
    "公司已经连续两个月没发工资了，我想走，走的时候能要补偿金吗",
    "合同到期公司要续但是工资降了我不签，还有补偿吗",
    "刚进厂说要押一个月工资，等离职才给，这合法吗",
    "申请劳动仲裁要不要交钱？",
    "我下个月要生了，产假到底能休几天，工资谁给",
)
SECONDS_BETWEEN_MESSAGES = 5  # of one person: at 200 requests/s, 1,000 people


@dataclass
class WeChatStats:
    """What one WeChat run measured."""

    rate: float
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    pushed: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the bot processes' CPU time while the load was offered

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_seconds / max(self.answered, 1)

    @property
    def answered(self) -> int:
        return len(self.latencies)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return 1000 * ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    @property
    def p50(self) -> float:
        return 1000 * statistics.median(self.latencies) if self.latencies else float("nan")


class WeChatSide:
    """Signs, encrypts and posts messages as WeChat's servers do; reads passive replies."""

    def __init__(self, url: str, app_id: str, *, fresh_connections: bool = False) -> None:
        """`fresh_connections`: a new connection per call, as the kernel spreads connections,
        not calls, over processes sharing a port."""
        self.url = url
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, app_id)
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=fresh_connections),
            timeout=aiohttp.ClientTimeout(total=15),
        )
        self._nonce = 0

    async def post(self, openid: str, text: str) -> tuple[int, str]:
        """Post one message; returns the HTTP status and the reply's text ("" if none)."""
        self._nonce += 1  # unique per call, as WeChat's are: the bot refuses a reused one
        timestamp, nonce = str(int(time.time())), f"{self._nonce}{secrets.randbelow(10**6)}"
        sealed = xmltodict.parse(
            self.crypto.encrypt_message(text_xml(openid, text), nonce, timestamp)
        )
        query = {
            "timestamp": timestamp,
            "nonce": nonce,
            "signature": sign(TOKEN, timestamp, nonce),
            "encrypt_type": "aes",
            "msg_signature": sealed["xml"]["MsgSignature"],
        }
        async with self.http.post(
            self.url, params=query, data=envelope(sealed["xml"]["Encrypt"])
        ) as response:
            status, answer = response.status, await response.text()
        if status != 200 or answer in ("", "success"):
            return status, ""
        env = xmltodict.parse(answer)["xml"]
        plain = self.crypto.decrypt_message(
            answer, env["MsgSignature"], env["TimeStamp"], env["Nonce"]
        )
        return status, str(xmltodict.parse(plain)["xml"].get("Content") or "")

    async def close(self) -> None:
        await self.http.close()


async def offer(side: WeChatSide, rate: float, seconds: float) -> WeChatStats:
    """Post rate x seconds messages, each when it is due, without waiting for answers."""
    stats = WeChatStats(rate=rate)
    people = max(1, int(rate * SECONDS_BETWEEN_MESSAGES))
    loop = asyncio.get_running_loop()

    async def one(n: int, due: float) -> None:
        person, turn = n % people, n // people
        try:
            status, reply = await side.post(f"load-{person}", MESSAGES[turn % len(MESSAGES)])
        except (aiohttp.ClientError, TimeoutError) as exc:
            stats.errors[type(exc).__name__] += 1
            return
        if status != 200:
            stats.errors[f"HTTP {status}"] += 1
            return
        stats.latencies.append(loop.time() - due)
        if not reply:
            stats.pushed += 1

    started = loop.time() + 0.1
    tasks = []
    for n in range(int(rate * seconds)):
        due = started + n / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    stats.seconds = loop.time() - started
    return stats


def wechat_config(
    api: FakeWeChatApi, db_url: str, data_dir: Path, *, share_ports: bool = False
) -> BotConfig:
    """A bot with only the WeChat channel (safe mode), talking to the fake WeChat API."""
    return BotConfig(
        server=None,
        db_url=db_url,
        data_dir=data_dir,
        data_key=Fernet.generate_key().decode(),
        port=free_port(),
        wechat={
            "app_id": api.app_id,
            "app_secret": api.secret,
            "token": TOKEN,
            "encoding_aes_key": AES_KEY,
            "mode": "safe",
            "api_base_url": api.base_url,
        },
        share_ports=share_ports,
    )


async def measure_wechat(
    database: str, pg_url: str, rate: float, seconds: float, instances: int = 1
) -> tuple[WeChatStats, list[str]]:
    """Start our bot with only the WeChat channel, warm it up, then offer the load.

    instances > 1: that many bot processes share the webhook port (webhooks.share_ports,
    PostgreSQL), as a host with more cores than one process can use would run them.
    """
    async with FakeWeChatApi() as api:
        with tempfile.TemporaryDirectory() as tmp:
            db_url = f"sqlite+aiosqlite:///{Path(tmp) / 'load.db'}"
            if database == "postgresql":
                db_url = pg_url
                await reset_postgres(db_url)
            config = wechat_config(api, db_url, Path(tmp), share_ports=instances > 1)
            url = f"http://127.0.0.1:{config.port}/wechat"
            processes = [
                BotProcess.ours(config.write(Path(tmp) / f"wechat{n}.toml"))
                for n in range(instances)
            ]
            side = WeChatSide(url, api.app_id)
            try:
                for process in processes:
                    await process.start(listening(process))
                # loads the FAQ in every process before the clock starts (a new connection
                # per call reaches each process sooner or later)
                warm = WeChatSide(url, api.app_id, fresh_connections=True)
                for n in range(len(MESSAGES) * 4 * instances):
                    await warm.post(f"load-warm-up-{n}", MESSAGES[1 + n % (len(MESSAGES) - 1)])
                await warm.close()
                cpu_before = sum(p.cpu_seconds() for p in processes)
                stats = await offer(side, rate, seconds)
                stats.cpu_seconds = sum(p.cpu_seconds() for p in processes) - cpu_before
            finally:
                await side.close()
                for process in processes:
                    await process.stop()
            return stats, [line for p in processes for line in p.problems()]
