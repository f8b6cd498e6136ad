"""Bursts: a busy connection pool queues, a stopped Redis fails closed, the sandbox stays off the loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot import store
from bot.errors import StorageUnavailable
from bot.models import Role
from bot.providers import sandbox as sandbox_module
from bot.providers.sandbox import SandboxProvider
from bot.search import MAX_RUNNING
from tests.conftest import make_settings
from tests.fakes import FakeCarrier
from tests.redis_server import RedisProcess, redis_process
from tests.slack import TEAM, BotUnderTest

UNAVAILABLE = StorageUnavailable().user_message


async def viewers(bot: BotUnderTest, count: int) -> list[str]:
    users = [f"U0VIEW{i:04d}" for i in range(count)]
    for user in users:
        await bot.services.roles.grant(TEAM, user, Role.viewer)
    return users


@pytest.fixture
async def pooled(redis_server: RedisProcess) -> AsyncIterator[store.RedisClient]:
    """The bot's own client, as `python -m bot` builds it, with a deliberately small pool."""
    client = store.connect(make_settings(redis_url=redis_server.url, redis_max_connections=4))
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.mark.redis_server
async def test_three_hundred_concurrent_commands_queue_for_connections_and_none_is_told_storage_is_down(
    make_bot, pooled: store.RedisClient
) -> None:
    carrier = FakeCarrier()
    carrier.search_delay = 0.05
    bot = await make_bot(redis=pooled, providers={"fake": carrier})
    users = await viewers(bot, 300)

    acks = await asyncio.gather(*(bot.command("search US --limit 1", user=u, settle=False) for u in users))
    await bot.settle(60)

    assert [a.status for a in acks] == [200] * 300
    assert [a for a in acks if UNAVAILABLE in a.text] == []
    answers = [bot.last(a.key).text for a in acks]
    assert [t for t in answers if UNAVAILABLE in t] == []
    assert sum("1 found" in t for t in answers) == 300, "every search delivered its results"
    assert carrier.requests["search"] == 300


@pytest.mark.redis_server
async def test_a_stopped_redis_is_storage_unavailable_within_two_seconds(make_bot) -> None:
    with redis_process() as server:
        client = store.connect(make_settings(redis_url=server.url))
        bot = await make_bot(redis=client, providers={"fake": FakeCarrier()})
        (user,) = await viewers(bot, 1)
        assert "Searching" in (await bot.command("search US", user=user)).text
        server.kill()

        started = time.monotonic()
        ack = await bot.command("search US", user=user, settle=False)
        elapsed = time.monotonic() - started
        await client.aclose()
    assert UNAVAILABLE in ack.text  # fail closed: no role check, so no provider call
    assert elapsed < 2.0


async def test_a_fourth_search_in_flight_is_told_to_wait(make_bot, redis: Redis) -> None:
    carrier = FakeCarrier()
    carrier.search_delay = 0.5
    bot = await make_bot(redis=redis, providers={"fake": carrier})
    (user,) = await viewers(bot, 1)
    running = await asyncio.gather(*(bot.command("search US", user=user, settle=False) for _ in range(MAX_RUNNING)))
    assert all("Searching" in a.text for a in running)

    fourth = await bot.command("search US", user=user, settle=False)
    assert "wait for their results" in fourth.text
    await bot.settle()
    assert carrier.requests["search"] == MAX_RUNNING, "the refused search asked no provider"
    assert all("1 found" in bot.last(a.key).text for a in running)

    again = await bot.command("search US", user=user)  # the earlier ones finished: room again
    assert "1 found" in bot.last(again.key).text


@pytest.mark.redis_server
async def test_twenty_sandbox_searches_with_new_patterns_keep_a_help_ack_under_a_second(
    make_bot, real_redis: Redis
) -> None:
    sandbox_module.clear_stock()
    bot = await make_bot(redis=real_redis, providers={"sandbox": SandboxProvider(real_redis)})
    users = await viewers(bot, 20)
    # New patterns each, half of which no GB number of some type can start with (the costliest).
    patterns = [f"{20 + i}" if i % 2 else f"9{i:02d}" for i in range(20)]
    searches = [bot.command(f"search GB {p}", user=u, settle=False) for u, p in zip(users, patterns, strict=True)]

    async def timed_help() -> float:
        await asyncio.sleep(0.05)  # the searches are generating by now
        started = time.monotonic()
        ack = await bot.command("help", settle=False)
        assert "numberbot" in ack.text or "Your role" in ack.text
        return time.monotonic() - started

    *acks, help_seconds = await asyncio.gather(*searches, timed_help())
    await bot.settle(60)
    assert help_seconds < 1.0
    assert all("found" in bot.last(a.key).text for a in acks)
