"""Vonage: the provider contract on Vonage's wire format."""

from __future__ import annotations

from typing import ClassVar

import httpx
import respx
from redis.asyncio import Redis

from bot.models import Offer, SearchQuery
from bot.providers.vonage import VonageProvider
from tests.fakes import Sleeps
from tests.providers.contract import Account, Listing, ProviderContract
from tests.providers.vonage import make_vonage
from tests.providers.vonage_wire import API_SECRET, BASE_URL, VonageWire, basic_auth, form_of


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
        return make_vonage(http, sleep)

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
