"""Azure list and get: nextLink followed at our endpoint, a number read exactly."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
import respx

from bot.errors import ProviderUnavailable
from bot.models import Money, NumberType
from bot.providers.azure import AzureProvider
from tests.providers.azure import US_TOLLFREE
from tests.providers.azure_wire import API_VERSION, BASE_URL, AzureWire
from tests.providers.contract import Account, Listing, london


async def test_next_links_are_followed_at_our_endpoint_with_our_api_version(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    account.own(*[Listing(e164=london(i)) for i in range(3)])
    pages = [
        {"phoneNumbers": [wire.purchased(account.numbers()[0])], "nextLink": "phoneNumbers?skip=1&top=1"},
        {
            "phoneNumbers": [wire.purchased(account.numbers()[1])],
            "nextLink": "https://elsewhere.example/phoneNumbers?skip=2&top=1&api-version=2021-03-07",
        },
        {"phoneNumbers": [wire.purchased(account.numbers()[2])]},
    ]
    wire.routes["list"].mock(side_effect=[httpx.Response(200, json=p) for p in pages])
    numbers = await azure.list()
    assert [n.e164 for n in numbers] == [london(0), london(1), london(2)]
    urls = [str(c.request.url) for c in wire.routes["list"].calls]
    assert urls == [
        f"{BASE_URL}/phoneNumbers?api-version={API_VERSION}&top=100",
        f"{BASE_URL}/phoneNumbers?skip=1&top=1&api-version={API_VERSION}",
        f"{BASE_URL}/phoneNumbers?skip=2&top=1&api-version={API_VERSION}",
    ]


async def test_get_percent_encodes_the_plus_and_reads_the_monthly_cost(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    account.own(US_TOLLFREE)
    owned = await azure.get(US_TOLLFREE.e164)
    assert owned is not None
    assert owned.monthly == Money(amount=Decimal("2.00"), currency="USD")
    assert owned.type is NumberType.tollfree
    assert owned.forward_to is None
    assert owned.details["Azure capabilities"] == "calling inbound+outbound · SMS inbound+outbound"
    assert wire.routes["number"].calls.last.request.url.raw_path.startswith(b"/phoneNumbers/%2B18885550100?")


async def test_a_read_timeout_on_get_is_unavailable(azure: AzureProvider, router: respx.MockRouter) -> None:
    router.get(path__regex=r"^/phoneNumbers/").mock(side_effect=httpx.ConnectTimeout("slow"))
    with pytest.raises(ProviderUnavailable):
        await azure.get(london(1))
