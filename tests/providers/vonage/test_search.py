"""Vonage search: the query as Vonage's parameters, its numbers read exactly."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
import respx

from bot.models import Feature, Money, NumberType, SearchQuery
from bot.providers.vonage import VonageProvider
from tests.providers.vonage_wire import VonageWire


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (SearchQuery(country="GB", type=NumberType.local), {"type": "landline"}),
        (SearchQuery(country="GB", type=NumberType.mobile), {"type": "mobile-lvn"}),
        (SearchQuery(country="US", type=NumberType.tollfree), {"type": "landline-toll-free"}),
        (SearchQuery(country="US", pattern="415"), {"pattern": "1415", "search_pattern": "0"}),
        (SearchQuery(country="DE", pattern="30"), {"pattern": "4930", "search_pattern": "0"}),
        (SearchQuery(country="US", features=frozenset(Feature)), {"features": "SMS,MMS,VOICE"}),
        (SearchQuery(country="US", features=frozenset({Feature.sms, Feature.mms})), {"features": "SMS,MMS"}),
        (SearchQuery(country="US", features=frozenset({Feature.voice, Feature.mms})), {"features": "VOICE,MMS"}),
        (SearchQuery(country="GB", features=frozenset({Feature.sms, Feature.voice})), {"features": "SMS,VOICE"}),
        (SearchQuery(country="GB", features=frozenset({Feature.sms})), {"features": "SMS"}),
        (SearchQuery(country="GB", limit=20), {"size": "20"}),
    ],
)
async def test_search_maps_type_pattern_and_features(
    vonage: VonageProvider, wire: VonageWire, query: SearchQuery, expected: dict[str, str]
) -> None:
    route = wire.mock_search([])
    assert await vonage.search(query) == []
    params = dict(route.calls.last.request.url.params)
    assert params["country"] == query.country
    assert params["index"] == "1"
    for key, value in expected.items():
        assert params[key] == value
    if query.pattern is None:
        assert "pattern" not in params
        assert "search_pattern" not in params
    if query.type is None:
        assert "type" not in params


async def test_search_reads_vonage_numbers_exactly(vonage: VonageProvider, router: respx.MockRouter) -> None:
    body = {
        "count": 3,
        "numbers": [
            {"country": "US", "msisdn": "14155550100", "type": "mobile-lvn", "cost": "0.8500", "features": ["SMS"]},
            {"country": "US", "msisdn": "14155550101", "type": "landline-toll-free", "cost": "n/a", "features": []},
            {"country": "US", "msisdn": "not-a-number", "type": "landline", "cost": "1.00", "features": ["VOICE"]},
        ],
    }
    router.get("/number/search").mock(return_value=httpx.Response(200, json=body))
    first, second = await vonage.search(SearchQuery(country="US"))
    assert first.e164 == "+14155550100"
    assert first.type is NumberType.mobile
    assert first.features == frozenset({Feature.sms})
    assert first.monthly == Money(amount=Decimal("0.8500"), currency="EUR")
    assert first.setup is None
    assert second.type is NumberType.tollfree
    assert second.monthly is None, "an unreadable cost is unknown, not 0"


async def test_an_mms_search_finds_mms_numbers(vonage: VonageProvider, wire: VonageWire) -> None:
    from tests.providers.contract import Listing

    both = Listing(e164="+14155550100", country="US", features=frozenset({Feature.sms, Feature.mms}))
    voice_only = Listing(e164="+14155550101", country="US", features=frozenset({Feature.voice}))
    wire.mock_search([both, voice_only])
    (offer,) = await vonage.search(SearchQuery(country="US", features=frozenset({Feature.mms, Feature.sms})))
    assert offer.e164 == both.e164


async def test_the_mock_refuses_features_in_an_undocumented_order(vonage: VonageProvider, wire: VonageWire) -> None:
    wire.mock_search([])
    async with httpx.AsyncClient(base_url="https://rest.nexmo.com") as http:
        answer = await http.get("/number/search", params={"country": "US", "features": "MMS,SMS"})
    assert answer.status_code == 420
    assert answer.json()["error-code-label"] == "invalid features: MMS,SMS"
