"""Exactly-once purchases on a real, private redis-server (atomicity is Redis's, not fakeredis's)."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.budget import month_of
from bot.providers.sandbox import SandboxProvider
from tests.fakes import FakeCarrier, Recorder
from tests.handlers.test_actions import quote_for
from tests.slack import TEAM

pytestmark = pytest.mark.redis_server


async def test_twenty_concurrent_confirm_clicks_buy_once(make_bot, real_redis: Redis) -> None:
    sandbox = Recorder(SandboxProvider(real_redis))
    bot = await make_bot(redis=real_redis, providers={"sandbox": sandbox})
    quote_id, _ = await quote_for(bot)
    acks = await asyncio.gather(*(bot.click(ids.CONFIRM, quote_id, key=f"c{i}", settle=False) for i in range(20)))
    assert all(a.status == 200 for a in acks)
    await bot.settle()
    assert sandbox.count("buy") == 1
    assert await real_redis.hlen(keys.pool(TEAM)) == 1
    assert await real_redis.hlen(keys.spend(TEAM, month_of())) == 1
    audit = await real_redis.xrange(keys.audit(TEAM))
    assert [f["outcome"] for _, f in audit if f["action"] == "buy"] == ["bought"]
    outcomes = [bot.last(f"c{i}").text for i in range(20)]
    assert sum("bought" in o for o in outcomes) == 1
    assert all("already" in o for o in outcomes if "bought" not in o)


async def test_two_replicas_receiving_the_same_click_buy_once(make_bot, real_redis: Redis) -> None:
    carrier = FakeCarrier()
    carrier.buy_delay = 0.2
    first = await make_bot(redis=real_redis, providers={"fake": carrier}, worker="replica-a")
    second = await make_bot(redis=real_redis, providers={"fake": carrier}, worker="replica-b")
    quote_id, _ = await quote_for(first)
    await asyncio.gather(
        first.click(ids.CONFIRM, quote_id, key="a", settle=False),
        second.click(ids.CONFIRM, quote_id, key="b", settle=False),
    )
    await first.settle()
    await second.settle()
    assert carrier.requests["buy"] == 1
    texts = [first.last("a").text, second.last("b").text]
    assert sum("bought" in t for t in texts) == 1


async def test_a_slack_retry_of_the_click_does_not_buy_again(make_bot, real_redis: Redis) -> None:
    carrier = FakeCarrier()
    bot = await make_bot(redis=real_redis, providers={"fake": carrier})
    quote_id, _ = await quote_for(bot)
    await bot.click(ids.CONFIRM, quote_id, key="original")
    retried = await bot.click(ids.CONFIRM, quote_id, key="original", retry=1)
    assert retried.status == 200
    assert carrier.requests["buy"] == 1
    assert "already used" in bot.last("original").text


async def test_an_expired_quote_on_real_redis_buys_nothing(make_bot, real_redis: Redis) -> None:
    from tests.conftest import make_settings

    carrier = FakeCarrier()
    bot = await make_bot(redis=real_redis, providers={"fake": carrier}, settings=make_settings(quote_ttl_seconds=30))
    quote_id, _ = await quote_for(bot)
    assert 0 < await real_redis.pttl(keys.quote(TEAM, quote_id)) <= 30_000
    await real_redis.pexpire(keys.quote(TEAM, quote_id), 1)  # let Redis expire it now
    await asyncio.sleep(0.05)
    await bot.click(ids.CONFIRM, quote_id, key="expired")
    assert "expired" in bot.last("expired").text
    assert carrier.requests["buy"] == 0
