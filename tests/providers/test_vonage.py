"""Vonage: the provider contract on Vonage's wire format, plus what only Vonage does."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, ClassVar

import httpx
import pytest
import respx
from redis.asyncio import Redis

from bot.config import Settings
from bot.errors import OutcomeUnknown, ProviderAuthError, ProviderRefused, ProviderUnavailable
from bot.models import Feature, Money, NumberType, Offer, SearchQuery
from bot.providers.base import Order
from bot.providers.registry import PROVIDERS, build_providers
from bot.providers.vonage import VonageProvider
from tests.conftest import make_settings
from tests.fakes import Sleeps, StaticProgress
from tests.providers.contract import Account, Listing, ProviderContract, london
from tests.providers.vonage_wire import (
    API_KEY,
    API_SECRET,
    BASE_URL,
    OK,
    VonageWire,
    basic_auth,
    form_of,
)


class TestVonageContract(ProviderContract):
    label = "Vonage"
    base_url = BASE_URL
    secrets = (API_SECRET,)
    currency = "EUR"
    page_size = 100
    operations: ClassVar[dict[str, tuple[str, str]]] = {
        "search": ("GET", "/number/search"),
        "account": ("GET", "/account/numbers"),
        "buy": ("POST", "/number/buy"),
        "forward": ("POST", "/number/update"),
        "release": ("POST", "/number/cancel"),
    }

    def make_provider(self, http: httpx.AsyncClient, redis: Redis, sleep: Sleeps) -> VonageProvider:
        return VonageProvider(http=http, key=API_KEY, secret=API_SECRET, base_url=BASE_URL, sleep=sleep)

    # How Vonage answers ------------------------------------------------------------------

    def mock_search(self, router: respx.MockRouter, query: SearchQuery, listings: list[Listing]) -> None:
        VonageWire(router, Account()).mock_search(listings)

    def mock_account(self, router: respx.MockRouter, account: Account) -> None:
        VonageWire(router, account).mock_account()

    def mock_buy_ok(self, router: respx.MockRouter, account: Account, listing: Listing) -> None:
        VonageWire(router, account).mock_buy(listing)

    def mock_buy_refused(self, router: respx.MockRouter, account: Account, listing: Listing, reason: str) -> None:
        VonageWire(router, account).mock_buy_refused(reason)

    def mock_buy_lost(self, router: respx.MockRouter, account: Account, listing: Listing, *, happened: bool) -> None:
        VonageWire(router, account).mock_buy_lost(listing, happened=happened)

    def mock_forward(self, router: respx.MockRouter, account: Account) -> None:
        VonageWire(router, account).mock_update()

    def mock_release(self, router: respx.MockRouter, account: Account) -> None:
        VonageWire(router, account).mock_cancel()

    def mock_auth_failure(self, router: respx.MockRouter) -> None:
        VonageWire(router, Account()).mock_auth_failure()

    def mock_server_error(self, router: respx.MockRouter, status: int) -> respx.Route:
        return router.get("/account/numbers").mock(return_value=httpx.Response(status, text="upstream trouble"))

    def mock_timeout(self, router: respx.MockRouter) -> respx.Route:
        return router.get("/account/numbers").mock(side_effect=httpx.ReadTimeout("slow"))

    def mock_rate_limited_then_ok(self, router: respx.MockRouter, account: Account, retry_after: int) -> respx.Route:
        wire = VonageWire(router, account)
        limited = [httpx.Response(429, headers={"Retry-After": str(retry_after)}, text="Too Many Requests")]

        def answer(request: httpx.Request) -> httpx.Response:
            return limited.pop() if limited else wire.account_page(request)

        return router.get("/account/numbers").mock(side_effect=answer)

    # What Vonage must have received ------------------------------------------------------

    def assert_authenticated(self, request: httpx.Request) -> None:
        assert request.headers.get("authorization") == basic_auth(), "Basic auth on every request"
        assert API_SECRET not in str(request.url)
        assert API_SECRET.encode() not in request.content, "the secret never travels in a form"

    def assert_search_request(self, request: httpx.Request, query: SearchQuery) -> None:
        assert request.method == "GET"
        assert request.url.path == "/number/search"
        assert dict(request.url.params) == {
            "country": "GB",
            "type": "landline",
            "pattern": "4420",
            "search_pattern": "0",
            "features": "VOICE",
            "size": "10",
            "index": "1",
        }

    def assert_buy_request(self, request: httpx.Request, offer: Offer) -> None:
        assert (request.method, request.url.path) == ("POST", "/number/buy")
        assert form_of(request) == {"country": offer.country, "msisdn": offer.e164.removeprefix("+")}

    def assert_forward_request(self, request: httpx.Request, e164: str, destination: str) -> None:
        assert (request.method, request.url.path) == ("POST", "/number/update")
        assert form_of(request) == {
            "country": "GB",
            "msisdn": e164.removeprefix("+"),
            "voiceCallbackType": "tel",
            "voiceCallbackValue": destination.removeprefix("+"),
        }

    def assert_release_request(self, request: httpx.Request, e164: str) -> None:
        assert (request.method, request.url.path) == ("POST", "/number/cancel")
        assert form_of(request) == {"country": "GB", "msisdn": e164.removeprefix("+")}

    def assert_pages_fetched(self, requests: list[httpx.Request], total: int) -> None:
        pages = -(-total // 100)
        assert sorted(int(r.url.params["index"]) for r in requests) == list(range(1, pages + 1))
        assert {r.url.params["size"] for r in requests} == {"100"}


# -- Vonage only ----------------------------------------------------------------------------


@pytest.fixture
def account() -> Account:
    return Account()


@pytest.fixture
def router() -> Any:
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
def wire(router: respx.MockRouter, account: Account) -> VonageWire:
    return VonageWire(router, account)


@pytest.fixture
async def vonage() -> Any:
    async with httpx.AsyncClient(timeout=None) as http:
        yield VonageProvider(http=http, key=API_KEY, secret=API_SECRET, base_url=BASE_URL, sleep=Sleeps())


def order_for(listing: Listing) -> Order:
    offer = Offer(provider="vonage", e164=listing.e164, country=listing.country, type=listing.type)
    return Order(op_id="op-1", offer=offer)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (SearchQuery(country="GB", type=NumberType.local), {"type": "landline"}),
        (SearchQuery(country="GB", type=NumberType.mobile), {"type": "mobile-lvn"}),
        (SearchQuery(country="US", type=NumberType.tollfree), {"type": "landline-toll-free"}),
        (SearchQuery(country="US", pattern="415"), {"pattern": "1415", "search_pattern": "0"}),
        (SearchQuery(country="DE", pattern="30"), {"pattern": "4930", "search_pattern": "0"}),
        (SearchQuery(country="US", features=frozenset(Feature)), {"features": "MMS,SMS,VOICE"}),
        (SearchQuery(country="GB", features=frozenset({Feature.sms})), {"features": "SMS"}),
        (SearchQuery(country="GB", limit=20), {"size": "20"}),
    ],
)
async def test_search_maps_type_pattern_and_features(
    vonage: VonageProvider, wire: VonageWire, query: SearchQuery, expected: dict[str, str]
) -> None:
    route = wire.mock_search([])
    assert await vonage.search(query) == []
    params = dict(route.calls.last.request.url.params)
    assert params["country"] == query.country
    assert params["index"] == "1"
    for key, value in expected.items():
        assert params[key] == value
    if query.pattern is None:
        assert "pattern" not in params
        assert "search_pattern" not in params
    if query.type is None:
        assert "type" not in params


async def test_search_reads_vonage_numbers_exactly(vonage: VonageProvider, router: respx.MockRouter) -> None:
    body = {
        "count": 3,
        "numbers": [
            {"country": "US", "msisdn": "14155550100", "type": "mobile-lvn", "cost": "0.8500", "features": ["SMS"]},
            {"country": "US", "msisdn": "14155550101", "type": "landline-toll-free", "cost": "n/a", "features": []},
            {"country": "US", "msisdn": "not-a-number", "type": "landline", "cost": "1.00", "features": ["VOICE"]},
        ],
    }
    router.get("/number/search").mock(return_value=httpx.Response(200, json=body))
    first, second = await vonage.search(SearchQuery(country="US"))
    assert first.e164 == "+14155550100"
    assert first.type is NumberType.mobile
    assert first.features == frozenset({Feature.sms})
    assert first.monthly == Money(amount=Decimal("0.8500"), currency="EUR")
    assert first.setup is None
    assert second.type is NumberType.tollfree
    assert second.monthly is None, "an unreadable cost is unknown, not 0"


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


# -- settings and registry -----------------------------------------------------------------


def test_registered_under_its_name() -> None:
    assert PROVIDERS["vonage"] is VonageProvider


async def test_enabled_only_with_both_credentials(redis: Redis) -> None:
    async with httpx.AsyncClient() as http:
        assert VonageProvider.from_settings(make_settings(), http=http, redis=redis) is None
        settings: Settings = make_settings(vonage_api_key=API_KEY, vonage_api_secret=API_SECRET, sandbox=False)
        providers = build_providers(settings, http=http, redis=redis)
        assert list(providers) == ["vonage"]


async def test_base_url_comes_from_the_settings(redis: Redis) -> None:
    settings = make_settings(
        vonage_api_key=API_KEY, vonage_api_secret=API_SECRET, vonage_base_url="https://vonage.proxy.example/"
    )
    with respx.mock(base_url="https://vonage.proxy.example", assert_all_called=False) as router:
        route = router.get("/account/numbers").mock(return_value=httpx.Response(200, json={"count": 0}))
        async with httpx.AsyncClient() as http:
            provider = VonageProvider.from_settings(settings, http=http, redis=redis)
            assert provider is not None
            assert await provider.list() == []
        assert route.call_count == 1
