"""A search over the four real adapters is a comparison: all four on page one, paged to the end.

Each provider is mocked at its real URL by its wire mock (tests/providers/*_wire.py); the bot
builds its providers from settings, so it asks all four concurrently, as in production.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
import respx
from redis.asyncio import Redis

from bot.blocks import ids
from bot.models import NumberType
from tests.conftest import BotFactory, make_settings
from tests.providers import azure_wire, flowroute_wire, kazoo_wire, vonage_wire
from tests.providers.contract import Account, Listing
from tests.rates import fixed_rates
from tests.slack import BotUnderTest

PER_PROVIDER = 10  # what the bot asks each provider for; `--limit` is only the page size


def numbers(prefix: str, count: int, monthly: str | None, setup: str | None = None) -> list[Listing]:
    def money(amount: str | None) -> Decimal | None:
        return Decimal(amount) if amount is not None else None

    return [
        Listing(
            e164=f"{prefix}{i:04d}", country="US", type=NumberType.local, monthly=money(monthly), setup=money(setup)
        )
        for i in range(count)
    ]


@pytest.fixture
def mocked() -> Iterator[list[respx.MockRouter]]:
    """Twelve numbers at each provider (the bot takes ten of each): Vonage prices in EUR, Azure
    and Flowroute in USD, Kazoo gives no price at all."""
    with (
        respx.mock(base_url=vonage_wire.BASE_URL, assert_all_called=False) as vonage,
        respx.mock(base_url=azure_wire.BASE_URL, assert_all_called=False) as azure,
        respx.mock(base_url=flowroute_wire.BASE_URL, assert_all_called=False) as flowroute,
        respx.mock(base_url=kazoo_wire.BASE_URL, assert_all_called=False) as kazoo,
    ):
        vonage_wire.VonageWire(vonage, Account()).mock_search(numbers("+1415200", 12, "0.86"))
        azure_wire.AzureWire(azure, Account(), retry_after="0").offer(numbers("+1415300", 12, "1.00"))
        flowroute = flowroute_wire.FlowrouteWire(flowroute, flowroute_wire.FlowrouteAccount())
        flowroute.mock_search(numbers("+1415400", 12, "1.25", "1.00"))
        kazoo_mock = kazoo_wire.KazooWire(kazoo, Account())
        kazoo_mock.mock_auth()
        kazoo_mock.mock_search(numbers("+1415500", 12, None))
        yield [vonage, azure, flowroute.router, kazoo]


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis, mocked: list[respx.MockRouter]) -> BotUnderTest:
    settings = make_settings(
        sandbox=False,
        vonage_api_key=vonage_wire.API_KEY,
        vonage_api_secret=vonage_wire.API_SECRET,
        azure_communication_connection_string=azure_wire.CONNECTION_STRING,
        flowroute_access_key=flowroute_wire.ACCESS_KEY,
        flowroute_secret_key=flowroute_wire.SECRET_KEY,
        kazoo_base_url=kazoo_wire.BASE_URL,
        kazoo_api_key=kazoo_wire.API_KEY,
    )
    bot = await make_bot(redis=redis, settings=settings, rates=fixed_rates())
    assert sorted(bot.services.providers) == ["azure", "flowroute", "kazoo", "vonage"]
    return bot


def providers_on(call: object) -> list[str]:
    """The provider of each result on a page, in order (each result's second line starts with it)."""
    sections = [b for b in call.blocks if b.get("accessory", {}).get("action_id") == ids.BUY]  # type: ignore[attr-defined]
    return [b["text"]["text"].splitlines()[1].split(" · ")[0] for b in sections]


async def test_every_provider_is_on_page_one_with_its_count_and_every_result_is_paged_to(
    bot: BotUnderTest,
) -> None:
    ack = await bot.command("search US 415 --limit 8")
    first = bot.last(ack.key)
    assert "40 found: azure 10, flowroute 10, kazoo 10, vonage 10" in first.text
    on_page_one = providers_on(first)
    # Each provider's cheapest first, by cost in USD: 0.86 EUR = 0.946 USD, then Azure's 1.00,
    # Flowroute's 1.25; Kazoo's unpriced numbers can still be seen, after the priced ones.
    assert on_page_one[:4] == ["vonage", "azure", "flowroute", "kazoo"]
    assert "0.86 EUR (≈ 0.95 USD)/month" in json.dumps(first.blocks, ensure_ascii=False)
    assert "Page 1 of 5" in json.dumps(first.blocks)

    seen = [b["value"] for b in bot.buttons(first, ids.BUY)]
    page, key = first, ack.key
    while bot.buttons(page, ids.SEARCH_NEXT):
        (following,) = bot.buttons(page, ids.SEARCH_NEXT)
        await bot.click(ids.SEARCH_NEXT, following["value"], key=key)
        page = bot.last(key)
        assert page.data["replace_original"] is True, "a page replaces the one it was turned from"
        seen += [b["value"] for b in bot.buttons(page, ids.BUY)]
    assert "Page 5 of 5" in json.dumps(page.blocks)
    search_id = seen[0].partition(":")[0]
    assert seen == [f"{search_id}:{i}" for i in range(40)], "every result, once, in order"

    (back,) = bot.buttons(page, ids.SEARCH_PREVIOUS)
    await bot.click(ids.SEARCH_PREVIOUS, back["value"], key=key)
    assert "Page 4 of 5" in json.dumps(bot.last(key).blocks)


async def test_paging_asks_no_provider_again(bot: BotUnderTest, mocked: list[respx.MockRouter]) -> None:
    ack = await bot.command("search US 415 --limit 20")
    asked = sum(len(router.calls) for router in mocked)
    assert asked >= 4, "all four were asked (Kazoo signs in first)"
    (following,) = bot.buttons(bot.last(ack.key), ids.SEARCH_NEXT)
    await bot.click(ids.SEARCH_NEXT, following["value"], key=ack.key)
    assert sum(len(router.calls) for router in mocked) == asked
    assert "Page 2 of " in json.dumps(bot.last(ack.key).blocks)
