"""Flowroute: the provider contract on Flowroute's wire format."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import httpx
import pytest
import respx
from redis.asyncio import Redis

from bot.models import Feature, NumberType, Offer, SearchQuery
from bot.providers.flowroute import FlowrouteProvider, route_alias
from tests.fakes import Sleeps
from tests.providers.contract import Listing, ProviderContract
from tests.providers.flowroute import DESTINATION, make_flowroute
from tests.providers.flowroute_wire import (
    BASE_URL,
    JSON_API,
    NUMBER,
    SECRET_KEY,
    FlowrouteAccount,
    FlowrouteWire,
    basic_auth,
    error,
    json_of,
    seattle,
)


class TestFlowrouteContract(ProviderContract):
    label = "Flowroute"
    base_url = BASE_URL
    secrets = (SECRET_KEY,)
    currency = "USD"
    page_size = 200
    operations: ClassVar[dict[str, tuple[str, str]]] = {
        "search": ("GET", r"/v2/numbers/available"),
        "account": ("GET", r"/v2/numbers(/\d{11})?"),  # listing pages and single-number documents
        "buy": ("POST", r"/v2/numbers/\d{11}"),
        "forward": ("PATCH", r"/v2/numbers/\d{11}/relationships/primary_route"),
        "release": ("DELETE", r"/v2/numbers/\d{11}"),
    }
    query: ClassVar[SearchQuery] = SearchQuery(
        country="US", pattern="206", type=NumberType.local, features=frozenset({Feature.voice}), limit=10
    )
    destination: ClassVar[str] = DESTINATION

    @pytest.fixture
    def account(self) -> FlowrouteAccount:
        return FlowrouteAccount()

    def make_provider(self, http: httpx.AsyncClient, redis: Redis, sleep: Sleeps) -> FlowrouteProvider:
        return make_flowroute(http, sleep)

    def number(self, i: int) -> str:
        return seattle(i)

    def listing(self, i: int, **fields: Any) -> Listing:
        # Flowroute sells North American numbers; its search says nothing of SMS, so offers are voice.
        fields.update(country="US", features=frozenset({Feature.voice}))
        fields.setdefault("setup", Decimal("1.00"))
        return Listing(e164=self.number(i), **fields)

    # How Flowroute answers ---------------------------------------------------------------

    def mock_search(self, router: respx.MockRouter, query: SearchQuery, listings: list[Listing]) -> None:
        FlowrouteWire(router).mock_search(listings)

    def mock_account(self, router: respx.MockRouter, account: Any) -> None:
        FlowrouteWire(router, account).mock_account()

    def mock_buy_ok(self, router: respx.MockRouter, account: Any, listing: Listing) -> None:
        FlowrouteWire(router, account).mock_buy(listing)

    def mock_buy_refused(self, router: respx.MockRouter, account: Any, listing: Listing, reason: str) -> None:
        FlowrouteWire(router, account).mock_buy_refused(reason)

    def mock_buy_lost(self, router: respx.MockRouter, account: Any, listing: Listing, *, happened: bool) -> None:
        FlowrouteWire(router, account).mock_buy_lost(listing, happened=happened)

    def mock_forward(self, router: respx.MockRouter, account: Any) -> None:
        self.routes_seen = account  # so the forward request's route id can be checked
        FlowrouteWire(router, account).mock_forward()

    def mock_release(self, router: respx.MockRouter, account: Any) -> None:
        FlowrouteWire(router, account).mock_release()

    def mock_auth_failure(self, router: respx.MockRouter) -> None:
        FlowrouteWire(router).mock_auth_failure()

    def mock_server_error(self, router: respx.MockRouter, status: int) -> respx.Route:
        return router.get(path__regex=r"^/v2/numbers(/\d+)?$").mock(return_value=httpx.Response(status, text="bad"))

    def mock_timeout(self, router: respx.MockRouter) -> respx.Route:
        return router.get(path__regex=r"^/v2/numbers(/\d+)?$").mock(side_effect=httpx.ReadTimeout("slow"))

    def mock_rate_limited_then_ok(self, router: respx.MockRouter, account: Any, retry_after: int) -> respx.Route:
        wire = FlowrouteWire(router, account)
        router.get(path__regex=NUMBER).mock(side_effect=wire.details)
        limited = [error(429, "Too Many Requests")]
        limited[0].headers["Retry-After"] = str(retry_after)

        def answer_page(request: httpx.Request) -> httpx.Response:
            return limited.pop() if limited else wire.account_page(request)

        return router.get(path__regex=r"^/v2/numbers$").mock(side_effect=answer_page)

    # What Flowroute must have received ---------------------------------------------------

    def assert_authenticated(self, request: httpx.Request) -> None:
        assert request.headers.get("authorization") == basic_auth(), "Basic auth on every request"
        assert request.headers.get("accept") == JSON_API
        assert SECRET_KEY not in str(request.url)
        assert SECRET_KEY.encode() not in request.content, "the secret never travels in a body"

    def assert_search_request(self, request: httpx.Request, query: SearchQuery) -> None:
        assert (request.method, request.url.path) == ("GET", "/v2/numbers/available")
        assert dict(request.url.params) == {
            "iso_country": "US",
            "starts_with": "1206",
            "number_type": "longcode",
            "limit": "10",
        }

    def assert_buy_request(self, request: httpx.Request, offer: Offer) -> None:
        assert (request.method, request.url.path) == ("POST", f"/v2/numbers/{offer.e164.removeprefix('+')}")
        assert request.content == b"", "a purchase carries nothing but the number in its path"

    def assert_forward_request(self, request: httpx.Request, e164: str, destination: str) -> None:
        path = f"/v2/numbers/{e164.removeprefix('+')}/relationships/primary_route"
        assert (request.method, request.url.path) == ("PATCH", path)
        data = json_of(request)["data"]
        assert data["type"] == "route"
        route = self.routes_seen.routes[data["id"]]
        assert route == {
            "route_type": "number",
            "value": destination.removeprefix("+"),
            "alias": route_alias("14155550123"),
        }

    def assert_release_request(self, request: httpx.Request, e164: str) -> None:
        assert (request.method, request.url.path) == ("DELETE", f"/v2/numbers/{e164.removeprefix('+')}")
        assert request.content == b""

    def assert_pages_fetched(self, requests: list[httpx.Request], total: int) -> None:
        pages = [r for r in requests if r.url.path == "/v2/numbers"]
        assert [int(r.url.params["offset"]) for r in pages] == list(range(0, total, 200))
        assert {r.url.params["limit"] for r in pages} == {"200"}
        looked_up = sorted(r.url.path for r in requests if r.url.path != "/v2/numbers")
        assert len(looked_up) == len(set(looked_up)) == total, "each number's routes are read once"
