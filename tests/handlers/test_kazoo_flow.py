"""Kazoo end to end: signed Slack requests into the real app, Kazoo mocked at its crossbar paths.

The bot builds its providers from settings (KAZOO_BASE_URL + KAZOO_API_KEY), so the registry
wiring and the Redis-shared token are exercised too; respx intercepts only httpx (the
providers' client), while Slack traffic goes over aiohttp to the local stand-in.
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
from bot.providers.kazoo import KazooProvider
from tests.conftest import BotFactory
from tests.handlers.conftest import provider_bot, routed
from tests.providers.contract import Account, Listing, london
from tests.providers.kazoo_wire import (
    ACCOUNT_ID,
    API_KEY,
    BASE_URL,
    KazooWire,
    authorised,
    callflow_id,
    forward_flow,
    json_of,
    plan_charges,
)
from tests.slack import ADMIN, TEAM, BotUnderTest

A = f"/v2/accounts/{ACCOUNT_ID}"
OFFERED = [Listing(e164="+14155550123", country="US"), Listing(e164="+14155550124", country="US")]
NUMBER = OFFERED[0].e164
DESTINATION = "+447400123456"


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    yield from routed(BASE_URL, authorised)


@pytest.fixture
def wire(router: respx.MockRouter, account: Account) -> KazooWire:
    wire = KazooWire(router, account)
    wire.mock_auth()
    wire.mock_account()
    wire.mock_search(OFFERED)
    return wire


SEARCH = "search US 415 --provider kazoo --limit 1"


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis) -> BotUnderTest:
    return await provider_bot(make_bot, redis, "kazoo", KazooProvider, kazoo_base_url=BASE_URL, kazoo_api_key=API_KEY)


async def confirmation_for_first(bot: BotUnderTest) -> dict[str, str]:
    """Search Kazoo for US 415, press Buy on the first result; the Confirm button."""
    (confirm,) = bot.buttons(await bot.press_buy(SEARCH), ids.CONFIRM)
    return confirm


async def buy_first(bot: BotUnderTest) -> str:
    assert f"bought {NUMBER} from kazoo" in (await bot.buy(SEARCH, key="bought")).text
    return NUMBER


def activations(router: respx.MockRouter) -> list[dict[str, object]]:
    return [json_of(c.request) for c in router.calls if c.request.url.path.endswith("/activate")]


async def test_search_us_415_shows_kazoo_numbers_with_unknown_costs(bot: BotUnderTest, wire: KazooWire) -> None:
    ack = await bot.command("search US 415 --provider kazoo")

    assert "Searching US" in ack.text
    results = bot.last(ack.key)
    lines = results.text.splitlines()
    assert lines[1] == "+14155550123 (kazoo) unknown/month · setup unknown"
    assert lines[2] == "+14155550124 (kazoo) unknown/month · setup unknown"
    assert len(bot.buttons(results, ids.BUY)) == 2
    (request,) = [c.request for c in wire.router.calls if c.request.url.path == "/v2/phone_numbers"]
    assert request.url.params["prefix"] == "415", "the national digits: Kazoo adds the dial code"
    assert request.url.params["country"] == "US"


async def test_search_without_an_area_code_notes_what_kazoo_needs(bot: BotUnderTest, wire: KazooWire) -> None:
    ack = await bot.command("search US --provider kazoo")
    results = bot.last(ack.key)
    assert "a search needs the first 3 or more digits of the national number" in results.text
    assert bot.buttons(results, ids.BUY) == []
    assert [c for c in wire.router.calls if c.request.url.path == "/v2/phone_numbers"] == []


async def test_buy_without_charges_activates_once(
    bot: BotUnderTest, wire: KazooWire, account: Account, router: respx.MockRouter, redis: Redis
) -> None:
    wire.mock_buy()
    confirm = await confirmation_for_first(bot)
    assert confirm["text"]["text"] == "Confirm purchase (unknown/mo + setup unknown)"
    assert activations(router) == [], "nothing is bought before the confirmation"

    await bot.click(ids.CONFIRM, confirm["value"], key="confirmation")
    await bot.click(ids.CONFIRM, confirm["value"], key="again")

    assert "bought +14155550123 from kazoo for unknown/month (setup unknown)" in bot.last("confirmation").text
    assert "already used" in bot.last("again").text
    (request,) = [c.request for c in router.calls if c.request.url.path.endswith("/activate")]
    assert request.url.raw_path == f"{A}/phone_numbers/%2B14155550123/activate".encode()
    assert json_of(request) == {"data": {}}
    assert NUMBER in account.owned
    entry = PoolEntry.model_validate_json(await redis.hget(keys.pool(TEAM), NUMBER))
    assert (entry.monthly, entry.setup) == (None, None)


async def test_buy_with_charges_shows_them_and_only_the_second_click_accepts_them(
    bot: BotUnderTest, wire: KazooWire, account: Account, router: respx.MockRouter, redis: Redis
) -> None:
    wire.charges = plan_charges(rate="2.00", activation="1.50")
    wire.mock_buy()
    confirm = await confirmation_for_first(bot)

    await bot.click(ids.CONFIRM, confirm["value"], key="charges")

    second = bot.last("charges")
    shown = json.dumps(second.blocks)
    assert "Charges to accept" in shown
    assert "kazoo asks for 3.50 USD to activate this number" in shown
    assert "1.50 USD activation + the first month of phone_numbers did_us 2.00 USD/month" in shown
    (accept,) = bot.buttons(second, ids.CONFIRM)
    assert accept["text"]["text"] == "Confirm purchase (unknown/mo + setup unknown + 3.50 USD charges)"
    assert activations(router) == [{"data": {}}], "the first click accepts nothing"
    assert NUMBER not in account.owned
    assert await redis.hlen(keys.pool(TEAM)) == 0

    await bot.click(ids.CONFIRM, accept["value"], key="accepted")
    await bot.click(ids.CONFIRM, accept["value"], key="again")

    assert "bought +14155550123 from kazoo" in bot.last("accepted").text
    assert "already used" in bot.last("again").text
    accepting = [body for body in activations(router) if body.get("accept_charges") is True]
    assert accepting == [{"data": {}, "accept_charges": True}], "accepted exactly once, by the second click"
    assert NUMBER in account.owned
    spend = await redis.hgetall(keys.spend(TEAM, month_of()))
    ((amount, currency),) = json.loads(spend[accept["value"]])["charges"]
    assert (Decimal(amount), currency) == (Decimal("3.50"), "USD"), "the accepted charges count as this month's spend"


async def test_list_reads_every_kazoo_page_and_flags_numbers_kazoo_lost(
    bot: BotUnderTest, wire: KazooWire, account: Account, router: respx.MockRouter, redis: Redis
) -> None:
    account.own(*[Listing(e164=london(i)) for i in range(250)])
    account.forward(london(240), DESTINATION)  # forwarded in Kazoo, on the third page
    for e164 in (london(5), london(240), london(999)):
        entry = PoolEntry(e164=e164, provider="kazoo", bought_by=ADMIN, bought_at=utcnow())
        assert await PoolStore(redis).adopt(TEAM, entry)

    ack = await bot.command("list --provider kazoo")

    rows = [b["text"]["text"] for b in bot.last(ack.key).blocks if b["type"] == "section"]
    assert "no longer on the kazoo account" not in next(r for r in rows if london(5) in r)
    assert f"forwards to {DESTINATION}" in next(r for r in rows if london(240) in r)
    assert "no longer on the kazoo account" in next(r for r in rows if london(999) in r)
    pages = [c.request for c in router.calls if c.request.url.path == f"{A}/phone_numbers"]
    assert [r.url.params.get("start_key") for r in pages] == [None, london(100), london(200)]


async def test_forward_goes_through_a_callflow(
    bot: BotUnderTest, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    wire.mock_buy()
    create, change = wire.mock_forward()
    number = await buy_first(bot)

    ack = await bot.command(f"forward {number} +44 7400 123456")

    assert f"now forward to {DESTINATION} via kazoo" in bot.last(ack.key).text
    (request,) = [c.request for c in create.calls]
    assert json_of(request) == {
        "data": {"name": f"numberbot: forward {number}", "numbers": [number], "flow": forward_flow(DESTINATION)}
    }
    assert wire.dial(number) == DESTINATION, "a call reaches it through the system's carriers"
    ack = await bot.command(f"info {number}")
    info = json.dumps(bot.last(ack.key).blocks)
    assert DESTINATION in info
    assert f"numberbot: forward {number}" in info

    ack = await bot.command(f"forward {number} +44 7400 654321")

    assert "now forward to +447400654321" in bot.last(ack.key).text
    assert create.call_count == 1, "the number's callflow is changed, not made twice"
    assert change.calls.last.request.url.path == f"{A}/callflows/{callflow_id(number)}"
    assert account.owned[number].forward_to == "+447400654321"
    assert wire.dial(number) == "+447400654321"


@pytest.mark.parametrize("local_carriers", [True, False])
async def test_kazoo_use_local_resources_sends_forwards_through_the_accounts_carriers(
    make_bot: BotFactory, redis: Redis, wire: KazooWire, local_carriers: bool
) -> None:
    bot = await provider_bot(
        make_bot,
        redis,
        "kazoo",
        KazooProvider,
        kazoo_base_url=BASE_URL,
        kazoo_api_key=API_KEY,
        kazoo_use_local_resources=True,
    )
    wire.local_carriers = local_carriers
    wire.mock_buy()
    create, _ = wire.mock_forward()
    number = await buy_first(bot)
    await bot.command(f"forward {number} {DESTINATION}")
    assert json_of(create.calls.last.request)["data"]["flow"] == forward_flow(DESTINATION, local=True)
    assert wire.dial(number) == (DESTINATION if local_carriers else None), "only the account's own carriers"


async def test_release_gives_the_number_back_and_removes_its_callflow(
    bot: BotUnderTest, wire: KazooWire, account: Account, router: respx.MockRouter, redis: Redis
) -> None:
    wire.mock_buy()
    wire.mock_forward()
    numbers, callflows = wire.mock_release()
    number = await buy_first(bot)
    await bot.command(f"forward {number} {DESTINATION}")

    prompt = (await bot.command(f"release {number}")).json
    (button,) = [
        e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ids.RELEASE
    ]
    assert numbers.call_count == 0, "nothing is released before the confirmation"
    await bot.click(ids.RELEASE, button["value"], key="release")

    assert f"Released {number} back to kazoo" in bot.last("release").text
    (request,) = [c.request for c in numbers.calls]
    assert request.url.raw_path == f"{A}/phone_numbers/%2B14155550123".encode()
    assert callflows.calls.last.request.url.path == f"{A}/callflows/{callflow_id(number)}"
    assert number not in account.owned
    assert await redis.hexists(keys.pool(TEAM), number) == 0
    sign_ins = [c for c in router.calls if c.request.url.path == "/v2/api_auth"]
    assert len(sign_ins) == 1, "one shared token served the whole conversation"
