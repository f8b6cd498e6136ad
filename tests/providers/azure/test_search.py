"""Azure search (:browse): the query as Azure's body, costs read exactly, Azure's reasons."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from bot.errors import NotSupported, ProviderRefused
from bot.models import Feature, Money, NumberType, SearchQuery
from bot.providers.azure import AzureProvider
from tests.providers.azure_wire import AzureWire, body_of


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (SearchQuery(country="US", type=NumberType.tollfree), {"phoneNumberType": "tollFree"}),
        (SearchQuery(country="US", type=NumberType.mobile), {"phoneNumberType": "mobile"}),
        (
            SearchQuery(country="US", type=NumberType.local, pattern="425"),
            {"phoneNumberType": "geographic", "phoneNumberPrefixes": ["1425"]},
        ),
        (
            SearchQuery(country="US", type=NumberType.local, features=frozenset({Feature.sms, Feature.voice})),
            {
                "phoneNumberType": "geographic",
                "capabilities": {"calling": "inbound+outbound", "sms": "inbound+outbound"},
            },
        ),
    ],
)
async def test_browse_maps_type_prefix_and_capabilities(
    azure: AzureProvider, wire: AzureWire, query: SearchQuery, expected: dict[str, Any]
) -> None:
    assert await azure.search(query) == []
    request = wire.routes["browse"].calls.last.request
    assert request.url.path == "/availablePhoneNumbers/countries/US/:browse"
    assert body_of(request) == {"assignmentType": "application", **expected}


async def test_without_a_type_local_and_tollfree_are_browsed_at_once(azure: AzureProvider, wire: AzureWire) -> None:
    await azure.search(SearchQuery(country="US"))
    asked = sorted(body_of(c.request)["phoneNumberType"] for c in wire.routes["browse"].calls)
    assert asked == ["geographic", "tollFree"]


async def test_mms_is_not_an_azure_feature(azure: AzureProvider, wire: AzureWire) -> None:
    with pytest.raises(NotSupported, match="Azure numbers have no MMS"):
        await azure.search(SearchQuery(country="US", features=frozenset({Feature.mms})))
    assert not wire.router.calls


async def test_browse_reads_costs_exactly(azure: AzureProvider, router: respx.MockRouter) -> None:
    numbers = [
        {
            "id": "18885550101",
            "countryCode": "US",
            "phoneNumber": "+18885550101",
            "phoneNumberType": "tollFree",
            "assignmentType": "application",
            "capabilities": {"calling": "inbound+outbound", "sms": "none"},
            "cost": {"amount": 2.1, "currencyCode": "usd", "billingFrequency": "monthly"},
            "status": "available",
        },
        {"id": "18885550102", "phoneNumber": "+18885550102", "cost": {"amount": 5, "currencyCode": "USD"}},
        {"id": "18885550103", "phoneNumber": "+18885550103", "status": "reserved"},
    ]
    router.post(path__regex=r"/:browse$").mock(return_value=httpx.Response(200, json={"phoneNumbers": numbers}))
    first, second = await azure.search(SearchQuery(country="US", type=NumberType.tollfree))
    assert first.monthly == Money(amount=Decimal("2.1"), currency="USD")
    assert first.features == frozenset({Feature.voice})
    assert first.type is NumberType.tollfree
    assert first.setup is None
    assert first.ref["id"] == "18885550101"
    assert second.monthly is None, "a cost that is not monthly is unknown, never 0"


async def test_a_price_is_read_from_the_json_text_without_float_rounding(
    azure: AzureProvider, router: respx.MockRouter
) -> None:
    text = (
        '{"phoneNumbers": [{"id": "18885550101", "phoneNumber": "+18885550101", "status": "available",'
        ' "cost": {"amount": 1.000000000000000001, "currencyCode": "USD", "billingFrequency": "monthly"}}]}'
    )
    router.post(path__regex=r"/:browse$").mock(return_value=httpx.Response(200, text=text))
    (offer,) = await azure.search(SearchQuery(country="US", type=NumberType.tollfree))
    assert offer.monthly == Money(amount=Decimal("1.000000000000000001"), currency="USD")


async def test_an_azure_error_body_reaches_the_user_as_one_line(azure: AzureProvider, router: respx.MockRouter) -> None:
    body = {
        "error": {"code": "InvalidCountry", "message": "Country\n ZZ is not\tsupported, see https://aka.ms/x?sig=1"}
    }
    router.post(path__regex=r"/:browse$").mock(return_value=httpx.Response(400, json=body))
    with pytest.raises(ProviderRefused) as refused:
        await azure.search(SearchQuery(country="US", type=NumberType.local))
    assert refused.value.user_message == (
        "Azure: searching US numbers failed: Country ZZ is not supported, see [link] (InvalidCountry)"
    )
