"""Purchases and releases left in flight by a dead process are resolved by a live one."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.budget import month_of
from bot.journal import Journal
from bot.models import Operation, Quote, new_id, utcnow
from bot.purchases import QuoteStore
from tests.fakes import FakeCarrier
from tests.slack import TEAM

pytestmark = pytest.mark.redis_server


async def orphan_purchase(redis: Redis, carrier: FakeCarrier, slack_url: str, *, age: float = 0.0) -> Operation:
    """A purchase claimed by a process that then died: in flight, lease lapsed."""
    now = utcnow()
    quote = Quote(
        id=new_id(),
        team_id=TEAM,
        user_id="U0BUYER",
        channel_id="C0TEST",
        offer=carrier.offer(),
        created_at=now,
        expires_at=now + timedelta(minutes=5),
    )
    await QuoteStore(redis).save(quote, 300)
    op = Operation(
        id=quote.id,
        kind="purchase",
        team_id=TEAM,
        user_id=quote.user_id,
        e164=quote.offer.e164,
        provider=carrier.name,
        quote=quote,
        channel_id="C0TEST",
        response_url=f"{slack_url}/respond/orphan",
        started_at=now - timedelta(seconds=age),
    )
    dead = Journal(redis, worker="dead-process")
    raw = await redis.get(keys.quote(TEAM, quote.id))
    assert (
        await dead.claim(
            op, source_key=keys.quote(TEAM, quote.id), expected=raw, guard_key=keys.pool(TEAM), guard="pooled"
        )
        == "ok"
    )
    await redis.delete(keys.lease(TEAM, op.id))  # the lease lapses when nobody renews it
    return op


async def test_a_lapsed_purchase_the_provider_made_is_recorded_and_the_buyer_told(
    make_bot, real_redis: Redis, slack
) -> None:
    carrier = FakeCarrier()
    bot = await make_bot(redis=real_redis, providers={"fake": carrier})
    op = await orphan_purchase(real_redis, carrier, slack.base_url)
    carrier._own(op.e164)  # the provider did buy it before the process died

    assert await bot.services.reconciler.run_once() == 1
    assert carrier.requests["buy"] == 0, "resolved by asking, never by buying again"
    assert json.loads(await real_redis.hget(keys.pool(TEAM), op.e164))["bought_by"] == "U0BUYER"
    assert await real_redis.hexists(keys.spend(TEAM, month_of()), op.id)
    told = slack.responses("orphan")[-1]
    assert "bought" in told.text
    assert told.data["replace_original"] is True
    assert await real_redis.zcard(keys.inflight(TEAM)) == 0


async def test_a_lapsed_purchase_that_did_not_happen_is_reported_as_failed(make_bot, real_redis: Redis, slack) -> None:
    carrier = FakeCarrier()
    bot = await make_bot(redis=real_redis, providers={"fake": carrier})
    op = await orphan_purchase(real_redis, carrier, slack.base_url, age=60)

    assert await bot.services.reconciler.run_once() == 1
    assert carrier.requests["buy"] == 0
    assert await real_redis.hlen(keys.pool(TEAM)) == 0
    assert not await real_redis.exists(keys.spend(TEAM, month_of()))
    assert "did not go through" in slack.responses("orphan")[-1].text
    assert await real_redis.hget(keys.op(TEAM, op.id), "status") == "failed"


async def test_a_young_lapsed_purchase_is_not_declared_failed_yet(make_bot, real_redis: Redis, slack) -> None:
    carrier = FakeCarrier()
    bot = await make_bot(redis=real_redis, providers={"fake": carrier})
    op = await orphan_purchase(real_redis, carrier, slack.base_url, age=1)
    assert await bot.services.reconciler.run_once() == 0
    assert await real_redis.hget(keys.op(TEAM, op.id), "status") == "inflight"
    assert slack.responses("orphan") == []


async def test_a_held_lease_is_left_alone(make_bot, real_redis: Redis, slack) -> None:
    carrier = FakeCarrier()
    bot = await make_bot(redis=real_redis, providers={"fake": carrier})
    op = await orphan_purchase(real_redis, carrier, slack.base_url, age=60)
    await real_redis.set(keys.lease(TEAM, op.id), "alive-process", px=5000)
    assert await bot.services.reconciler.run_once() == 0
    assert carrier.requests["get"] == 0


async def test_two_live_processes_racing_on_one_lapsed_purchase_resolve_it_once(
    make_bot, real_redis: Redis, slack
) -> None:
    carrier = FakeCarrier()
    one = await make_bot(redis=real_redis, providers={"fake": carrier}, worker="one")
    two = await make_bot(redis=real_redis, providers={"fake": carrier}, worker="two")
    op = await orphan_purchase(real_redis, carrier, slack.base_url)
    carrier._own(op.e164)
    settled = await asyncio.gather(one.services.reconciler.run_once(), two.services.reconciler.run_once())
    assert sorted(settled) == [0, 1]
    assert len(slack.responses("orphan")) == 1
    audit = await real_redis.xrange(keys.audit(TEAM))
    assert [f["outcome"] for _, f in audit] == ["bought"]


async def test_a_process_dying_mid_purchase_is_taken_over(make_bot, real_redis: Redis, slack) -> None:
    """The buyer's process is cancelled while the provider holds the request; another resolves it."""
    from bot.blocks import ids
    from tests.handlers.test_actions import quote_for

    carrier = FakeCarrier()
    carrier.buy_mode = "hang"
    dying = await make_bot(redis=real_redis, providers={"fake": carrier}, worker="dying")
    survivor = await make_bot(redis=real_redis, providers={"fake": carrier}, worker="survivor")
    quote_id, _ = await quote_for(dying)
    await dying.click(ids.CONFIRM, quote_id, key="confirm", settle=False)
    await asyncio.wait_for(carrier.bought_event.wait(), 5)
    await dying.services.lifecycle.cancel_all()  # the process is gone
    assert await real_redis.hget(keys.op(TEAM, quote_id), "status") == "inflight"

    assert await survivor.services.reconciler.run_once() == 1
    assert carrier.requests["buy"] == 1
    assert await real_redis.hexists(keys.pool(TEAM), carrier.offer().e164)
    assert "bought" in slack.responses("confirm")[-1].text
