"""Azure reservations: Buy holds exactly the chosen number, Cancel gives it back."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import respx

from bot.errors import ProviderRefused
from bot.models import NumberType, Offer, SearchQuery
from bot.providers.azure import AzureProvider
from bot.providers.base import Order
from tests.fakes import StaticProgress
from tests.providers.azure import US_TOLLFREE, reserved
from tests.providers.azure_wire import AzureWire, body_of


async def test_buy_reserves_exactly_the_chosen_number(azure: AzureProvider, wire: AzureWire) -> None:
    order = await reserved(azure, wire)
    hold = order.hold
    assert hold is not None
    request = wire.routes["reserve"].calls.last.request
    rid = request.url.path.rsplit("/", 1)[1]
    assert hold.ref["reservation"] == rid
    assert request.method == "PATCH"
    assert request.headers["content-type"] == "application/merge-patch+json"
    assert body_of(request) == {
        "phoneNumbers": {
            "18885550100": {
                "countryCode": "US",
                "phoneNumberType": "tollFree",
                "assignmentType": "application",
                "capabilities": {"calling": "inbound+outbound", "sms": "inbound+outbound"},
            }
        }
    }
    assert hold.expires_at is not None
    assert hold.expires_at > datetime.now(UTC)
    assert hold.note is None


async def test_a_number_azure_will_not_reserve_is_refused_and_the_reservation_dropped(
    azure: AzureProvider, wire: AzureWire
) -> None:
    wire.offer([])  # taken meanwhile: Azure answers 207 with the number in error
    offer = Offer(provider="azure", e164=US_TOLLFREE.e164, country="US", ref={"id": "18885550100"})
    with pytest.raises(ProviderRefused, match=r"could not reserve \+18885550100: .*Failed to add the number"):
        await azure.hold(offer)
    assert wire.routes["unreserve"].call_count == 1
    assert wire.reservations == {}


async def test_cancel_deletes_the_reservation(azure: AzureProvider, wire: AzureWire) -> None:
    order = await reserved(azure, wire)
    assert order.hold is not None
    await azure.unhold(order.hold)
    assert wire.reservations == {}
    await azure.unhold(order.hold)  # already gone: fine


async def test_a_resale_agreement_is_shown_and_given_only_when_azure_asks(
    azure: AzureProvider, router: respx.MockRouter, wire: AzureWire
) -> None:
    wire.offer([US_TOLLFREE])
    raw = wire.available(US_TOLLFREE) | {"isAgreementToNotResellRequired": True}
    wire.routes["browse"].mock(return_value=httpx.Response(200, json={"phoneNumbers": [raw]}))
    (offer,) = await azure.search(SearchQuery(country="US", type=NumberType.tollfree))
    hold = await azure.hold(offer)
    assert hold.note is not None
    assert "not to resell" in hold.note
    await azure.buy(Order(op_id="op-1", offer=offer, hold=hold), StaticProgress())
    assert body_of(wire.routes["purchase"].calls.last.request) == {"agreeToNotResell": True}
