"""Flowroute E911 and CNAM records through signed Slack requests, Flowroute mocked at its real paths.

The mock (tests/providers/flowroute_e911_wire.py) is written from Flowroute's Numbers v2 reference;
the requests are asserted as that reference describes them: JSON:API bodies, the validate →
create (or reuse) → attach order, the relationship paths, and nothing sent for refused input.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import respx
from redis.asyncio import Redis

from bot import keys
from bot.models import NumberType
from bot.providers.flowroute import FlowrouteProvider
from tests.conftest import BotFactory
from tests.handlers.conftest import pooled, provider_bot, routed
from tests.handlers.said import audited, reply
from tests.providers.contract import Listing
from tests.providers.flowroute_wire import (
    ACCESS_KEY,
    BASE_URL,
    JSON_API,
    SECRET_KEY,
    FlowrouteAccount,
    FlowrouteWire,
    authorised,
)
from tests.slack import TEAM, BotUnderTest

NUMBER = "+12065550123"
DIGITS = NUMBER.removeprefix("+")
ADDRESS = "1182 3rd Ave Suite 600, Seattle, WA 98101"


@pytest.fixture
def account() -> FlowrouteAccount:
    owned = FlowrouteAccount()
    owned.own(Listing(e164=NUMBER, country="US"), Listing(e164="+18005550199", country="US", type=NumberType.tollfree))
    return owned


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    yield from routed(BASE_URL, authorised)


@pytest.fixture
def wire(router: respx.MockRouter, account: FlowrouteAccount) -> FlowrouteWire:
    wire = FlowrouteWire(router, account)
    wire.mock_account()
    wire.mock_e911()
    wire.mock_cnam()
    return wire


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis, wire: FlowrouteWire) -> BotUnderTest:
    bot = await provider_bot(
        make_bot,
        redis,
        "flowroute",
        FlowrouteProvider,
        flowroute_access_key=ACCESS_KEY,
        flowroute_secret_key=SECRET_KEY,
    )
    for e164 in wire.account.owned:
        await pooled(redis, e164, provider="flowroute")
    return bot


def sent(router: respx.MockRouter) -> list[tuple[str, str]]:
    return [(c.request.method, c.request.url.path) for c in router.calls if c.request.method != "GET"]


def body(router: respx.MockRouter, method: str, path: str) -> object:
    (request,) = [c.request for c in router.calls if (c.request.method, c.request.url.path) == (method, path)]
    assert request.headers["content-type"] == JSON_API
    return json.loads(request.content)


EXPECTED_ATTRIBUTES = {
    "first_name": "numberbot",
    "last_name": "line",
    "street_number": 1182,
    "street_name": "3rd Ave",
    "address_type": "Suite",
    "address_type_number": "600",
    "city": "Seattle",
    "state": "WA",
    "country": "US",
    "zip": "98101",
}


async def test_an_address_is_validated_created_and_attached(
    bot: BotUnderTest, router: respx.MockRouter, account: FlowrouteAccount, redis: Redis
) -> None:
    answer = await reply(bot, f"e911 {NUMBER} {ADDRESS}")

    assert f"{NUMBER} now has the E911 address 1182 3rd Ave Suite 600, Seattle, WA 98101, validated by flowroute" in (
        answer
    )
    (record,) = account.e911s
    assert sent(router) == [
        ("POST", "/v2/e911s/validate"),
        ("POST", "/v2/e911s"),
        ("PATCH", f"/v2/numbers/{DIGITS}/relationships/e911s/{record}"),
    ]
    validated = body(router, "POST", "/v2/e911s/validate")
    assert validated == body(router, "POST", "/v2/e911s")
    assert validated["data"]["type"] == "e911"  # type: ignore[index]
    attributes = dict(validated["data"]["attributes"])  # type: ignore[index]
    assert attributes.pop("label").startswith("numberbot ")
    assert attributes == EXPECTED_ATTRIBUTES
    (listing,) = [c.request for c in router.calls if c.request.url.path == "/v2/e911s" and c.request.method == "GET"]
    assert listing.url.params["state"] == "WA", "the account's records of that state were looked at first"
    assert account.e911_of == {NUMBER: record}
    assert await audited(redis, "e911") == [("ok", f"set to {ADDRESS}")]

    assert "E911: 1182 3rd Ave Suite 600, Seattle, WA 98101" in await reply(bot, "list")
    assert f"E911 address of {NUMBER} at flowroute: 1182 3rd Ave Suite 600, Seattle, WA 98101" in await reply(
        bot, f"e911 {NUMBER}"
    )


async def test_an_address_already_on_the_account_is_reused(
    bot: BotUnderTest, router: respx.MockRouter, account: FlowrouteAccount
) -> None:
    same = {**EXPECTED_ATTRIBUTES, "label": "Head office", "street_name": "3RD AVE", "country": "USA"}
    account.e911s["20707"] = {**same, "street_number": "1182", "first_name": "Maria"}
    account.e911s["20930"] = {**same, "street_number": "1184"}
    account.include_records = False  # the number's document names the record; its address is read

    await reply(bot, f"e911 {NUMBER} {ADDRESS}")

    assert sent(router) == [
        ("POST", "/v2/e911s/validate"),
        ("PATCH", f"/v2/numbers/{DIGITS}/relationships/e911s/20707"),
    ]
    assert "at flowroute: 1182 3RD AVE Suite 600, Seattle, WA 98101" in await reply(bot, f"e911 {NUMBER}")
    assert ("GET", "/v2/e911s/20707") in [(c.request.method, c.request.url.path) for c in router.calls]


async def test_an_address_flowroute_cannot_place_creates_and_attaches_nothing(
    bot: BotUnderTest, router: respx.MockRouter, account: FlowrouteAccount, redis: Redis
) -> None:
    account.unplaceable.add("1 nowhere rd")
    answer = await reply(bot, f"e911 {NUMBER} 1 Nowhere Rd, Seattle, WA 98101")

    assert "Flowroute: Flowroute could not validate the address: Could not geocode this address." in answer
    assert sent(router) == [("POST", "/v2/e911s/validate")]
    assert account.e911s == account.e911_of == {}
    ((outcome, detail),) = await audited(redis, "e911")
    assert outcome == "refused"
    assert "Could not geocode this address" in detail


async def test_a_toll_free_number_takes_no_address_and_off_detaches(
    bot: BotUnderTest, router: respx.MockRouter, account: FlowrouteAccount
) -> None:
    refused = await reply(bot, f"e911 +18005550199 {ADDRESS}")
    assert "Cannot assign an E911 record to a number that does not support emergency services." in refused

    await reply(bot, f"e911 {NUMBER} {ADDRESS}")
    assert f"{NUMBER} no longer has an E911 address at flowroute" in await reply(bot, f"e911 {NUMBER} off")
    assert sent(router)[-1] == ("DELETE", f"/v2/numbers/{DIGITS}/relationships/e911s")
    assert account.e911_of == {}
    assert "⚠️ *no E911 address*" in await reply(bot, "list")
    before = len(router.calls)
    assert f"{NUMBER} no longer has an E911 address" in await reply(bot, f"e911 {NUMBER} off")
    assert all(c.request.method == "GET" for c in router.calls[before:]), "nothing attached: nothing to detach"


async def test_a_new_caller_id_name_waits_for_review_and_is_attached_once_approved(
    bot: BotUnderTest, router: respx.MockRouter, account: FlowrouteAccount, redis: Redis
) -> None:
    answer = await reply(bot, f"cnam {NUMBER} ACME SUPPORT")

    assert "Caller-ID name ACME SUPPORT for +12065550123 is waiting for the provider's approval" in answer
    assert sent(router) == [("POST", "/v2/cnams")]
    assert body(router, "POST", "/v2/cnams") == {"value": "ACME SUPPORT"}
    (cnam_id,) = account.cnams
    assert account.cnam_of == {}, "an unapproved record is not attached"
    assert "ACME SUPPORT (waiting for the provider's approval" in await reply(bot, f"info {NUMBER}")
    assert sent(router) == [("POST", "/v2/cnams")], "asking again reuses the record"

    account.approve(cnam_id)
    info = await reply(bot, f"info {NUMBER}")

    assert "ACME SUPPORT · inbound caller-name lookup on" in info
    assert sent(router)[-1] == ("PATCH", f"/v2/numbers/{DIGITS}/relationships/cnams/{cnam_id}")
    assert account.cnam_of == {NUMBER: cnam_id}
    assert await redis.hget(keys.cnam_requests(TEAM), NUMBER) is None
    assert await audited(redis, "cnam") == [
        ("ok", "set to ACME SUPPORT (awaiting the provider's approval)"),
        ("ok", "ACME SUPPORT attached once the provider approved it"),
    ]
    assert "ACME SUPPORT · inbound caller-name lookup on" in await reply(bot, f"cnam {NUMBER}")


async def test_an_approved_name_is_attached_at_once_and_a_rejected_one_says_why(
    bot: BotUnderTest, router: respx.MockRouter, account: FlowrouteAccount, redis: Redis
) -> None:
    account.cnams["17604"] = {"is_approved": True, "rejection_reason": "", "value": "ACME SUPPORT"}
    answer = await reply(bot, f"cnam {NUMBER} Acme Support")
    assert "Calls from +12065550123 now show the caller-ID name ACME SUPPORT" in answer, "the record's own value"
    assert sent(router) == [("PATCH", f"/v2/numbers/{DIGITS}/relationships/cnams/17604")]

    await reply(bot, f"cnam {NUMBER} SEATTLE POLICE")
    (pending,) = set(account.cnams) - {"17604"}
    account.reject(pending, "False or fake CNAM")
    info = await reply(bot, f"info {NUMBER}")
    assert "SEATTLE POLICE (rejected: False or fake CNAM)" in info
    assert account.cnam_of == {NUMBER: "17604"}, "the approved name stays in use"
    assert await redis.hget(keys.cnam_requests(TEAM), NUMBER) is None
    assert (await audited(redis, "cnam"))[-1] == ("rejected", "SEATTLE POLICE rejected: False or fake CNAM")

    assert f"{NUMBER} no longer has a caller-ID name" in await reply(bot, f"cnam {NUMBER} off")
    assert sent(router)[-1] == ("DELETE", f"/v2/numbers/{DIGITS}/relationships/cnams")


async def test_inbound_caller_name_lookup_is_switched_on_the_number(
    bot: BotUnderTest, router: respx.MockRouter, account: FlowrouteAccount
) -> None:
    assert "lookup on +12065550123 is now off" in await reply(bot, f"cnam {NUMBER} lookup off")
    assert body(router, "PATCH", f"/v2/numbers/{DIGITS}") == {"type": "number", "cnam_lookups_enabled": False}
    assert account.lookups == {NUMBER: False}
    assert "inbound caller-name lookup off" in await reply(bot, f"info {NUMBER}")
