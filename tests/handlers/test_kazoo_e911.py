"""Kazoo's `e911` and `cnam` on the number document, through signed Slack requests.

The mock (tests/providers/kazoo_e911_wire.py) follows crossbar: POST replaces the number's public
fields, so every POST must carry back the fields the bot did not mean to change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import respx
from redis.asyncio import Redis

from bot.providers.kazoo import KazooProvider
from tests.conftest import BotFactory
from tests.handlers.conftest import pooled, provider_bot, routed
from tests.handlers.said import audited, reply
from tests.providers.contract import Account, Listing
from tests.providers.kazoo_wire import ACCOUNT_ID, API_KEY, BASE_URL, KazooWire, authorised, json_of
from tests.slack import BotUnderTest

NUMBER = "+14155550123"
PATH = f"/v2/accounts/{ACCOUNT_ID}/phone_numbers/%2B14155550123"
ADDRESS = "116 Natoma St Apt 116, San Francisco, CA 94105-3745"


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    yield from routed(BASE_URL, authorised)


@pytest.fixture
def wire(router: respx.MockRouter) -> KazooWire:
    owned = Account()
    owned.own(Listing(e164=NUMBER, country="US"))
    wire = KazooWire(router, owned)
    wire.mock_auth()
    wire.mock_account()
    wire.public[NUMBER] = {"cnam": {"inbound_lookup": True}, "my_own_field": {"team": "support"}}
    return wire


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis, wire: KazooWire) -> BotUnderTest:
    bot = await provider_bot(make_bot, redis, "kazoo", KazooProvider, kazoo_base_url=BASE_URL, kazoo_api_key=API_KEY)
    await pooled(redis, NUMBER, provider="kazoo")
    return bot


def posted(router: respx.MockRouter) -> list[dict[str, Any]]:
    return [json_of(c.request)["data"] for c in router.calls if c.request.method == "POST"]


async def test_an_address_is_saved_on_the_number_keeping_its_other_fields(
    bot: BotUnderTest, router: respx.MockRouter, wire: KazooWire, redis: Redis
) -> None:
    await reply(bot, "name +14155550123 Front desk")
    answer = await reply(bot, f"e911 {NUMBER} {ADDRESS}")

    assert "now has the E911 address 116 Natoma St Apartment 116, San Francisco, CA 94105 (PROVISIONED)" in answer
    (sent,) = posted(router)
    assert sent == {
        "cnam": {"inbound_lookup": True},
        "my_own_field": {"team": "support"},
        "e911": {
            "street_address": "116 Natoma St",
            "extended_address": "Apartment 116",
            "locality": "San Francisco",
            "region": "CA",
            "postal_code": "94105",
            "plus_four": "3745",
            "caller_name": "Front desk",
        },
    }
    assert [c.request.url.raw_path for c in router.calls if c.request.method == "POST"] == [PATH.encode()]
    assert wire.public[NUMBER]["cnam"] == {"inbound_lookup": True}, "what the bot did not change is still there"
    assert "E911: registered" in await reply(bot, "list"), "a listing names the active features only"
    info = await reply(bot, f"info {NUMBER}")
    assert "116 Natoma St Apartment 116, San Francisco, CA 94105 (PROVISIONED)" in info
    assert await audited(redis, "e911") == [("ok", f"set to {ADDRESS.replace('Apt', 'Apartment')}")]

    assert f"{NUMBER} no longer has an E911 address at kazoo" in await reply(bot, f"e911 {NUMBER} off")
    assert posted(router)[-1] == {"cnam": {"inbound_lookup": True}, "my_own_field": {"team": "support"}}
    assert "⚠️ *no E911 address*" in await reply(bot, "list")


async def test_an_address_kazoo_cannot_place_is_refused_and_nothing_changes(
    bot: BotUnderTest, router: respx.MockRouter, wire: KazooWire, redis: Redis
) -> None:
    wire.unplaceable.add("1 nowhere rd")
    answer = await reply(bot, f"e911 {NUMBER} 1 Nowhere Rd, San Francisco, CA 94105")
    assert "Kazoo: saving the E911 address of +14155550123 failed: invalid data: address: Location is not geocoded" in (
        answer
    )
    assert "e911" not in wire.public[NUMBER]
    assert (await audited(redis, "e911"))[0][0] == "refused"


async def test_a_feature_the_reseller_does_not_offer_is_refused_before_any_change(
    bot: BotUnderTest, router: respx.MockRouter, wire: KazooWire
) -> None:
    wire.features_available = ["port", "prepend"]
    answer = await reply(bot, f"e911 {NUMBER} {ADDRESS}")
    assert "Kazoo does not offer E911 address on +14155550123; ask your Kazoo reseller" in answer
    assert posted(router) == []


async def test_the_caller_id_name_and_lookup_are_the_number_documents_cnam(
    bot: BotUnderTest, router: respx.MockRouter, wire: KazooWire, redis: Redis
) -> None:
    answer = await reply(bot, f"cnam {NUMBER} Acme Support")
    assert "Calls from +14155550123 now show the caller-ID name Acme Support (set at kazoo)" in answer
    assert posted(router)[-1] == {
        "cnam": {"inbound_lookup": True, "display_name": "Acme Support"},
        "my_own_field": {"team": "support"},
    }
    assert await reply(bot, f"cnam {NUMBER} lookup off")
    assert posted(router)[-1]["cnam"] == {"inbound_lookup": False, "display_name": "Acme Support"}
    assert "Acme Support · inbound caller-name lookup off" in await reply(bot, f"info {NUMBER}")
    assert await reply(bot, f"cnam {NUMBER} off")
    assert posted(router)[-1]["cnam"] == {"inbound_lookup": False}
    assert [d for _, d in await audited(redis, "cnam")] == ["set to Acme Support", "inbound lookup off", "removed"]
