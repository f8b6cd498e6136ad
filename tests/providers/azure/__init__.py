"""Azure adapter tests, one module per operation; what they share besides fixtures is here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from bot.models import NumberType, SearchQuery
from bot.providers.azure import AzureProvider
from bot.providers.base import Order
from tests.fakes import Sleeps
from tests.providers.azure_wire import ACCESS_KEY, BASE_URL, AzureWire
from tests.providers.contract import Listing

__all__ = ["US_TOLLFREE", "make_azure", "reserved"]

US_TOLLFREE = Listing(e164="+18885550100", country="US", type=NumberType.tollfree, monthly=Decimal("2.00"))


def make_azure(
    http: httpx.AsyncClient, *, endpoint: str = BASE_URL, sleeps: Sleeps | None = None, **polling: Any
) -> AzureProvider:
    """The adapter against the respx Azure at `endpoint`; its waits are recorded in `sleeps`."""
    return AzureProvider(
        http=http, endpoint=endpoint, access_key=ACCESS_KEY, sleep=Sleeps() if sleeps is None else sleeps, **polling
    )


async def reserved(azure: AzureProvider, wire: AzureWire, listing: Listing = US_TOLLFREE) -> Order:
    """An order for `listing` as the user confirms it: searched, then held by a reservation."""
    wire.offer([listing])
    (offer,) = await azure.search(SearchQuery(country=listing.country, type=listing.type))
    return Order(op_id="op-1", offer=offer, hold=await azure.hold(offer))
