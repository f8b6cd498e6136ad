"""Flowroute buy: the 201 document, and failed or lost answers settled by the account."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
import respx

from bot.errors import OutcomeUnknown, ProviderAuthError, ProviderRefused, ProviderUnavailable
from bot.models import Money
from bot.providers.flowroute import FlowrouteProvider
from tests.fakes import StaticProgress
from tests.providers.contract import Listing
from tests.providers.flowroute import order_for
from tests.providers.flowroute_wire import NUMBER, FlowrouteAccount, FlowrouteWire, answer, error, seattle


async def test_a_purchase_returns_the_number_from_the_201_document(
    flowroute: FlowrouteProvider, wire: FlowrouteWire
) -> None:
    listing = Listing(e164=seattle(10), country="US", monthly=Decimal("1.25"), setup=Decimal("1.00"))
    route = wire.mock_buy(listing)
    owned = await flowroute.buy(order_for(seattle(10), None), StaticProgress())
    assert owned.e164 == seattle(10)
    assert owned.monthly == Money(amount=Decimal("1.25"), currency="USD")
    assert owned.details["Primary route"] == "registered SIP device (sip-reg)"
    assert route.call_count == 1


async def test_a_purchase_answered_with_a_server_error_is_looked_up(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    listing = Listing(e164=seattle(11), country="US")

    def bought_then_failed(request: httpx.Request) -> httpx.Response:
        account.own(listing)
        return httpx.Response(503, text="busy")

    route = router.post(path__regex=NUMBER).mock(side_effect=bought_then_failed)
    wire.mock_account()
    owned = await flowroute.buy(order_for(seattle(11)), StaticProgress())
    assert owned.e164 == seattle(11)
    assert owned.monthly == Money(amount=Decimal("1.25"), currency="USD"), "the quoted price is kept"
    assert route.call_count == 1


async def test_a_server_error_on_a_purchase_not_yet_visible_stays_unknown(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire
) -> None:
    router.post(path__regex=NUMBER).mock(return_value=error(502, "Bad Gateway"))
    wire.mock_account()
    with pytest.raises(OutcomeUnknown, match="does not show it yet"):
        await flowroute.buy(order_for(seattle(12)), StaticProgress())


async def test_a_lost_purchase_whose_lookup_fails_stays_unknown(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire
) -> None:
    wire.mock_buy_lost(Listing(e164=seattle(13), country="US"), happened=True)
    router.get(path__regex=NUMBER).mock(return_value=httpx.Response(503))
    with pytest.raises(OutcomeUnknown, match="could not be checked"):
        await flowroute.buy(order_for(seattle(13)), StaticProgress())


@pytest.mark.parametrize(
    ("status", "raised", "said"),
    [
        (429, ProviderUnavailable, "rate limited"),
        (401, ProviderAuthError, "Flowroute rejected the credentials"),
        (403, ProviderAuthError, r"Flowroute denied access \(ActionNotAuthorizedError\)"),
    ],
)
async def test_a_purchase_not_acted_on_is_neither_looked_up_nor_resent(
    flowroute: FlowrouteProvider, router: respx.MockRouter, status: int, raised: type[Exception], said: str
) -> None:
    body = {"errors": [{"status": status, "detail": "", "title": "ActionNotAuthorizedError"}]}
    route = router.post(path__regex=NUMBER).mock(return_value=answer(status, body))
    with pytest.raises(raised, match=said):
        await flowroute.buy(order_for(seattle(14)), StaticProgress())
    assert route.call_count == 1
    assert len(router.calls) == 1


async def test_flowroute_errors_become_one_safe_line(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire
) -> None:
    body = {
        "errors": [
            {"status": 422, "title": "Unprocessable Entity", "detail": "Number\nis not available."},
            {"status": 422, "title": "Insufficient funds", "detail": ""},
            {"status": 422, "detail": "See https://support.flowroute.com/billing for details"},
        ]
    }
    router.post(path__regex=NUMBER).mock(return_value=answer(422, body))
    wire.mock_account()
    with pytest.raises(ProviderRefused) as refused:
        await flowroute.buy(order_for(seattle(15)), StaticProgress())
    message = refused.value.user_message
    assert message.startswith(f"Flowroute: could not buy {seattle(15)}: Number is not available.; Insufficient funds;")
    assert "://" not in message
    assert "nothing was bought" in message
