"""Kazoo search: the national digits Kazoo's prefix takes, and its reasons when it cannot serve."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.errors import NotSupported, ProviderRefused, ProviderUnavailable
from bot.models import Feature, NumberType, SearchQuery
from bot.providers.kazoo import KazooProvider
from tests.providers.contract import Listing
from tests.providers.kazoo_wire import BASE_URL, TOKEN, KazooWire, error

SAN_FRANCISCO = [Listing(e164=f"+1415555010{i}", country="US") for i in range(4)]
TOLL_FREE = Listing(e164="+18005550100", country="US", type=NumberType.tollfree)


async def test_search_us_415_sends_the_national_digits(kazoo: KazooProvider, wire: KazooWire) -> None:
    route = wire.mock_search([*SAN_FRANCISCO, TOLL_FREE])
    offers = await kazoo.search(SearchQuery(country="US", pattern="415", type=NumberType.local, limit=3))

    assert [o.e164 for o in offers] == [n.e164 for n in SAN_FRANCISCO[:3]]
    offer = offers[0]
    assert (offer.country, offer.type, offer.features) == ("US", NumberType.local, frozenset({Feature.voice}))
    assert (offer.monthly, offer.setup) == (None, None), "Kazoo's search has no price: unknown, not 0"
    request = route.calls.last.request
    assert dict(request.url.params) == {"prefix": "415", "quantity": "3", "offset": "0", "country": "US"}
    assert request.headers["x-auth-token"] == TOKEN


async def test_the_type_is_told_apart_by_the_numbering_plan(kazoo: KazooProvider, wire: KazooWire) -> None:
    wire.mock_search([*SAN_FRANCISCO, TOLL_FREE])
    assert await kazoo.search(SearchQuery(country="US", pattern="800", type=NumberType.local)) == []
    (offer,) = await kazoo.search(SearchQuery(country="US", pattern="800", type=NumberType.tollfree))
    assert (offer.e164, offer.type) == (TOLL_FREE.e164, NumberType.tollfree)


@pytest.mark.parametrize("pattern", [None, "4", "41"])
async def test_a_search_without_an_area_code_asks_for_one_and_sends_nothing(
    kazoo: KazooProvider, wire: KazooWire, pattern: str | None
) -> None:
    route = wire.mock_search(SAN_FRANCISCO)
    with pytest.raises(NotSupported) as unsupported:
        await kazoo.search(SearchQuery(country="US", pattern=pattern))
    assert unsupported.value.user_message == (
        "Kazoo: a search needs the first 3 or more digits of the national number (an area code), "
        "e.g. `/number search US 415`"
    )
    assert route.call_count == 0


async def test_a_pattern_longer_than_kazoo_takes_is_sent_cut_and_matched_in_full(
    kazoo: KazooProvider, wire: KazooWire
) -> None:
    vienna = [Listing(e164="+4312345678901", country="AT"), Listing(e164="+4312345678902", country="AT")]
    route = wire.mock_search(vienna)  # Austrian national numbers run past 10 digits
    (offer,) = await kazoo.search(SearchQuery(country="AT", pattern="12345678901", limit=5))
    assert offer.e164 == "+4312345678901"
    assert route.calls.last.request.url.params["prefix"] == "1234567890"


async def test_the_mock_answers_an_e164_prefix_as_kazoo_does(kazoo: KazooProvider, wire: KazooWire) -> None:
    """What the bot used to send: `+1` is a 400, `+1415` finds nothing (Kazoo adds the dial code)."""
    wire.mock_search(SAN_FRANCISCO)
    async with httpx.AsyncClient(base_url=BASE_URL, headers={"X-Auth-Token": TOKEN}) as http:
        short = await http.get("/v2/phone_numbers", params={"prefix": "+1", "quantity": 5, "country": "US"})
        e164 = await http.get("/v2/phone_numbers", params={"prefix": "+1415", "quantity": 5, "country": "US"})
    assert short.status_code == 400
    assert short.json()["data"] == {
        "prefix": {"minLength": {"message": "String must be at least 3 characters", "value": "+1", "target": 3}}
    }
    assert (e164.status_code, e164.json()["data"]) == (200, [])


async def test_kazoos_validation_error_reaches_the_user(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    refused = error(400, "validation error", {"prefix": {"maxLength": {"message": "String must not be more than 10"}}})
    router.route(method="GET", path__regex=r"^/v2/phone_numbers$").mock(return_value=refused)
    with pytest.raises(ProviderRefused) as refusal:
        await kazoo.search(SearchQuery(country="US", pattern="415"))
    assert refusal.value.user_message == (
        "Kazoo: searching US numbers failed: validation error: prefix: String must not be more than 10"
    )


async def test_a_search_kazoo_cannot_serve_carries_its_reason(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    failed = error(500, "init failed", "Unable to acquire numbers missing carrier url")
    router.route(method="GET", path__regex=r"^/v2/phone_numbers$").mock(return_value=failed)
    with pytest.raises(ProviderUnavailable) as unavailable:
        await kazoo.search(SearchQuery(country="US", pattern="415"))
    message = unavailable.value.user_message
    assert message.startswith("Kazoo: searching US numbers failed on Kazoo's side (HTTP 500: init failed: ")
    assert "missing carrier url" in message
    assert "\n" not in message
