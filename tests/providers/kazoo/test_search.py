"""Kazoo search: the E.164 prefix asked for, Kazoo's reason when it cannot serve."""

from __future__ import annotations

import pytest
import respx

from bot.errors import ProviderUnavailable
from bot.models import Feature, NumberType, SearchQuery
from bot.providers.kazoo import KazooProvider
from tests.providers.contract import Listing
from tests.providers.kazoo_wire import TOKEN, KazooWire, error


async def test_search_us_415_asks_for_the_e164_prefix(kazoo: KazooProvider, wire: KazooWire) -> None:
    route = wire.mock_search(
        [
            Listing(e164="+14155550100", country="US"),
            Listing(e164="+18005550100", country="US", type=NumberType.tollfree),
            Listing(e164="+442079460100"),  # another country: not offered
        ]
    )
    offers = await kazoo.search(SearchQuery(country="US", pattern="415", type=NumberType.local, limit=5))

    assert [o.e164 for o in offers] == ["+14155550100"], "the toll-free number is not a local one"
    (offer,) = offers
    assert (offer.country, offer.type, offer.features) == ("US", NumberType.local, frozenset({Feature.voice}))
    assert (offer.monthly, offer.setup) == (None, None), "Kazoo's search has no price: unknown, not 0"
    request = route.calls.last.request
    assert dict(request.url.params) == {"prefix": "+1415", "quantity": "5", "offset": "0", "country": "US"}
    assert request.headers["x-auth-token"] == TOKEN


async def test_search_without_a_pattern_asks_for_the_calling_code(kazoo: KazooProvider, wire: KazooWire) -> None:
    route = wire.mock_search([Listing(e164="+18885550100", country="US")])
    (offer,) = await kazoo.search(SearchQuery(country="US", type=NumberType.tollfree))
    assert offer.type is NumberType.tollfree
    assert route.calls.last.request.url.params["prefix"] == "+1"


async def test_a_search_kazoo_cannot_serve_carries_its_reason(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    failed = error(500, "init failed", "Unable to acquire numbers missing carrier url")
    router.route(method="GET", path__regex=r"^/v2/phone_numbers$").mock(return_value=failed)
    with pytest.raises(ProviderUnavailable) as unavailable:
        await kazoo.search(SearchQuery(country="US"))
    message = unavailable.value.user_message
    assert message.startswith("Kazoo: searching US numbers failed on Kazoo's side (HTTP 500: init failed: ")
    assert "missing carrier url" in message
    assert "\n" not in message
