"""Vonage list and get: paging (concurrent after the first page) and each number read exactly."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

from bot.errors import ProviderAuthError
from bot.models import SearchQuery
from bot.providers.vonage import VonageProvider
from tests.providers.contract import Account, Listing, london
from tests.providers.vonage_wire import VonageWire


async def test_a_body_without_numbers_is_an_empty_page(vonage: VonageProvider, router: respx.MockRouter) -> None:
    router.get("/number/search").mock(return_value=httpx.Response(200, json={"count": 0}))
    router.get("/account/numbers").mock(return_value=httpx.Response(200, json={"count": 0}))
    assert await vonage.search(SearchQuery(country="GB")) == []
    assert await vonage.list() == []
    assert await vonage.get(london(1)) is None


async def test_further_pages_are_fetched_concurrently(
    vonage: VonageProvider, router: respx.MockRouter, account: Account
) -> None:
    account.own(*[Listing(e164=london(i)) for i in range(350)])
    wire = VonageWire(router, account)
    in_flight, peak, order = 0, 0, []

    async def page(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        order.append(int(request.url.params["index"]))
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return wire.account_page(request)

    router.get("/account/numbers").mock(side_effect=page)
    numbers = await vonage.list()
    assert len(numbers) == 350
    assert order[0] == 1, "the first page says how many there are"
    assert sorted(order) == [1, 2, 3, 4]
    assert peak == 3, "pages 2-4 are fetched at once"


async def test_a_failing_later_page_fails_the_list_after_all_pages_settle(
    vonage: VonageProvider, router: respx.MockRouter, account: Account
) -> None:
    account.own(*[Listing(e164=london(i)) for i in range(350)])
    wire = VonageWire(router, account)
    answered: list[int] = []

    async def page(request: httpx.Request) -> httpx.Response:
        index = int(request.url.params["index"])
        if index == 2:
            return httpx.Response(401, json={"error-code": "401", "error-code-label": "authentication failed"})
        await asyncio.sleep(0.01)
        answered.append(index)
        return wire.account_page(request)

    router.get("/account/numbers").mock(side_effect=page)
    with pytest.raises(ProviderAuthError):
        await vonage.list()
    assert sorted(answered) == [1, 3, 4]


async def test_get_matches_the_exact_msisdn(vonage: VonageProvider, router: respx.MockRouter) -> None:
    body = {
        "count": 2,
        "numbers": [
            {"country": "GB", "msisdn": "4420794610009", "type": "landline", "features": ["VOICE"]},
            {
                "country": "GB",
                "msisdn": "442079461000",
                "type": "landline",
                "features": ["VOICE"],
                "voiceCallbackType": "sip",
                "voiceCallbackValue": "desk@pbx.example",
                "app_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
            },
        ],
    }
    route = router.get("/account/numbers").mock(return_value=httpx.Response(200, json=body))
    owned = await vonage.get("+442079461000")
    assert owned is not None
    assert owned.e164 == "+442079461000"
    assert owned.forward_to == "sip:desk@pbx.example"
    assert owned.details["Vonage application"] == "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
    params = route.calls.last.request.url.params
    assert (params["pattern"], params["search_pattern"]) == ("442079461000", "0")


async def test_an_application_handling_calls_is_not_shown_as_forwarding(
    vonage: VonageProvider, router: respx.MockRouter
) -> None:
    raw = {"country": "GB", "msisdn": "442079461000", "voiceCallbackType": "app", "voiceCallbackValue": "abc"}
    router.get("/account/numbers").mock(return_value=httpx.Response(200, json={"count": 1, "numbers": [raw]}))
    owned = await vonage.get("+442079461000")
    assert owned is not None
    assert owned.forward_to is None
