"""Vonage end to end: signed Slack requests into the real app, Vonage mocked at its real paths.

The bot builds its providers from settings (VONAGE_API_KEY/SECRET), so the registry wiring
is exercised too; respx intercepts only httpx (the providers' client), while Slack traffic
goes over aiohttp to the local stand-in.
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
from bot.models import PoolEntry, utcnow
from bot.pool import PoolStore
from bot.providers.vonage import VonageProvider
from tests.conftest import BotFactory
from tests.handlers.conftest import provider_bot, routed
from tests.providers.contract import Account, Listing, london
from tests.providers.vonage_wire import API_KEY, API_SECRET, BASE_URL, VonageWire, authorised, form_of
from tests.slack import ADMIN, TEAM, BotUnderTest

OFFERED = [
    Listing(e164=london(123), monthly=Decimal("0.95")),
    Listing(e164=london(124), monthly=Decimal("1.50")),
]
DESTINATION = "+447400123456"


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    yield from routed(BASE_URL, authorised)


@pytest.fixture
def wire(router: respx.MockRouter, account: Account) -> VonageWire:
    wire = VonageWire(router, account)
    wire.mock_account()
    return wire


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis) -> BotUnderTest:
    return await provider_bot(
        make_bot, redis, "vonage", VonageProvider, vonage_api_key=API_KEY, vonage_api_secret=API_SECRET
    )


async def buy_first(bot: BotUnderTest, *, key: str = "confirmation") -> str:
    """Search Vonage, press Buy on the first result, Confirm; returns the number."""
    await bot.buy("search GB 20 --provider vonage --limit 1", key=key)
    return OFFERED[0].e164


async def test_search_shows_vonage_numbers_with_eur_costs_and_unknown_setup(
    bot: BotUnderTest, wire: VonageWire
) -> None:
    route = wire.mock_search(OFFERED)
    ack = await bot.command("search GB --provider vonage")
    assert "Searching GB" in ack.text
    results = bot.last(ack.key)
    lines = results.text.splitlines()
    assert lines[1] == f"{london(123)} (vonage) 0.95 EUR/month · setup unknown"
    assert lines[2] == f"{london(124)} (vonage) 1.50 EUR/month · setup unknown"
    assert len(bot.buttons(results, ids.BUY)) == 2
    params = route.calls.last.request.url.params
    assert params["country"] == "GB"
    assert "pattern" not in params


async def test_buy_with_confirmation_buys_once_at_vonage(
    bot: BotUnderTest, wire: VonageWire, account: Account, redis: Redis
) -> None:
    wire.mock_search(OFFERED)
    buy_route = wire.mock_buy()
    ack = await bot.command("search GB 20 --provider vonage --limit 1")
    (buy,) = bot.buttons(bot.last(ack.key), ids.BUY)
    await bot.click(ids.BUY, buy["value"], key="results")
    confirmation = bot.last("results")
    (confirm,) = bot.buttons(confirmation, ids.CONFIRM)
    assert confirm["text"]["text"] == "Confirm purchase (0.95 EUR/mo + setup unknown)"
    assert buy_route.call_count == 0, "nothing is bought before the confirmation"

    await bot.click(ids.CONFIRM, confirm["value"], key="confirmation")
    await bot.click(ids.CONFIRM, confirm["value"], key="again")

    assert "bought +442079460123 from vonage for 0.95 EUR/month (setup unknown)" in bot.last("confirmation").text
    assert "already used" in bot.last("again").text
    (request,) = [call.request for call in buy_route.calls]
    assert form_of(request) == {"country": "GB", "msisdn": "442079460123"}
    assert london(123) in account.owned
    entry = PoolEntry.model_validate_json(await redis.hget(keys.pool(TEAM), london(123)))
    assert entry.monthly is not None
    assert (entry.monthly.amount, entry.monthly.currency) == (Decimal("0.95"), "EUR")
    assert entry.setup is None
    spend = await redis.hgetall(keys.spend(TEAM, month_of()))
    assert list(spend.values()) == [json.dumps({"provider": "vonage", "charges": [["0.95", "EUR"]]})]


async def test_list_joins_the_pool_with_vonage_account_numbers(
    bot: BotUnderTest, wire: VonageWire, account: Account, redis: Redis
) -> None:
    wire.mock_search(OFFERED)
    wire.mock_buy()
    number = await buy_first(bot)
    account.forward(number, DESTINATION)  # changed at Vonage, not through the bot
    gone = PoolEntry(e164=london(999), provider="vonage", bought_by=ADMIN, bought_at=utcnow())
    assert await PoolStore(redis).adopt(TEAM, gone)

    ack = await bot.command("list --provider vonage")

    blocks = bot.last(ack.key).blocks
    rows = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    mine = next(r for r in rows if number in r)
    assert f"forwards to {DESTINATION}" in mine, "the live state comes from /account/numbers"
    assert "0.95 EUR/month" in mine
    assert "no longer on the vonage account" in next(r for r in rows if london(999) in r)


async def test_forward_updates_the_number_at_vonage(bot: BotUnderTest, wire: VonageWire, account: Account) -> None:
    wire.mock_search(OFFERED)
    wire.mock_buy()
    update = wire.mock_update()
    number = await buy_first(bot)

    ack = await bot.command(f"forward {number} +44 7400 123456")

    assert f"now forward to {DESTINATION} via vonage" in bot.last(ack.key).text
    (request,) = [call.request for call in update.calls]
    assert form_of(request) == {
        "country": "GB",
        "msisdn": "442079460123",
        "voiceCallbackType": "tel",
        "voiceCallbackValue": "447400123456",
    }
    ack = await bot.command(f"info {number}")
    assert DESTINATION in json.dumps(bot.last(ack.key).blocks)


async def test_forward_keeps_the_numbers_sms_routing_and_application(
    bot: BotUnderTest, wire: VonageWire, account: Account
) -> None:
    """/number/update replaces what it is not sent: the forward sends the SMS webhook, the
    application and the status callback back, so only the voice callback changes."""
    wire.mock_search(OFFERED)
    wire.mock_buy()
    update = wire.mock_update()
    number = await buy_first(bot)
    routing = {
        "app_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
        "moHttpUrl": "https://sms.example.com/inbound",
        "voiceStatusCallback": "https://voice.example.com/status",
        "messagesCallbackType": "app",
        "messagesCallbackValue": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
    }
    wire.settings[number] = dict(routing)  # set up at Vonage (dashboard, another tool)

    ack = await bot.command(f"forward {number} {DESTINATION}")

    assert f"now forward to {DESTINATION} via vonage" in bot.last(ack.key).text
    (request,) = [call.request for call in update.calls]
    assert form_of(request) == {
        "country": "GB",
        "msisdn": number.removeprefix("+"),
        **routing,
        "voiceCallbackType": "tel",
        "voiceCallbackValue": DESTINATION.removeprefix("+"),
    }
    assert wire.settings[number] == routing, "Vonage still routes SMS and the application as before"
    assert account.owned[number].forward_to == DESTINATION


async def test_release_cancels_at_vonage_and_leaves_the_pool(
    bot: BotUnderTest, wire: VonageWire, account: Account, redis: Redis
) -> None:
    wire.mock_search(OFFERED)
    wire.mock_buy()
    cancel = wire.mock_cancel()
    number = await buy_first(bot)

    prompt = (await bot.command(f"release {number}")).json
    (button,) = [
        e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ids.RELEASE
    ]
    assert cancel.call_count == 0, "nothing is released before the confirmation"
    await bot.click(ids.RELEASE, button["value"], key="release")

    assert "Released +442079460123 back to vonage" in bot.last("release").text
    (request,) = [call.request for call in cancel.calls]
    assert form_of(request) == {"country": "GB", "msisdn": "442079460123"}
    assert number not in account.owned
    assert await redis.hexists(keys.pool(TEAM), number) == 0


async def test_adopt_brings_a_vonage_number_into_the_pool(
    bot: BotUnderTest, wire: VonageWire, account: Account, redis: Redis
) -> None:
    account.own(Listing(e164=london(321), forward_to=DESTINATION))
    ack = await bot.command(f"adopt {london(321)} --provider vonage")
    assert "Adopted +442079460321 from vonage" in bot.last(ack.key).text
    ack = await bot.command(f"info {london(321)}")
    assert DESTINATION in json.dumps(bot.last(ack.key).blocks)
    ack = await bot.command(f"adopt {london(322)} --provider vonage")
    assert "Vonage says the account does not have +442079460322" in bot.last(ack.key).text
    assert await redis.hlen(keys.pool(TEAM)) == 1


async def test_a_refused_purchase_reaches_the_buyer_as_one_line(
    bot: BotUnderTest, wire: VonageWire, redis: Redis
) -> None:
    wire.mock_search(OFFERED)
    route = wire.mock_buy_refused("method failed")
    await buy_first(bot, key="refused")

    text = bot.last("refused").text
    assert text.startswith("❌ The purchase of +442079460123 did not go through: Vonage: could not buy")
    assert "method failed" in text
    assert "\n" not in text
    assert API_SECRET not in text
    assert route.call_count == 1
    assert await redis.hlen(keys.pool(TEAM)) == 0


async def test_rejected_credentials_reach_the_user_as_one_line(bot: BotUnderTest, router: respx.MockRouter) -> None:
    VonageWire(router, Account()).mock_auth_failure()
    ack = await bot.command("search GB --provider vonage")
    results = bot.last(ack.key)
    assert "Vonage: Vonage rejected the credentials; check the bot's settings" in results.text.splitlines()
    assert API_SECRET not in json.dumps(results.data)
