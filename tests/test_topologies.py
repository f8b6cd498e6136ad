"""The same bot on a real Redis Cluster and behind a real Sentinel (with a failover)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from bot import keys, store
from bot.blocks import ids
from bot.budget import month_of
from bot.config import Settings
from bot.providers.sandbox import SandboxProvider
from tests.conftest import make_settings
from tests.fakes import Recorder
from tests.handlers.test_actions import quote_for
from tests.handlers.test_commands import buy_sandbox_number
from tests.redis_server import RedisProcess, redis_cluster, redis_sentinel
from tests.slack import TEAM

pytestmark = pytest.mark.redis_server


@pytest.fixture(scope="module")
def cluster_nodes() -> Iterator[list[RedisProcess]]:
    with redis_cluster() as nodes:
        yield nodes


@pytest.fixture
def cluster_settings(cluster_nodes: list[RedisProcess]) -> Settings:
    return make_settings(
        redis_cluster_nodes=tuple(f"127.0.0.1:{n.port}" for n in cluster_nodes), approvals_channel="C0APPROVALS"
    )


@pytest.fixture
async def cluster(cluster_settings: Settings) -> AsyncIterator[store.RedisClient]:
    client = store.connect(cluster_settings)
    await client.flushall()  # our private cluster: start each test empty
    yield client
    await client.aclose()


async def test_twenty_concurrent_confirms_on_a_cluster_buy_once(make_bot, cluster) -> None:
    sandbox = Recorder(SandboxProvider(cluster))
    bot = await make_bot(redis=cluster, providers={"sandbox": sandbox})
    quote_id, _ = await quote_for(bot)
    await asyncio.gather(*(bot.click(ids.CONFIRM, quote_id, key=f"c{i}", settle=False) for i in range(20)))
    await bot.settle()
    assert sandbox.count("buy") == 1
    assert await cluster.hlen(keys.pool(TEAM)) == 1
    assert sum("bought" in bot.last(f"c{i}").text for i in range(20)) == 1


async def test_every_flow_runs_on_a_cluster_with_one_slot_per_team(make_bot, cluster, cluster_settings) -> None:
    bot = await make_bot(redis=cluster, providers={"sandbox": SandboxProvider(cluster)}, settings=cluster_settings)
    number = await buy_sandbox_number(bot)
    await bot.command(f"name {number} Desk")
    await bot.command(f"forward {number} +447400123456")
    ack = await bot.command("list")
    assert "Desk" in str(bot.last(ack.key).blocks)
    prompt = (await bot.command(f"release {number}")).json
    value = next(e["value"] for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"])
    await bot.click(ids.RELEASE, value, key="release")
    assert "Released" in bot.last("release").text
    await bot.command("budget 100 --auto-approve 0.01")
    await bot.command("grant <@U0REQ> requester")
    await bot.command("grant <@U0APP> approver")
    quote_id, _ = await quote_for(bot, user="U0REQ")
    await bot.click(ids.REQUEST_APPROVAL, quote_id, user="U0REQ", key="req")
    await bot.click(ids.APPROVE, quote_id, user="U0APP", key="app", channel="C0APPROVALS")
    assert "bought" in bot.last("app").text

    team_keys = [k async for k in cluster.scan_iter(match=f"nb:{{{TEAM}}}:*")]
    assert len(team_keys) > 8
    assert len({cluster.keyslot(k) for k in team_keys}) == 1, "a team's keys share one hash slot"
    assert await bot.services.reconciler.run_once() == 0

    response = await bot.client.get("/health")
    assert (await response.json())["redis"] == {"reachable": True, "topology": "cluster"}


@pytest.fixture
def sentinel_set() -> Iterator[tuple[RedisProcess, RedisProcess, RedisProcess]]:
    with redis_sentinel() as processes:
        yield processes


async def test_a_sentinel_failover_is_followed_without_a_restart(make_bot, sentinel_set) -> None:
    primary, replica, sentinel = sentinel_set
    settings = make_settings(redis_sentinels=(f"127.0.0.1:{sentinel.port}",), redis_sentinel_master="numberbot")
    client = store.connect(settings)
    bot = await make_bot(redis=client, providers={"sandbox": SandboxProvider(client)}, settings=settings)
    number = await buy_sandbox_number(bot)
    direct = Redis(port=primary.port, decode_responses=True)
    assert await direct.execute_command("WAIT", 1, 2000) == 1  # the replica has everything
    await direct.aclose()

    primary.kill()
    deadline = time.monotonic() + 30
    seen_unavailable = False
    while True:
        ack = await bot.command("list")
        if "unavailable" in ack.text:
            seen_unavailable = True
        elif number in bot.last(ack.key).text:
            break
        assert time.monotonic() < deadline, "the bot did not follow the failover"
        await asyncio.sleep(0.5)
    assert seen_unavailable, "while the primary was gone the bot said storage was unavailable"
    promoted = Redis(port=replica.port, decode_responses=True)
    assert (await promoted.info("replication"))["role"] == "master"
    await promoted.aclose()
    await buy_sandbox_number(bot, "US")  # and writes work on the new primary
    response = await bot.client.get("/health")
    assert (await response.json())["redis"] == {"reachable": True, "topology": "sentinel"}
    await client.aclose()


async def test_two_buyers_of_one_number_on_a_cluster_send_one_buy_request(make_bot, cluster) -> None:
    """The number's mark lives in its provider account's slot, the purchase in its team's."""
    from tests.fakes import FakeCarrier
    from tests.test_number_marks import BUYER, OTHER, buyers, two_buyers_one_number

    carrier = FakeCarrier()
    carrier.buy_delay = 0.5
    bot = await make_bot(redis=cluster, providers={"fake": carrier})
    await buyers(bot, BUYER, OTHER)
    texts = await two_buyers_one_number(bot, bot, carrier)
    assert carrier.requests["buy"] == 1
    assert sum("✅ bought" in t for t in texts) == 1
    assert sum("already being bought" in t for t in texts) == 1
    assert await cluster.hlen(keys.spend(TEAM, month_of())) == 1
    mark = keys.number_mark(carrier.account, carrier.offer().e164)
    assert json.loads(await cluster.get(mark))["status"] == "bought"
