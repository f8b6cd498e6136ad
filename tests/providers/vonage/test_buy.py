"""Vonage buy: error bodies with HTTP 200, and failed or lost answers settled by the account."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.errors import OutcomeUnknown, ProviderAuthError, ProviderRefused, ProviderUnavailable
from bot.providers.vonage import VonageProvider
from tests.fakes import StaticProgress
from tests.providers.contract import Account, Listing, london
from tests.providers.vonage import order_for
from tests.providers.vonage_wire import OK, VonageWire, basic_auth, form_of


async def test_an_error_body_with_http_200_is_a_failed_buy(
    vonage: VonageProvider, router: respx.MockRouter, wire: VonageWire
) -> None:
    route = wire.mock_buy_refused("method failed", status=200)
    wire.mock_account()
    with pytest.raises(ProviderRefused, match="method failed") as refused:
        await vonage.buy(order_for(Listing(e164=london(10))), StaticProgress())
    assert "Vonage" in refused.value.user_message
    assert "lacks credit" in refused.value.user_message, "Vonage's opaque label gets a hint"
    assert route.call_count == 1


async def test_an_auth_error_body_with_http_200_is_an_auth_error(
    vonage: VonageProvider, router: respx.MockRouter
) -> None:
    body = {"error-code": "401", "error-code-label": "authentication failed"}
    router.route().mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(ProviderAuthError, match="Vonage rejected the credentials"):
        await vonage.list()
    with pytest.raises(ProviderAuthError):
        await vonage.buy(order_for(Listing(e164=london(10))), StaticProgress())


async def test_a_buy_answered_with_a_server_error_is_looked_up(
    vonage: VonageProvider, router: respx.MockRouter, wire: VonageWire, account: Account
) -> None:
    listing = Listing(e164=london(11))

    def bought_then_failed(request: httpx.Request) -> httpx.Response:
        account.own(listing)
        return httpx.Response(503, text="busy")

    route = router.post("/number/buy").mock(side_effect=bought_then_failed)
    wire.mock_account()
    owned = await vonage.buy(order_for(listing), StaticProgress())
    assert owned.e164 == listing.e164
    assert route.call_count == 1


async def test_a_lost_buy_whose_lookup_fails_stays_unknown(
    vonage: VonageProvider, router: respx.MockRouter, wire: VonageWire
) -> None:
    listing = Listing(e164=london(12))
    wire.mock_buy_lost(listing, happened=True)
    router.get("/account/numbers").mock(return_value=httpx.Response(503))
    with pytest.raises(OutcomeUnknown, match="could not be checked"):
        await vonage.buy(order_for(listing), StaticProgress())


async def test_a_rate_limited_buy_is_not_looked_up_or_resent(vonage: VonageProvider, router: respx.MockRouter) -> None:
    route = router.post("/number/buy").mock(return_value=httpx.Response(429, headers={"Retry-After": "0"}))
    with pytest.raises(ProviderUnavailable, match="rate limited"):
        await vonage.buy(order_for(Listing(e164=london(13))), StaticProgress())
    assert route.call_count == 1
    assert len(router.calls) == 1


async def test_writes_are_form_encoded_with_basic_auth(
    vonage: VonageProvider, router: respx.MockRouter, wire: VonageWire
) -> None:
    route = wire.mock_buy()
    await vonage.buy(order_for(Listing(e164=london(18))), StaticProgress())
    request = route.calls.last.request
    assert request.headers["authorization"] == basic_auth()
    assert form_of(request) == {"country": "GB", "msisdn": london(18).removeprefix("+")}
    assert request.url.query == b""
    assert OK["error-code"] == "200"
