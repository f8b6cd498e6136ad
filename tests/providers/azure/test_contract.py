"""Azure: the provider contract on Azure's wire format."""

from __future__ import annotations

from typing import ClassVar

import httpx
import respx
from redis.asyncio import Redis

from bot.models import Offer, SearchQuery
from bot.providers.azure import AzureProvider
from tests.fakes import Sleeps
from tests.providers.azure import make_azure
from tests.providers.azure_wire import (
    ACCESS_KEY,
    API_VERSION,
    BASE_URL,
    AzureWire,
    assert_signed,
    body_of,
    mock_auth_failure,
)
from tests.providers.contract import Account, Listing, ProviderContract

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class TestAzureContract(ProviderContract):
    label = "Azure"
    base_url = BASE_URL
    secrets = (ACCESS_KEY,)
    currency = "USD"
    page_size = 100
    operations: ClassVar[dict[str, tuple[str, str]]] = {
        "search": ("POST", r"/availablePhoneNumbers/countries/[A-Z]{2}/:browse"),
        "account": ("GET", r"/phoneNumbers(/\+\d+)?"),
        "buy": ("POST", rf"/availablePhoneNumbers/reservations/{UUID}/:purchase"),
        "release": ("DELETE", r"/phoneNumbers/\+\d+"),
    }

    def make_provider(self, http: httpx.AsyncClient, redis: Redis, sleep: Sleeps) -> AzureProvider:
        return make_azure(http, sleeps=sleep)

    def wire(self, router: respx.MockRouter, account: Account | None = None) -> AzureWire:
        """One wire per test: search, hold and buy share its offers and reservations."""
        wire: AzureWire | None = getattr(self, "_wire", None)
        if wire is None or wire.router is not router:
            wire = self._wire = AzureWire(router)
        if account is not None:
            wire.account = account
        return wire

    # How Azure answers -------------------------------------------------------------------

    def mock_search(self, router: respx.MockRouter, query: SearchQuery, listings: list[Listing]) -> None:
        self.wire(router).offer(listings)

    def mock_hold(self, router: respx.MockRouter, listing: Listing) -> None:
        assert listing.digits in self.wire(router).offered

    def mock_account(self, router: respx.MockRouter, account: Account) -> None:
        self.wire(router, account)

    def mock_buy_ok(self, router: respx.MockRouter, account: Account, listing: Listing) -> None:
        self.wire(router, account).purchase = "ok"

    def mock_buy_refused(self, router: respx.MockRouter, account: Account, listing: Listing, reason: str) -> None:
        wire = self.wire(router, account)
        wire.purchase, wire.failure = "failed", reason

    def mock_buy_lost(self, router: respx.MockRouter, account: Account, listing: Listing, *, happened: bool) -> None:
        self.wire(router, account).purchase = "lost-bought" if happened else "lost"

    def mock_forward(self, router: respx.MockRouter, account: Account) -> None:
        self.wire(router, account)  # Azure has no forwarding: nothing to answer

    def mock_release(self, router: respx.MockRouter, account: Account) -> None:
        self.wire(router, account).release_mode = "ok"

    def mock_auth_failure(self, router: respx.MockRouter) -> None:
        mock_auth_failure(router)

    def mock_server_error(self, router: respx.MockRouter, status: int) -> respx.Route:
        body = {"error": {"code": "InternalServerError", "message": "upstream trouble"}}
        return router.route(method="GET", path__regex=r"^/phoneNumbers").mock(
            return_value=httpx.Response(status, json=body)
        )

    def mock_timeout(self, router: respx.MockRouter) -> respx.Route:
        return router.route(method="GET", path__regex=r"^/phoneNumbers").mock(side_effect=httpx.ReadTimeout("slow"))

    def mock_rate_limited_then_ok(self, router: respx.MockRouter, account: Account, retry_after: int) -> respx.Route:
        wire = AzureWire(router, account)
        limited = [httpx.Response(429, headers={"Retry-After": str(retry_after)}, json={"error": {"code": "429"}})]

        def answer(request: httpx.Request) -> httpx.Response:
            return limited.pop() if limited else wire.account_page(request)

        return wire.routes["list"].mock(side_effect=answer)

    # What Azure must have received -------------------------------------------------------

    def assert_authenticated(self, request: httpx.Request) -> None:
        assert_signed(request)

    def assert_search_request(self, request: httpx.Request, query: SearchQuery) -> None:
        assert request.method == "POST"
        assert request.url.raw_path == f"/availablePhoneNumbers/countries/GB/:browse?api-version={API_VERSION}".encode()
        assert request.headers["content-type"] == "application/json"
        assert body_of(request) == {
            "phoneNumberType": "geographic",
            "assignmentType": "application",
            "capabilities": {"calling": "inbound+outbound"},
            "phoneNumberPrefixes": ["4420"],
        }

    def assert_buy_request(self, request: httpx.Request, offer: Offer) -> None:
        rid = request.url.path.split("/")[3]
        assert (
            request.url.raw_path
            == f"/availablePhoneNumbers/reservations/{rid}/:purchase?api-version={API_VERSION}".encode()
        )
        assert body_of(request) == {"agreeToNotResell": False}
        held = self._wire.reservations[rid]
        assert list(held["numbers"]) == [offer.e164.removeprefix("+")], "exactly the chosen number is bought"

    def assert_forward_request(self, request: httpx.Request, e164: str, destination: str) -> None:
        raise AssertionError("Azure numbers have no forwarding; nothing may be sent")

    def assert_release_request(self, request: httpx.Request, e164: str) -> None:
        assert request.method == "DELETE"
        assert request.url.raw_path == f"/phoneNumbers/%2B{e164[1:]}?api-version={API_VERSION}".encode()
        assert request.content == b""

    def assert_pages_fetched(self, requests: list[httpx.Request], total: int) -> None:
        pages = [r for r in requests if r.url.path == "/phoneNumbers"]
        assert [int(r.url.params.get("skip", "0")) for r in pages] == list(range(0, total, 100))
        assert pages[0].url.params["top"] == "100"
        assert {r.url.params["api-version"] for r in pages} == {API_VERSION}
