"""Exactly-once purchases on a real, private redis-server (atomicity is Redis's, not fakeredis's)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.budget import month_of
from bot.models import Quote, utcnow
from bot.providers.sandbox import SandboxProvider
from tests.fakes import FakeCarrier, Recorder
from tests.handlers.test_actions import quote_for
from tests.slack import TEAM, BotUnderTest

pytestmark = pytest.mark.redis_server

CLICKS = 20


def claims_together(bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch, clicks: int) -> dict[str, int]:
    """Hold every click at the claim until all `clicks` are there, then let them in at once.

    Returns counters: how many got in, and how many were inside the claim at the same time,
    so the test can show its clicks really met at the claim (not one after the other).
    """
    journal = bot.services.journal
    real_claim = journal.claim
    barrier = asyncio.Barrier(clicks)
    seen = {"entered": 0, "inside": 0, "most_at_once": 0}

    async def together(*args: Any, **kwargs: Any) -> Any:
        async with asyncio.timeout(10):
            await barrier.wait()
        seen["entered"] += 1
        seen["inside"] += 1
        seen["most_at_once"] = max(seen["most_at_once"], seen["inside"])
        try:
            return await real_claim(*args, **kwargs)
        finally:
            seen["inside"] -= 1

    monkeypatch.setattr(journal, "claim", together)
    return seen


async def test_twenty_concurrent_confirm_clicks_buy_once(
    make_bot, real_redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = Recorder(SandboxProvider(real_redis))
    bot = await make_bot(redis=real_redis, providers={"sandbox": sandbox})
    quote_id, _ = await quote_for(bot)
    # Open the connections now: opened on first use, they would spread the clicks out in time.
    await asyncio.gather(*(real_redis.ping() for _ in range(2 * CLICKS)))
    seen = claims_together(bot, monkeypatch, CLICKS)

    clicks = (bot.click(ids.CONFIRM, quote_id, key=f"c{i}", settle=False) for i in range(CLICKS))
    acks = await asyncio.gather(*clicks)
    assert all(a.status == 200 for a in acks)
    await bot.settle()

    assert seen["entered"] == CLICKS
    assert seen["most_at_once"] == CLICKS, "every click was inside the claim at the same time"
    assert sandbox.count("buy") == 1
    assert await real_redis.hlen(keys.pool(TEAM)) == 1
    assert await real_redis.hlen(keys.spend(TEAM, month_of())) == 1
    audit = await real_redis.xrange(keys.audit(TEAM))
    assert [f["outcome"] for _, f in audit if f["action"] == "buy"] == ["bought"]
    outcomes = [bot.last(f"c{i}").text for i in range(CLICKS)]
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


async def test_a_quote_past_its_expiry_whose_key_still_lives_buys_nothing(make_bot, real_redis: Redis) -> None:
    """Redis's clock and the bot's may differ: the quote's own expires_at decides, not its key."""
    carrier = FakeCarrier()
    bot = await make_bot(redis=real_redis, providers={"fake": carrier})
    quote_id, _ = await quote_for(bot)
    key = keys.quote(TEAM, quote_id)
    quote = Quote.model_validate_json(await real_redis.get(key))
    await real_redis.set(
        key, quote.model_copy(update={"expires_at": utcnow() - timedelta(seconds=1)}).model_dump_json(), keepttl=True
    )
    assert await real_redis.ttl(key) > 200, "the key itself still lives"

    await bot.click(ids.CONFIRM, quote_id, key="late")

    assert "expired" in bot.last("late").text
    assert carrier.requests["buy"] == 0
    assert await real_redis.hlen(keys.pool(TEAM)) == 0
