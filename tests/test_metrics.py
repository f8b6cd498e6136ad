"""GET /metrics: what a Prometheus scrape sees after real requests through the app."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.blocks import ids
from tests.fakes import FakeCarrier
from tests.handlers.test_actions import quote_for
from tests.slack import BotUnderTest


async def scrape(bot: BotUnderTest) -> dict[str, float]:
    answer = await bot.client.get("/metrics")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    found: dict[str, float] = {}
    for line in (await answer.text()).splitlines():
        if line.startswith("numberbot_"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


def delta(before: dict[str, float], after: dict[str, float], name: str) -> float:
    return after.get(name, 0.0) - before.get(name, 0.0)


async def test_acks_provider_calls_and_purchases_are_counted(make_bot, redis: Redis) -> None:
    carrier = FakeCarrier()
    bot = await make_bot(redis=redis, providers={"fake": carrier})
    before = await scrape(bot)

    await bot.command("help")
    await bot.command("grant <@U0SOMEONE> no-such-role")  # bad input: the usage line
    await bot.command("roles", user="U0NOBODY")  # no role: refused
    quote_id, _ = await quote_for(bot)
    await bot.click(ids.CONFIRM, quote_id, key="bought")
    carrier.buy_mode = "refuse"
    carrier.catalog = [carrier.offer("+14155550124")]
    again, _ = await quote_for(bot)
    await bot.click(ids.CONFIRM, again, key="refused")
    after = await scrape(bot)

    assert delta(before, after, 'numberbot_acks_total{outcome="ok",request="command:help"}') == 1
    assert delta(before, after, 'numberbot_acks_total{outcome="bad_input",request="command:"}') == 1
    assert delta(before, after, 'numberbot_acks_total{outcome="denied",request="command:roles"}') == 1
    assert delta(before, after, 'numberbot_acks_total{outcome="ok",request="action:nb_confirm"}') == 2
    assert delta(before, after, 'numberbot_ack_seconds_count{kind="command"}') == 5  # help, grant, roles, 2 searches
    assert delta(before, after, 'numberbot_purchases_total{outcome="bought"}') == 1
    assert delta(before, after, 'numberbot_purchases_total{outcome="failed"}') == 1
    assert delta(before, after, 'numberbot_provider_call_seconds_count{operation="search",provider="fake"}') == 2
    assert (
        delta(before, after, 'numberbot_provider_errors_total{error="ProviderRefused",operation="buy",provider="fake"}')
        == 1
    )


async def test_operations_in_flight_and_takeovers(make_bot, real_redis: Redis) -> None:
    from tests.test_reconciler import orphan_purchase

    carrier = FakeCarrier()
    bot = await make_bot(redis=real_redis, providers={"fake": carrier})
    op = await orphan_purchase(real_redis, carrier, bot.stub.base_url)
    before = await scrape(bot)
    assert before["numberbot_operations_in_flight"] == 1
    carrier._own(op.e164)
    assert await bot.services.reconciler.run_once() == 1
    after = await scrape(bot)
    assert after["numberbot_operations_in_flight"] == 0
    assert delta(before, after, "numberbot_reconciler_takeovers_total") == 1


async def test_storage_errors_are_counted(make_bot) -> None:
    from bot import store
    from tests.conftest import make_settings
    from tests.redis_server import free_port

    client = store.connect(make_settings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    bot = await make_bot(redis=client, providers={"fake": FakeCarrier()})
    before = await scrape(bot)
    ack = await bot.command("help")
    assert "Storage" in ack.text
    after = await scrape(bot)
    assert delta(before, after, 'numberbot_redis_errors_total{kind="unavailable"}') == 1
    assert delta(before, after, 'numberbot_acks_total{outcome="storage",request="command:help"}') == 1
    await client.aclose()


async def test_refused_webhooks_are_counted_across_processes(make_bot, redis: Redis) -> None:
    from tests.handlers.conftest import pooled
    from tests.webhooks import deliver, route_number, sandbox_sms, sms_channel

    bot = await make_bot(redis=redis)
    other = await make_bot(redis=redis)  # another process sharing the Redis
    number = "+442079460123"
    sms_channel(bot.stub)
    await pooled(redis, number)
    query = await route_number(bot, redis, number)

    answer = await deliver(bot, "sandbox", {**query, "token": "forged"}, json_body=sandbox_sms(number, "hi"))
    assert answer.status == 403
    await deliver(other, "sandbox", {**query, "token": "forged"}, json_body=sandbox_sms(number, "hi"))

    for scraped in (bot, other):
        found = await scrape(scraped)
        refused = {k: v for k, v in found.items() if k.startswith("numberbot_webhooks_refused_total")}
        assert list(refused.values()) == [2], refused
        assert 'provider="sandbox"' in next(iter(refused))
