"""Shared fixtures: Redis (fake or a private real server), the Slack stand-in, a bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import fakeredis
import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.console.slack_stub import SlackStub
from bot.providers.base import NumberProvider
from bot.providers.sandbox import SandboxProvider
from tests.fakes import Recorder
from tests.redis_server import RedisProcess, redis_process
from tests.slack import ADMIN, TEAM, BotUnderTest, start_bot

_PREFIXES = (
    "SLACK", "REDIS", "VONAGE", "AZURE", "FLOWROUTE", "KAZOO", "BOT", "APPROVALS", "QUOTE", "RATES", "DEFAULT",
    "REPORT",
)  # fmt: skip
_PREFIXES = ("SLACK", "REDIS", "VONAGE", "AZURE", "FLOWROUTE", "KAZOO", "BOT", "APPROVALS", "QUOTE", "RATES", "DEFAULT")
_PREFIXES += ("PUBLIC", "SMS")

BotFactory = Callable[..., Awaitable[BotUnderTest]]


def make_settings(**overrides: Any) -> Settings:
    """Settings for tests: never read from the environment of the machine running them."""
    values: dict[str, Any] = {
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": "test-signing-secret-0123456789abcdef",
        "bot_admins": (ADMIN,),
        "sandbox": True,
        "quote_ttl_seconds": 300,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from the tests, not from whatever the CI machine has exported."""
    import os

    for name in list(os.environ):
        if name.split("_")[0] in _PREFIXES or name in ("SANDBOX", "PORT"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = fakeredis.FakeAsyncRedis(decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisProcess]:
    with redis_process() as server:
        yield server


@pytest.fixture
async def real_redis(redis_server: RedisProcess) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url, decode_responses=True)
    await client.flushdb()  # our own private server: start every test empty
    yield client
    await client.aclose()


@pytest.fixture
async def slack() -> AsyncIterator[SlackStub]:
    """The Slack stand-in; a test fails when Slack would have refused anything the bot sent
    (a test that expects a refusal takes it with `slack.take_refusals()`)."""
    stub = SlackStub(team_id=TEAM)
    await stub.start()
    yield stub
    await stub.stop()
    if stub.refusals:
        pytest.fail(f"Slack would have refused {len(stub.refusals)} message(s):\n{stub.refusal_report()}")


@pytest.fixture
async def sandbox(redis: Redis) -> Recorder:
    return Recorder(SandboxProvider(redis))


@pytest.fixture
async def make_bot(slack: SlackStub) -> AsyncIterator[BotFactory]:
    started: list[BotUnderTest] = []

    async def factory(
        *,
        redis: Any,
        providers: dict[str, NumberProvider] | None = None,
        settings: Settings | None = None,
        **kwargs: Any,
    ) -> BotUnderTest:
        bot = await start_bot(settings or make_settings(), redis=redis, stub=slack, providers=providers, **kwargs)
        started.append(bot)
        return bot

    yield factory
    for bot in started:
        await bot.services.lifecycle.drain(5)
        await bot.aclose()
        await bot.services.http.aclose()


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis, sandbox: Recorder) -> BotUnderTest:
    """One bot on fakeredis with the sandbox provider, wrapped to record provider calls."""
    return await make_bot(redis=redis, providers={"sandbox": sandbox})
