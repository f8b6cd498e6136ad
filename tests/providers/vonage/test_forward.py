"""Vonage forward: a lost answer is checked, a refusal carries Vonage's reason."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.errors import OutcomeUnknown, ProviderRefused
from bot.providers.vonage import VonageProvider
from tests.providers.contract import Account, Listing, london
from tests.providers.vonage_wire import VonageWire


@pytest.mark.parametrize("visible", [True, False])
async def test_a_lost_forward_answer_is_checked(
    vonage: VonageProvider, router: respx.MockRouter, wire: VonageWire, account: Account, visible: bool
) -> None:
    account.own(Listing(e164=london(16)))
    wire.mock_account()

    def lost(request: httpx.Request) -> httpx.Response:
        if visible:
            account.forward(london(16), "+447400123456")
        raise httpx.ReadTimeout("no answer", request=request)

    router.post("/number/update").mock(side_effect=lost)
    if visible:
        await vonage.forward(london(16), "+447400123456")
    else:
        with pytest.raises(OutcomeUnknown, match="run the command again"):
            await vonage.forward(london(16), "+447400123456")


async def test_a_forward_vonage_refuses_carries_its_reason(
    vonage: VonageProvider, router: respx.MockRouter, wire: VonageWire, account: Account
) -> None:
    account.own(Listing(e164=london(17)))
    wire.mock_account()
    body = {"error-code": "420", "error-code-label": "voice callback value invalid"}
    router.post("/number/update").mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(ProviderRefused, match=r"Vonage: could not forward .*voice callback value invalid"):
        await vonage.forward(london(17), "+447400123456")
