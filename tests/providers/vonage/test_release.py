"""Vonage release: a refusal keeps the number, a lost answer is left for the flow to check."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.errors import OutcomeUnknown, ProviderRefused
from bot.providers.vonage import VonageProvider
from tests.fakes import StaticProgress
from tests.providers.contract import Account, Listing, london
from tests.providers.vonage_wire import VonageWire


async def test_a_release_vonage_refuses_is_kept_with_its_reason(
    vonage: VonageProvider, router: respx.MockRouter, wire: VonageWire, account: Account
) -> None:
    account.own(Listing(e164=london(14)))
    wire.mock_account()
    body = {"error-code": "420", "error-code-label": "number is locked"}
    router.post("/number/cancel").mock(return_value=httpx.Response(420, json=body))
    with pytest.raises(ProviderRefused, match=r"could not release .*number is locked"):
        await vonage.release(london(14), StaticProgress())


async def test_a_lost_release_answer_is_left_for_the_flow_to_check(
    vonage: VonageProvider, router: respx.MockRouter, wire: VonageWire, account: Account
) -> None:
    account.own(Listing(e164=london(15)))
    wire.mock_account()

    def cancelled_silently(request: httpx.Request) -> httpx.Response:
        account.drop(london(15))
        raise httpx.ReadTimeout("no answer", request=request)

    route = router.post("/number/cancel").mock(side_effect=cancelled_silently)
    with pytest.raises(OutcomeUnknown):
        await vonage.release(london(15), StaticProgress())
    assert await vonage.check_release(london(15), StaticProgress()) is True
    assert route.call_count == 1
