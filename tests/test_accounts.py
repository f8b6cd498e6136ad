"""`list` reads providers' accounts from a short-lived shared snapshot, not on every page."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from bot.accounts import FRESH
from bot.blocks import ids
from bot.models import PoolEntry, utcnow
from bot.pool import PoolStore
from tests.fakes import FakeCarrier
from tests.slack import ADMIN, TEAM, BotUnderTest


async def pool_of(redis: Redis, carrier: FakeCarrier, count: int) -> list[str]:
    numbers = [f"+1415555{i:04d}" for i in range(count)]
    for e164 in numbers:
        carrier._own(e164)
        entry = PoolEntry(e164=e164, provider="fake", bought_by=ADMIN, bought_at=utcnow())
        assert await PoolStore(redis).adopt(TEAM, entry)
    return numbers


async def page_through(bot: BotUnderTest) -> str:
    ack = await bot.command("list")
    listing = bot.last(ack.key)
    (following,) = bot.buttons(listing, ids.LIST_NEXT)
    await bot.click(ids.LIST_NEXT, following["value"], key="page")
    return bot.last("page").text


async def test_pages_and_repeated_lists_read_one_snapshot(make_bot, redis: Redis) -> None:
    carrier = FakeCarrier()
    bot = await make_bot(redis=redis, providers={"fake": carrier})
    await pool_of(redis, carrier, 25)
    await page_through(bot)
    await page_through(bot)
    assert carrier.requests["list"] == 1, "the account was asked once for two lists and two page turns"


async def test_an_old_snapshot_is_shown_with_its_age_and_refreshed_once_behind_the_page(
    make_bot, real_redis: Redis
) -> None:
    carrier = FakeCarrier()
    one = await make_bot(redis=real_redis, providers={"fake": carrier}, worker="one")
    two = await make_bot(redis=real_redis, providers={"fake": carrier}, worker="two")
    await pool_of(real_redis, carrier, 3)
    await one.command("list")
    assert carrier.requests["list"] == 1
    later = time.time() + FRESH + 30
    for bot in (one, two):
        bot.services.pool.accounts.clock = lambda: later
    acks = await asyncio.gather(one.command("list"), two.command("list"))
    texts = [bot.last(ack.key) for bot, ack in zip((one, two), acks, strict=True)]
    # (the second process may read the snapshot the first one just refreshed)
    assert any("Provider state as of 90 s ago." in str(t.blocks) for t in texts), "the page says how old it is"
    for _ in range(50):
        if carrier.requests["list"] == 2:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    assert carrier.requests["list"] == 2, "refreshed once, by one of the two processes, after the pages were sent"


async def test_a_forward_drops_the_snapshot_so_the_list_shows_it(make_bot, redis: Redis) -> None:
    carrier = FakeCarrier()
    bot = await make_bot(redis=redis, providers={"fake": carrier})
    (number,) = await pool_of(redis, carrier, 1)
    await bot.command("list")
    await bot.command(f"forward {number} +14155550999")
    ack = await bot.command("list")
    assert "forwards to +14155550999" in str(bot.last(ack.key).blocks)
    assert carrier.requests["list"] == 2


async def test_a_number_bought_after_the_snapshot_is_not_shown_as_gone(make_bot, redis: Redis) -> None:
    from tests.handlers.test_actions import quote_for

    carrier = FakeCarrier()
    carrier.catalog = [carrier.offer("+14155550777")]
    bot = await make_bot(redis=redis, providers={"fake": carrier})
    await pool_of(redis, carrier, 1)
    await bot.command("list")
    quote_id, _ = await quote_for(bot)
    await bot.click(ids.CONFIRM, quote_id, key="bought")
    ack = await bot.command("list")
    assert "no longer on the" not in str(bot.last(ack.key).blocks)
