"""The HTTP surface: signature checks, /health, and failing closed when Redis is down."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from redis.asyncio import Redis

from bot.blocks import ids
from bot.providers.sandbox import SandboxProvider
from tests.fakes import Recorder
from tests.redis_server import free_port
from tests.slack import SIGNING_SECRET, TEAM, BotUnderTest


def hand_signed(body: str, secret: str, timestamp: int) -> dict[str, str]:
    """Slack's scheme computed here by hand, independently of the code under test."""
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": str(timestamp),
        "x-slack-signature": f"v0={digest}",
    }


def command_body(text: str) -> str:
    return urlencode(
        {"team_id": TEAM, "user_id": "U0ADMIN", "channel_id": "C0TEST", "command": "/number", "text": text,
         "response_url": "http://127.0.0.1:9/respond/x", "trigger_id": "t"}
    )  # fmt: skip


async def test_a_correctly_signed_request_is_served(bot: BotUnderTest) -> None:
    body = command_body("help")
    status, text = await bot.post(body, headers=hand_signed(body, SIGNING_SECRET, int(time.time())))
    assert status == 200
    assert "numberbot" in text


async def test_a_wrong_signature_is_rejected_and_nothing_runs(bot: BotUnderTest, sandbox: Recorder) -> None:
    body = command_body("search GB")
    status, _ = await bot.post(body, headers=hand_signed(body, "not-the-secret", int(time.time())))
    assert status == 401
    assert sandbox.count() == 0


async def test_a_replayed_old_request_is_rejected(bot: BotUnderTest, sandbox: Recorder) -> None:
    body = command_body("search GB")
    status, _ = await bot.post(body, headers=hand_signed(body, SIGNING_SECRET, int(time.time()) - 3600))
    assert status == 401
    assert sandbox.count() == 0


async def test_health_reports_redis_reachable(bot: BotUnderTest) -> None:
    response = await bot.client.get("/health")
    assert response.status == 200
    body = await response.json()
    assert body["redis"] == {"reachable": True, "topology": "single"}
    assert body["providers"] == ["sandbox"]


async def down_redis() -> Redis:
    """The bot's own client (its timeouts and retries) for a port nobody listens on."""
    from bot import store
    from tests.conftest import make_settings

    return store.connect(make_settings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))  # type: ignore[return-value]


async def test_health_is_503_when_redis_is_down(make_bot) -> None:
    bot = await make_bot(redis=await down_redis())
    response = await bot.client.get("/health")
    assert response.status == 503
    assert (await response.json())["redis"]["reachable"] is False


async def test_redis_down_means_storage_unavailable_and_no_provider_call(make_bot) -> None:
    redis = await down_redis()
    sandbox = Recorder(SandboxProvider(redis))
    bot = await make_bot(redis=redis, providers={"sandbox": sandbox})
    ack = await bot.command("search GB")
    assert ack.status == 200
    assert "Storage (Redis) is unavailable" in ack.text
    click = await bot.click(ids.CONFIRM, "somequote", key="down")
    assert click.status == 200
    assert "Storage (Redis) is unavailable" in bot.last("down").text
    assert sandbox.count() == 0
