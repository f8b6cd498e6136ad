"""Azure end to end: signed Slack requests into the real app, Azure mocked at its real paths.

The bot builds its providers from settings (AZURE_COMMUNICATION_CONNECTION_STRING), so the
registry wiring is exercised too; respx intercepts only httpx (the providers' client), and
every request Azure receives is checked for its HMAC signature.
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
from bot.console.slack_stub import Call
from bot.models import NumberType, PoolEntry, utcnow
from bot.pool import PoolStore
from bot.providers.azure import AzureProvider
from tests.conftest import BotFactory
from tests.handlers.conftest import provider_bot, routed
from tests.providers.azure_wire import API_VERSION, BASE_URL, CONNECTION_STRING, AzureWire, assert_signed, body_of
from tests.providers.contract import Account, Listing
from tests.slack import ADMIN, TEAM, BotUnderTest

TEAM = TEAM
OFFERED = [
    Listing(e164="+18885550123", country="US", type=NumberType.tollfree, monthly=Decimal("2.00")),
    Listing(e164="+18885550124", country="US", type=NumberType.tollfree, monthly=Decimal("2.50")),
]


def owned(i: int) -> Listing:
    return Listing(e164=f"+1425555{i:04d}", country="US", monthly=Decimal("1.00"))


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    yield from routed(BASE_URL, assert_signed)


@pytest.fixture
def wire(router: respx.MockRouter, account: Account) -> AzureWire:
    wire = AzureWire(router, account, retry_after="0")
    wire.offer(OFFERED)
    return wire


SEARCH = "search US --provider azure --type tollfree --limit 1"


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis) -> BotUnderTest:
    return await provider_bot(
        make_bot, redis, "azure", AzureProvider, azure_communication_connection_string=CONNECTION_STRING
    )


async def press_buy(bot: BotUnderTest, key: str) -> Call:
    return await bot.press_buy(SEARCH, key=key)


async def buy_first(bot: BotUnderTest) -> str:
    """Search Azure, press Buy on the first result, Confirm; returns the number."""
    await bot.buy(SEARCH)
    return OFFERED[0].e164


async def test_search_us_tollfree_shows_azure_numbers_with_usd_costs(bot: BotUnderTest, wire: AzureWire) -> None:
    ack = await bot.command("search US --provider azure --type tollfree")

    assert "Searching US" in ack.text
    lines = bot.last(ack.key).text.splitlines()
    assert lines[1] == "+18885550123 (azure) 2.00 USD/month · setup unknown"
    assert lines[2] == "+18885550124 (azure) 2.50 USD/month · setup unknown"
    assert len(bot.buttons(bot.last(ack.key), ids.BUY)) == 2
    (request,) = [call.request for call in wire.routes["browse"].calls]
    assert request.url.raw_path == f"/availablePhoneNumbers/countries/US/:browse?api-version={API_VERSION}".encode()
    assert body_of(request) == {"phoneNumberType": "tollFree", "assignmentType": "application"}
    assert wire.reservations == {}, "searching reserves nothing"


async def test_buy_reserves_the_number_then_confirm_follows_the_purchase_operation(
    bot: BotUnderTest, wire: AzureWire, account: Account, redis: Redis
) -> None:
    cancelled = await press_buy(bot, "first")
    assert len(wire.reservations) == 1, "Buy reserves the number at Azure"
    (cancel,) = bot.buttons(cancelled, ids.CANCEL)
    await bot.click(ids.CANCEL, cancel["value"], key="first")
    assert "was not bought" in bot.last("first").text
    assert wire.reservations == {}, "Cancel deletes the reservation"

    confirmation = await press_buy(bot, "results")
    (rid,) = wire.reservations
    assert list(wire.reservations[rid]["numbers"]) == ["18885550123"], "exactly the chosen number is reserved"
    assert "Reserved until" in json.dumps(confirmation.blocks)
    (confirm,) = bot.buttons(confirmation, ids.CONFIRM)
    assert confirm["text"]["text"] == "Confirm purchase (2.00 USD/mo + setup unknown)"
    assert wire.routes["purchase"].call_count == 0, "nothing is bought before the confirmation"

    await bot.click(ids.CONFIRM, confirm["value"], key="confirmation")
    await bot.click(ids.CONFIRM, confirm["value"], key="again")

    assert "bought +18885550123 from azure for 2.00 USD/month (setup unknown)" in bot.last("confirmation").text
    assert "already used" in bot.last("again").text
    (purchase,) = [call.request for call in wire.routes["purchase"].calls]
    assert purchase.url.path == f"/availablePhoneNumbers/reservations/{rid}/:purchase"
    assert body_of(purchase) == {"agreeToNotResell": False}
    polled = [c.request.url.path for c in wire.routes["operation"].calls]
    assert polled == [f"/phoneNumbers/operations/reservationPurchase_{rid}"] * 3
    assert OFFERED[0].e164 in account.owned
    entry = PoolEntry.model_validate_json(await redis.hget(keys.pool(TEAM), OFFERED[0].e164))
    assert entry.monthly is not None
    assert (entry.monthly.amount, entry.monthly.currency, entry.setup) == (Decimal("2.00"), "USD", None)
    spend = await redis.hgetall(keys.spend(TEAM, month_of()))
    assert list(spend.values()) == [json.dumps({"provider": "azure", "charges": [["2.0", "USD"]]})], (
        "Azure's JSON number, kept exact"
    )


async def test_list_follows_next_links_and_joins_the_pool(
    bot: BotUnderTest, wire: AzureWire, account: Account, redis: Redis
) -> None:
    account.own(*[owned(i) for i in range(150)])
    ack = await bot.command(f"adopt {owned(140).e164} --provider azure")  # on the second page
    assert "Adopted +14255550140 from azure" in bot.last(ack.key).text
    gone = PoolEntry(e164=owned(999).e164, provider="azure", bought_by=ADMIN, bought_at=utcnow())
    assert await PoolStore(redis).adopt(TEAM, gone)
    before = wire.routes["list"].call_count

    ack = await bot.command("list --provider azure")

    rows = [b["text"]["text"] for b in bot.last(ack.key).blocks if b["type"] == "section"]
    mine = next(r for r in rows if owned(140).e164 in r)
    assert "1.00 USD/month" in mine
    assert "no longer" not in mine, "found on the page after the first"
    assert "no longer on the azure account" in next(r for r in rows if owned(999).e164 in r)
    pages = [c.request.url for c in wire.routes["list"].calls][before:]
    assert [p.params.get("skip") for p in pages] == [None, "100"]
    assert {p.params["api-version"] for p in pages} == {API_VERSION}


async def test_release_follows_the_release_operation_then_leaves_the_pool(
    bot: BotUnderTest, wire: AzureWire, account: Account, redis: Redis
) -> None:
    number = await buy_first(bot)
    prompt = (await bot.command(f"release {number}")).json
    (button,) = [
        e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ids.RELEASE
    ]
    assert wire.routes["release"].call_count == 0, "nothing is released before the confirmation"

    await bot.click(ids.RELEASE, button["value"], key="release")

    progress, final = bot.replies("release")[-2:]
    assert progress.text.startswith("⏳ Releasing +18885550123 at azure")
    assert "Released +18885550123 back to azure" in final.text
    (request,) = [call.request for call in wire.routes["release"].calls]
    assert request.url.raw_path == f"/phoneNumbers/%2B18885550123?api-version={API_VERSION}".encode()
    release_ops = [c for c in wire.routes["operation"].calls if "/release_" in c.request.url.path]
    assert len(release_ops) == 3
    assert number not in account.owned
    assert await redis.hexists(keys.pool(TEAM), number) == 0


async def test_forward_on_an_azure_number_says_so_and_calls_nothing(
    bot: BotUnderTest, wire: AzureWire, router: respx.MockRouter
) -> None:
    number = await buy_first(bot)
    sent = len(router.calls)

    ack = await bot.command(f"forward {number} +44 7400 123456")

    assert bot.last(ack.key).text == "Azure: Azure numbers have no call forwarding the bot can set"
    assert len(router.calls) == sent, "Azure is not asked"
