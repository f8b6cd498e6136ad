"""Kazoo: the provider contract on Kazoo's crossbar wire."""

from __future__ import annotations

from typing import ClassVar

import httpx
import respx
from redis.asyncio import Redis

from bot.models import Feature, NumberType, Offer, SearchQuery
from bot.providers.kazoo import KazooProvider
from tests.fakes import Sleeps
from tests.providers.contract import Account, Listing, ProviderContract, london
from tests.providers.kazoo import A, make_kazoo
from tests.providers.kazoo_wire import API_KEY, BASE_URL, TOKEN, KazooWire, error, forward_flow, json_of


class TestKazooContract(ProviderContract):
    label = "Kazoo"
    base_url = BASE_URL
    secrets = (API_KEY, TOKEN)
    currency = "USD"
    page_size = 100
    search_features = frozenset({Feature.voice})
    # Kazoo's prefix is 3 to 10 national digits: London's 207 (its numbers are +44 207 946 …).
    query = SearchQuery(country="GB", pattern="207", type=NumberType.local, features=frozenset({Feature.voice}))
    operations: ClassVar[dict[str, tuple[str, str]]] = {
        "search": ("GET", "/v2/phone_numbers"),
        "account": ("GET", rf"{A}/phone_numbers(/\+\d+)?"),
        "buy": ("PUT", rf"{A}/phone_numbers/\+\d+/activate"),
        "forward": ("PUT", rf"{A}/callflows"),
        "release": ("DELETE", rf"{A}/phone_numbers/\+\d+"),
    }

    def make_provider(self, http: httpx.AsyncClient, redis: Redis, sleep: Sleeps) -> KazooProvider:
        return make_kazoo(http, redis, sleep)  # no KAZOO_ACCOUNT_ID: the account comes from api_auth

    # How Kazoo answers ---------------------------------------------------------------------

    def mock_session(self, router: respx.MockRouter) -> None:
        KazooWire(router, Account()).mock_auth()

    def mock_search(self, router: respx.MockRouter, query: SearchQuery, listings: list[Listing]) -> None:
        KazooWire(router, Account()).mock_search(listings)

    def mock_account(self, router: respx.MockRouter, account: Account) -> None:
        KazooWire(router, account).mock_account()

    def mock_buy_ok(self, router: respx.MockRouter, account: Account, listing: Listing) -> None:
        KazooWire(router, account).mock_buy(listing)

    def mock_buy_refused(self, router: respx.MockRouter, account: Account, listing: Listing, reason: str) -> None:
        KazooWire(router, account).mock_buy_refused(reason)

    def mock_buy_lost(self, router: respx.MockRouter, account: Account, listing: Listing, *, happened: bool) -> None:
        KazooWire(router, account).mock_buy_lost(listing, happened=happened)

    def mock_forward(self, router: respx.MockRouter, account: Account) -> None:
        KazooWire(router, account).mock_forward()

    def mock_release(self, router: respx.MockRouter, account: Account) -> None:
        KazooWire(router, account).mock_release()

    def mock_auth_failure(self, router: respx.MockRouter) -> None:
        KazooWire(router, Account()).mock_auth_failure()

    def mock_server_error(self, router: respx.MockRouter, status: int) -> respx.Route:
        path = rf"^{A}/phone_numbers(/.*)?$"
        return router.route(method="GET", path__regex=path).mock(return_value=httpx.Response(status, text="trouble"))

    def mock_timeout(self, router: respx.MockRouter) -> respx.Route:
        path = rf"^{A}/phone_numbers(/.*)?$"
        return router.route(method="GET", path__regex=path).mock(side_effect=httpx.ReadTimeout("slow"))

    def mock_rate_limited_then_ok(self, router: respx.MockRouter, account: Account, retry_after: int) -> respx.Route:
        wire = KazooWire(router, account)
        limited = [error(429, "too_many_requests", {"message": "slow down"})]
        limited[0].headers["Retry-After"] = str(retry_after)

        def answer(request: httpx.Request) -> httpx.Response:
            return limited.pop() if limited else wire.numbers_page(request)

        wire.mock_account()  # then the listing route is given the 429 first (respx replaces a same route)
        return router.route(method="GET", path__regex=rf"^{A}/phone_numbers$").mock(side_effect=answer)

    # What Kazoo must have received -----------------------------------------------------------

    def assert_authenticated(self, request: httpx.Request) -> None:
        assert TOKEN not in str(request.url)
        assert API_KEY not in str(request.url)
        if request.url.path == "/v2/api_auth":
            assert request.method == "PUT"
            assert json_of(request) == {"data": {"api_key": API_KEY}}
            assert "x-auth-token" not in request.headers
        else:
            assert request.headers.get("x-auth-token") == TOKEN, "the token on every request"
            assert API_KEY.encode() not in request.content, "the key travels only to api_auth"

    def assert_search_request(self, request: httpx.Request, query: SearchQuery) -> None:
        assert (request.method, request.url.path) == ("GET", "/v2/phone_numbers")
        assert dict(request.url.params) == {"prefix": "207", "quantity": "10", "offset": "0", "country": "GB"}

    def assert_buy_request(self, request: httpx.Request, offer: Offer) -> None:
        encoded = offer.e164.replace("+", "%2B")
        assert request.url.raw_path == f"{A}/phone_numbers/{encoded}/activate".encode()
        assert json_of(request) == {"data": {}}, "charges are never accepted unasked"

    def assert_forward_request(self, request: httpx.Request, e164: str, destination: str) -> None:
        assert request.url.path == f"{A}/callflows"
        assert json_of(request) == {
            "data": {"name": f"numberbot: forward {e164}", "numbers": [e164], "flow": forward_flow(destination)}
        }

    def assert_release_request(self, request: httpx.Request, e164: str) -> None:
        assert request.url.raw_path == f"{A}/phone_numbers/{e164.replace('+', '%2B')}".encode()
        assert request.content == b""

    def assert_pages_fetched(self, requests: list[httpx.Request], total: int) -> None:
        pages = [r for r in requests if r.url.path == f"{A}/phone_numbers"]
        assert len(pages) == -(-total // 100)
        assert {r.url.params["page_size"] for r in pages} == {"100"}
        assert "start_key" not in pages[0].url.params
        starts = [r.url.params["start_key"] for r in pages[1:]]
        assert starts == [london(100 + 100 * i) for i in range(1, len(pages))], "next_start_key is followed"
