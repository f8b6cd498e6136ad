"""Crash injection: real `python -m bot` processes, a real redis-server, a Vonage stand-in.

A purchase is confirmed on process A; the provider takes the request and answers late; A is
killed (SIGKILL) or told to stop (SIGTERM) meanwhile. Another process on the same Redis must
resolve the purchase within 30 s by asking Vonage, never by buying again.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.budget import month_of
from bot.console import payloads
from bot.console.slack_stub import SlackStub
from tests.fake_vonage import FakeVonage
from tests.processes import SECRET, bot_process
from tests.redis_server import RedisProcess

pytestmark = pytest.mark.redis_server

TEAM = "T0CRASH"
BUYER = "U0ADMIN"


@pytest.fixture
async def vonage() -> Any:
    fake = FakeVonage()
    await fake.start()
    yield fake
    await fake.stop()


def vonage_env(fake: FakeVonage) -> dict[str, str]:
    return {"VONAGE_API_KEY": "crashkey", "VONAGE_API_SECRET": "crashsecret", "VONAGE_BASE_URL": fake.base_url}


async def send(client: httpx.AsyncClient, base: str, body: str) -> httpx.Response:
    return await client.post(f"{base}/slack/events", content=body, headers=payloads.signed_headers(SECRET, body))


async def reply_at(stub: SlackStub, key: str, count: int = 1, timeout: float = 15) -> dict[str, Any]:
    await stub.wait_for(
        lambda calls: len([c for c in calls if c.kind == "respond" and c.method == key]) >= count, timeout
    )
    return stub.responses(key)[count - 1].data


def first_button(data: dict[str, Any], action_id: str) -> str:
    for block in data.get("blocks", []):
        for element in [block.get("accessory") or {}, *block.get("elements", [])]:
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {data}")


async def confirm_a_purchase(client: httpx.AsyncClient, base: str, stub: SlackStub) -> str:
    """Search, Buy, Confirm through process `base`; returns the number being bought."""
    search = payloads.slash_command(
        team_id=TEAM, user_id=BUYER, channel_id="C0CRASH", text="search GB --provider vonage --limit 1",
        response_url=stub.response_url("search"), trigger_id="t1",
    )  # fmt: skip
    assert (await send(client, base, search)).status_code == 200
    results = await reply_at(stub, "search")

    async def click(message: dict[str, Any], action_id: str, key: str) -> None:
        body = payloads.block_actions(
            team_id=TEAM, user_id=BUYER, channel_id="C0CRASH",
            action={"action_id": action_id, "value": first_button(message, action_id)},
            response_url=stub.response_url(key), trigger_id=f"t-{key}",
        )  # fmt: skip
        assert (await send(client, base, body)).status_code == 200

    await click(results, ids.BUY, "results")
    confirmation = await reply_at(stub, "results")
    await click(confirmation, ids.CONFIRM, "confirm")
    number = json.dumps(confirmation["blocks"]).split("`")[1]
    assert number.startswith("+44")
    return number


async def outcome_for(stub: SlackStub, timeout: float = 30) -> str:
    """The last thing the buyer was told in the confirmation message, once it is final."""

    def final(calls: list[Any]) -> bool:
        told = [c.text for c in calls if c.kind == "respond" and c.method == "confirm"]
        return bool(told) and ("bought" in told[-1] or "did not go through" in told[-1])

    await stub.wait_for(final, timeout)
    return stub.responses("confirm")[-1].text


async def signal_mid_purchase(redis_url: str, stub: SlackStub, vonage: FakeVonage, sig: signal.Signals) -> str:
    """Confirm a purchase on a bot process, send `sig` once Vonage has the buy, wait for it to go.

    Returns the number being bought. A SIGTERM'd process must exit cleanly within 10 s.
    """
    async with (
        bot_process(redis_url, stub, **vonage_env(vonage)) as (process, base),
        httpx.AsyncClient() as client,
    ):
        number = await confirm_a_purchase(client, base, stub)
        await asyncio.wait_for(vonage.buy_received.wait(), 10)
        sent = time.monotonic()
        process.send_signal(sig)
        code = await asyncio.to_thread(process.wait, 10)
        if sig is signal.SIGTERM:
            assert code == 0
            assert time.monotonic() - sent < 10
    return number


async def test_sigkill_mid_purchase_that_the_provider_made(
    redis_server: RedisProcess, real_redis: Redis, slack: SlackStub, vonage: FakeVonage
) -> None:
    vonage.buy_mode = "late-bought"
    number = await signal_mid_purchase(redis_server.url, slack, vonage, signal.SIGKILL)
    killed_at = time.monotonic()
    # Two live processes race for the lapsed purchase: exactly one resolves it.
    async with (
        bot_process(redis_server.url, slack, **vonage_env(vonage)),
        bot_process(redis_server.url, slack, **vonage_env(vonage)),
    ):
        told = await outcome_for(slack)
        assert time.monotonic() - killed_at < 30
        await asyncio.sleep(6)  # give the other process rounds in which it could resolve it again
    assert "bought" in told
    assert [c.text for c in slack.responses("confirm")].count(told) == 1
    audit = [f for _, f in await real_redis.xrange(keys.audit(TEAM)) if f["action"] == "buy"]
    assert [f["outcome"] for f in audit] == ["bought"]
    assert vonage.requests["buy"] == 1, "resolved by asking Vonage, never by buying again"
    assert json.loads(await real_redis.hget(keys.pool(TEAM), number))["bought_by"] == BUYER
    assert await real_redis.hlen(keys.spend(TEAM, month_of())) == 1


async def test_sigkill_mid_purchase_that_the_provider_did_not_make(
    redis_server: RedisProcess, real_redis: Redis, slack: SlackStub, vonage: FakeVonage
) -> None:
    vonage.buy_mode = "late-not-bought"
    await signal_mid_purchase(redis_server.url, slack, vonage, signal.SIGKILL)
    killed_at = time.monotonic()
    async with bot_process(redis_server.url, slack, **vonage_env(vonage)):
        told = await outcome_for(slack)
        assert time.monotonic() - killed_at < 30
    assert "did not go through" in told
    assert vonage.requests["buy"] == 1
    assert await real_redis.hlen(keys.pool(TEAM)) == 0
    assert not await real_redis.exists(keys.spend(TEAM, month_of()))


async def test_sigterm_lets_a_running_purchase_finish_within_ten_seconds(
    redis_server: RedisProcess, real_redis: Redis, slack: SlackStub, vonage: FakeVonage
) -> None:
    vonage.buy_mode = "delayed-ok"
    vonage.delay = 3.0
    number = await signal_mid_purchase(redis_server.url, slack, vonage, signal.SIGTERM)
    assert "bought" in slack.responses("confirm")[-1].text, "the stopping process finished it itself"
    assert vonage.requests["buy"] == 1
    assert await real_redis.hexists(keys.pool(TEAM), number)
    assert await real_redis.zcard(keys.inflight(TEAM)) == 0


async def test_sigterm_leaves_a_stuck_purchase_in_flight_for_the_next_process(
    redis_server: RedisProcess, real_redis: Redis, slack: SlackStub, vonage: FakeVonage
) -> None:
    vonage.buy_mode = "late-bought"
    number = await signal_mid_purchase(redis_server.url, slack, vonage, signal.SIGTERM)
    assert await real_redis.zcard(keys.inflight(TEAM)) == 1, "left in flight, not lost"
    async with bot_process(redis_server.url, slack, **vonage_env(vonage)):
        assert "bought" in await outcome_for(slack)
    assert vonage.requests["buy"] == 1
    assert await real_redis.hexists(keys.pool(TEAM), number)
