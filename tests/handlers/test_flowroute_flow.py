"""Flowroute end to end: signed Slack requests into the real app, Flowroute mocked at its real paths.

The bot builds its providers from settings (FLOWROUTE_ACCESS_KEY/SECRET_KEY), so the registry
wiring is exercised too; respx intercepts only httpx (the providers' client), while Slack
traffic goes over aiohttp to the local stand-in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
import respx
from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.budget import month_of
from bot.models import Feature, PoolEntry, utcnow
from bot.pool import PoolStore
from bot.providers.flowroute import FlowrouteProvider
from tests.conftest import BotFactory
from tests.handlers.conftest import provider_bot, routed
from tests.providers.contract import Listing
from tests.providers.flowroute_wire import (
    ACCESS_KEY,
    BASE_URL,
    SECRET_KEY,
    FlowrouteAccount,
    FlowrouteWire,
    authorised,
    json_of,
    seattle,
)
from tests.slack import ADMIN, TEAM, BotUnderTest

OFFERED = [
    Listing(e164=seattle(123), country="US", monthly=Decimal("1.25"), setup=Decimal("1.00")),
    Listing(e164=seattle(124), country="US", monthly=Decimal("1.50"), setup=Decimal("0.50")),
]
DESTINATION = "+14155550123"


@pytest.fixture
def account() -> FlowrouteAccount:
    return FlowrouteAccount()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    yield from routed(BASE_URL, authorised)


@pytest.fixture
def wire(router: respx.MockRouter, account: FlowrouteAccount) -> FlowrouteWire:
    wire = FlowrouteWire(router, account)
    wire.mock_search(OFFERED)
    wire.mock_account()
    return wire


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis) -> BotUnderTest:
    return await provider_bot(
        make_bot,
        redis,
        "flowroute",
        FlowrouteProvider,
        flowroute_access_key=ACCESS_KEY,
        flowroute_secret_key=SECRET_KEY,
    )


async def buy_first(bot: BotUnderTest, *, key: str = "confirmation") -> str:
    """Search Flowroute, press Buy on the first result, Confirm; returns the number."""
    assert "bought" in (await bot.buy("search US 206 --provider flowroute --limit 1", key=key)).text
    return OFFERED[0].e164


async def test_search_us_206_shows_flowroute_numbers_with_monthly_and_setup_costs(
    bot: BotUnderTest, wire: FlowrouteWire, router: respx.MockRouter
) -> None:
    ack = await bot.command("search US 206 --provider flowroute")

    results = bot.last(ack.key)
    lines = results.text.splitlines()
    assert lines[1] == f"{seattle(123)} (flowroute) 1.25 USD/month · setup 1.00 USD"
    assert lines[2] == f"{seattle(124)} (flowroute) 1.50 USD/month · setup 0.50 USD"
    assert len(bot.buttons(results, ids.BUY)) == 2
    (request,) = [c.request for c in router.calls]
    assert request.url.path == "/v2/numbers/available"
    assert dict(request.url.params) == {"iso_country": "US", "starts_with": "1206", "limit": "10"}


async def test_a_number_outside_plus_one_is_listed_and_adopted(
    bot: BotUnderTest, wire: FlowrouteWire, account: FlowrouteAccount, redis: Redis
) -> None:
    london = Listing(e164="+442079460123", country="GB", features=frozenset({Feature.voice}))
    account.own(london)
    ack = await bot.command(f"adopt {london.e164} --provider flowroute")
    assert f"Adopted {london.e164} from flowroute" in bot.last(ack.key).text
    ack = await bot.command("list --provider flowroute")
    rows = [b["text"]["text"] for b in bot.last(ack.key).blocks if b["type"] == "section"]
    (row,) = [r for r in rows if london.e164 in r]
    assert "no longer on the flowroute account" not in row
    ack = await bot.command(f"info {london.e164}")
    assert "no longer" not in json.dumps(bot.last(ack.key).blocks)


async def test_buy_with_confirmation_shows_monthly_and_setup_cost_and_buys_once(
    bot: BotUnderTest, wire: FlowrouteWire, account: FlowrouteAccount, redis: Redis
) -> None:
    buy_route = wire.mock_buy(OFFERED[0])
    ack = await bot.command("search US 206 --provider flowroute --limit 1")
    (buy,) = bot.buttons(bot.last(ack.key), ids.BUY)
    await bot.click(ids.BUY, buy["value"], key="results")

    confirmation = bot.last("results")
    assert confirmation.text.endswith("1.25 USD/month, setup 1.00 USD")
    shown = [f["text"] for b in confirmation.blocks for f in b.get("fields", [])]
    assert "*Monthly*\n1.25 USD" in shown
    assert "*Setup*\n1.00 USD" in shown
    (confirm,) = bot.buttons(confirmation, ids.CONFIRM)
    assert confirm["text"]["text"] == "Confirm purchase (1.25 USD/mo + 1.00 USD setup)"
    assert buy_route.call_count == 0, "nothing is bought before the confirmation"

    await bot.click(ids.CONFIRM, confirm["value"], key="confirmation")
    await bot.click(ids.CONFIRM, confirm["value"], key="again")

    assert f"bought {seattle(123)} from flowroute for 1.25 USD/month (setup 1.00 USD)" in bot.last("confirmation").text
    assert "already used" in bot.last("again").text
    (request,) = [call.request for call in buy_route.calls]
    assert (request.method, request.url.path) == ("POST", "/v2/numbers/12065550123")
    assert seattle(123) in account.owned
    entry = PoolEntry.model_validate_json(await redis.hget(keys.pool(TEAM), seattle(123)))
    assert entry.monthly is not None
    assert entry.setup is not None
    assert (entry.monthly.amount, entry.monthly.currency) == (Decimal("1.25"), "USD")
    assert (entry.setup.amount, entry.setup.currency) == (Decimal("1.00"), "USD")
    spend = await redis.hgetall(keys.spend(TEAM, month_of()))
    (charges,) = [json.loads(v)["charges"] for v in spend.values()]
    assert [(Decimal(amount), currency) for amount, currency in charges] == [
        (Decimal("1.25"), "USD"),
        (Decimal("1.00"), "USD"),
    ], "monthly and setup both count towards the month's spend"


async def test_list_pages_through_the_pool_and_flowroute_account(
    bot: BotUnderTest, wire: FlowrouteWire, account: FlowrouteAccount, redis: Redis, router: respx.MockRouter
) -> None:
    account.own(*[Listing(e164=seattle(i), country="US") for i in range(300, 503)])  # 203: two Flowroute pages
    account.forward(seattle(300), DESTINATION)  # set at Flowroute, not through the bot
    pooled = [seattle(i) for i in range(300, 311)] + [seattle(999)]  # 12: two Slack pages; one is gone
    for e164 in pooled:
        entry = PoolEntry(e164=e164, provider="flowroute", bought_by=ADMIN, bought_at=utcnow())
        assert await PoolStore(redis).adopt(TEAM, entry)

    ack = await bot.command("list --provider flowroute")

    first = bot.last(ack.key)
    assert "Page 1 of 2" in json.dumps(first.blocks)
    rows = [b["text"]["text"] for b in first.blocks if b["type"] == "section"]
    assert f"forwards to {DESTINATION}" in next(r for r in rows if seattle(300) in r), "live routes from Flowroute"
    listed = [c.request for c in router.calls if c.request.url.path == "/v2/numbers"]
    assert [r.url.params["offset"] for r in listed] == ["0", "200"]
    await bot.press(first, ids.LIST_NEXT, key="page2")
    second = bot.last("page2")
    assert "Page 2 of 2" in json.dumps(second.blocks)
    rows = [b["text"]["text"] for b in second.blocks if b["type"] == "section"]
    assert "no longer on the flowroute account" in next(r for r in rows if seattle(999) in r)


async def test_forward_creates_and_attaches_a_flowroute_route(
    bot: BotUnderTest, wire: FlowrouteWire, account: FlowrouteAccount, router: respx.MockRouter
) -> None:
    wire.mock_buy(OFFERED[0])
    attach = wire.mock_forward()
    number = await buy_first(bot)

    ack = await bot.command(f"forward {number} +1 415 555 0123")

    assert f"now forward to {DESTINATION} via flowroute" in bot.last(ack.key).text
    (create,) = [c.request for c in router.calls if c.request.method == "POST" and c.request.url.path == "/v2/routes"]
    assert json_of(create)["data"]["attributes"] == {
        "route_type": "number",
        "value": "14155550123",
        "alias": "numberbot 14155550123",
    }
    (request,) = [call.request for call in attach.calls]
    assert request.url.path == "/v2/numbers/12065550123/relationships/primary_route"
    route_id = json_of(request)["data"]["id"]
    assert account.routes[route_id]["value"] == "14155550123"
    assert account.owned[number].forward_to == DESTINATION
    ack = await bot.command(f"info {number}")
    shown = json.dumps(bot.last(ack.key).blocks)
    assert DESTINATION in shown
    assert "numberbot 14155550123" in shown, "info shows the primary route with its alias"


async def test_release_deletes_the_number_at_flowroute_and_it_leaves_the_pool(
    bot: BotUnderTest, wire: FlowrouteWire, account: FlowrouteAccount, redis: Redis
) -> None:
    wire.mock_buy(OFFERED[0])
    delete = wire.mock_release()
    number = await buy_first(bot)

    prompt = (await bot.command(f"release {number}")).json
    (button,) = [
        e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ids.RELEASE
    ]
    assert delete.call_count == 0, "nothing is released before the confirmation"
    await bot.click(ids.RELEASE, button["value"], key="release")

    assert f"Released {number} back to flowroute" in bot.last("release").text
    (request,) = [call.request for call in delete.calls]
    assert (request.method, request.url.path) == ("DELETE", "/v2/numbers/12065550123")
    assert number not in account.owned
    assert await redis.hexists(keys.pool(TEAM), number) == 0
