"""Vonage forward: a lost answer is checked, a refusal carries Vonage's reason."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.errors import OutcomeUnknown, ProviderRefused
from bot.providers.vonage import VonageProvider
from tests.providers.contract import Account, Listing, london
from tests.providers.vonage_wire import VonageWire, form_of


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


async def test_forward_sends_back_what_update_would_clear(
    vonage: VonageProvider, wire: VonageWire, account: Account
) -> None:
    account.own(Listing(e164=london(18)))
    wire.settings[london(18)] = {"app_id": "app-1", "moHttpUrl": "https://sms.example.com/in"}
    wire.mock_account()
    update = wire.mock_update()
    await vonage.forward(london(18), "+447400123456")
    assert form_of(update.calls.last.request) == {
        "country": "GB",
        "msisdn": london(18).removeprefix("+"),
        "app_id": "app-1",
        "moHttpUrl": "https://sms.example.com/in",
        "voiceCallbackType": "tel",
        "voiceCallbackValue": "447400123456",
    }
    assert wire.settings[london(18)] == {"app_id": "app-1", "moHttpUrl": "https://sms.example.com/in"}
    owned = await vonage.get(london(18))
    assert owned is not None
    assert owned.forward_to == "+447400123456"


async def test_a_half_messages_callback_is_not_sent(vonage: VonageProvider, wire: VonageWire, account: Account) -> None:
    """Vonage wants messagesCallbackType and Value together: a lone one is not sent back."""
    account.own(Listing(e164=london(19)))
    wire.settings[london(19)] = {"messagesCallbackValue": "app-2"}
    wire.mock_account()
    update = wire.mock_update()
    await vonage.forward(london(19), "+447400123456")
    assert "messagesCallbackValue" not in form_of(update.calls.last.request)


async def test_the_mock_clears_what_an_update_leaves_out(wire: VonageWire, account: Account) -> None:
    account.own(Listing(e164=london(20)))
    wire.settings[london(20)] = {"app_id": "app-3", "moHttpUrl": "https://sms.example.com/in"}
    wire.mock_update()
    form = {
        "country": "GB",
        "msisdn": london(20).removeprefix("+"),
        "voiceCallbackType": "tel",
        "voiceCallbackValue": "447400123456",
    }
    async with httpx.AsyncClient(base_url="https://rest.nexmo.com") as http:
        assert (await http.post("/number/update", data=form)).status_code == 200
        lone = await http.post("/number/update", data={**form, "voiceCallbackValue": ""})
    assert wire.settings[london(20)] == {}, "the SMS webhook and the application link are gone"
    assert lone.status_code == 420
