"""Flowroute search: the query as Flowroute's parameters, what it cannot do said without a call."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
import respx

from bot.errors import NotSupported
from bot.models import Feature, Money, NumberType, SearchQuery
from bot.providers.flowroute import FlowrouteProvider
from tests.providers.flowroute_wire import FlowrouteWire


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (SearchQuery(country="US", pattern="206"), {"starts_with": "1206", "iso_country": "US", "limit": "10"}),
        (SearchQuery(country="CA", pattern="604555"), {"starts_with": "1604555", "iso_country": "CA"}),
        (SearchQuery(country="GB", pattern="20"), {"starts_with": "+4420", "iso_country": "GB"}),
        (SearchQuery(country="BE"), {"iso_country": "BE"}),
        (SearchQuery(country="US", type=NumberType.tollfree), {"number_type": "toll-free"}),
        (SearchQuery(country="US", type=NumberType.local), {"number_type": "longcode"}),
        (SearchQuery(country="US", features=frozenset({Feature.voice})), {"limit": "10"}),
        (SearchQuery(country="US", limit=50), {"limit": "50"}),
    ],
)
async def test_search_maps_pattern_type_and_country(
    flowroute: FlowrouteProvider, wire: FlowrouteWire, query: SearchQuery, expected: dict[str, str]
) -> None:
    route = wire.mock_search([])
    assert await flowroute.search(query) == []
    params = dict(route.calls.last.request.url.params)
    assert params.items() >= expected.items()
    assert ("starts_with" in params) == (query.pattern is not None)
    assert ("number_type" in params) == (query.type is not None)
    assert not {"contains", "ends_with", "rate_center", "state", "offset"} & set(params)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        (SearchQuery(country="US", type=NumberType.mobile), "Flowroute has no mobile numbers"),
        (SearchQuery(country="US", features=frozenset({Feature.sms})), "cannot filter by SMS/MMS"),
    ],
)
async def test_what_flowroute_cannot_do_is_said_without_a_call(
    flowroute: FlowrouteProvider, router: respx.MockRouter, query: SearchQuery, said: str
) -> None:
    with pytest.raises(NotSupported, match=said) as refused:
        await flowroute.search(query)
    assert refused.value.user_message.startswith("Flowroute: ")
    assert not router.calls


async def test_search_reads_costs_exactly_and_keeps_to_the_country(
    flowroute: FlowrouteProvider, router: respx.MockRouter
) -> None:
    # Written by hand: costs as JSON numbers, read digit for digit; one value an integer.
    raw = (
        '{"data": ['
        '{"type": "number", "id": "12065550100", "attributes": {"value": 12065550100, "monthly_cost": 0.1000,'
        ' "setup_cost": 3.99, "number_type": "standard", "rate_center": "seattle", "state": "wa"}},'
        '{"type": "number", "id": "18885550101", "attributes": {"value": "18885550101", "monthly_cost": 1.25,'
        ' "number_type": "toll-free"}},'
        '{"type": "number", "id": "16045550102", "attributes": {"value": "16045550102", "monthly_cost": 1,'
        ' "setup_cost": 1, "iso_country": "CA"}},'
        '{"type": "number", "id": "x", "attributes": {"value": "not a number"}}'
        '], "links": {"self": "https://api.flowroute.com/v2/numbers/available?limit=10&offset=0"}}'
    )
    router.get("/v2/numbers/available").mock(return_value=httpx.Response(200, text=raw))
    first, second = await flowroute.search(SearchQuery(country="US"))
    assert first.e164 == "+12065550100"
    assert first.monthly == Money(amount=Decimal("0.1"), currency="USD")
    assert str(first.monthly.amount) == "0.1000", "parsed straight to Decimal, never through a float"
    assert first.setup == Money(amount=Decimal("3.99"), currency="USD")
    assert first.type is NumberType.local
    assert first.features == frozenset({Feature.voice})
    assert second.type is NumberType.tollfree
    assert second.setup is None, "a missing setup cost is unknown, not 0"


async def test_another_country_is_searched_at_flowroute(flowroute: FlowrouteProvider, wire: FlowrouteWire) -> None:
    from tests.providers.contract import Listing

    london = Listing(e164="+442079460123", country="GB", features=frozenset({Feature.voice}))
    wire.mock_search([london, Listing(e164="+12065550100", country="US")])
    (offer,) = await flowroute.search(SearchQuery(country="GB", pattern="20"))
    assert (offer.e164, offer.country, offer.type) == (london.e164, "GB", NumberType.local)
