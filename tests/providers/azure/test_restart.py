"""A restart half-way: an Azure operation lives in the journal (Redis), and a restarted bot finishes it."""

from __future__ import annotations

import json
from typing import Any

import httpx
from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.models import PoolEntry, utcnow
from tests.conftest import make_settings
from tests.providers.azure import US_TOLLFREE, make_azure
from tests.providers.azure_wire import CONNECTION_STRING, AzureWire
from tests.providers.contract import Account


async def test_a_purchase_still_running_when_its_process_stops_is_resumed_by_a_restarted_bot(
    make_bot: Any, redis: Redis, wire: AzureWire, account: Account
) -> None:
    wire.offer([US_TOLLFREE])
    wire.statuses = ["running"]
    async with httpx.AsyncClient(timeout=None) as http:
        first = await make_bot(redis=redis, providers={"azure": make_azure(http, max_polls=1)}, worker="first")
        ack = await first.command("search US --provider azure --type tollfree")
        (buy,) = first.buttons(first.last(ack.key), ids.BUY)
        await first.click(ids.BUY, buy["value"], key="buy")
        (confirm,) = first.buttons(first.last("buy"), ids.CONFIRM)
        await first.click(ids.CONFIRM, confirm["value"], key="buy")
        assert "the bot keeps checking" in first.last("buy").text
        op_id = confirm["value"]
        state = json.loads(await redis.hget(keys.op("T0TEST", op_id), "state") or "{}")
        assert state["operation"].startswith("reservationPurchase_"), "checkpointed in Redis before polling"
        await first.aclose()  # the process is gone; Azure finishes the purchase meanwhile
        wire.operations[state["operation"]].statuses = ["notStarted", "succeeded"]

        settings = make_settings(azure_communication_connection_string=CONNECTION_STRING, sandbox=False)
        restarted = await make_bot(redis=redis, settings=settings, worker="restarted")
        assert await restarted.services.reconciler.run_once() == 1

    assert "bought +18885550100 from azure" in restarted.last("buy").text
    assert wire.routes["purchase"].call_count == 1, "resumed, never bought again"
    assert US_TOLLFREE.e164 in account.owned
    assert await redis.hexists(keys.pool("T0TEST"), US_TOLLFREE.e164)


async def test_a_release_still_running_when_its_process_stops_is_finished_by_a_restarted_bot(
    make_bot: Any, redis: Redis, wire: AzureWire, account: Account
) -> None:
    account.own(US_TOLLFREE)
    entry = PoolEntry(e164=US_TOLLFREE.e164, provider="azure", bought_by="U0ADMIN", bought_at=utcnow())
    await redis.hset(keys.pool("T0TEST"), entry.e164, entry.model_dump_json())
    wire.statuses = ["running"]
    async with httpx.AsyncClient(timeout=None) as http:
        first = await make_bot(redis=redis, providers={"azure": make_azure(http, max_polls=1)}, worker="first")
        prompt = (await first.command(f"release {US_TOLLFREE.e164}")).json
        (button,) = [
            e
            for b in prompt["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == ids.RELEASE
        ]
        await first.click(ids.RELEASE, button["value"], key="release")
        assert "has not confirmed the release yet" in first.last("release").text
        assert await redis.hexists(keys.pool("T0TEST"), US_TOLLFREE.e164), "kept until Azure says it is done"
        await first.aclose()
        (op,) = wire.operations.values()
        op.statuses = ["succeeded"]

        settings = make_settings(azure_communication_connection_string=CONNECTION_STRING, sandbox=False)
        restarted = await make_bot(redis=redis, settings=settings, worker="restarted")
        assert await restarted.services.reconciler.run_once() == 1

    assert "Released +18885550100 back to azure" in restarted.last("release").text
    assert wire.routes["release"].call_count == 1
    assert account.owned == {}
    assert not await redis.hexists(keys.pool("T0TEST"), US_TOLLFREE.e164)
