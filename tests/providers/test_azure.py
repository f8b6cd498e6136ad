"""Azure: the provider contract on Azure's wire format, plus what only Azure does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
import pytest
import respx
from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.errors import NotSupported, OutcomeUnknown, ProviderAuthError, ProviderRefused, ProviderUnavailable
from bot.models import Feature, Money, NumberType, Offer, PoolEntry, SearchQuery, utcnow
from bot.providers.azure import AzureProvider
from bot.providers.azure_auth import AzureHmacAuth
from bot.providers.azure_wire import operation_id
from bot.providers.base import Order
from bot.providers.registry import PROVIDERS, build_providers
from tests.conftest import make_settings
from tests.fakes import Sleeps, StaticProgress
from tests.providers.azure_wire import (
    ACCESS_KEY,
    API_VERSION,
    BASE_URL,
    CONNECTION_STRING,
    AzureWire,
    assert_signed,
    body_of,
    mock_auth_failure,
)
from tests.providers.contract import Account, Listing, ProviderContract, london

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def make_azure(http: httpx.AsyncClient, *, endpoint: str = BASE_URL, sleeps: Sleeps | None = None, **kw: Any) -> Any:
    return AzureProvider(
        http=http, endpoint=endpoint, access_key=ACCESS_KEY, sleep=Sleeps() if sleeps is None else sleeps, **kw
    )


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


# -- Azure only ------------------------------------------------------------------------------


@pytest.fixture
def account() -> Account:
    return Account()


@pytest.fixture
def router() -> Any:
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router
        for call in router.calls:
            assert_signed(call.request)


@pytest.fixture
def wire(router: respx.MockRouter, account: Account) -> AzureWire:
    return AzureWire(router, account)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def azure(sleeps: Sleeps) -> Any:
    async with httpx.AsyncClient(timeout=None) as http:
        yield make_azure(http, sleeps=sleeps)


US_TOLLFREE = Listing(e164="+18885550100", country="US", type=NumberType.tollfree, monthly=Decimal("2.00"))


async def reserved(azure: AzureProvider, wire: AzureWire, listing: Listing = US_TOLLFREE) -> Order:
    wire.offer([listing])
    (offer,) = await azure.search(SearchQuery(country=listing.country, type=listing.type))
    return Order(op_id="op-1", offer=offer, hold=await azure.hold(offer))


# -- signing ---------------------------------------------------------------------------------

# Computed once with `openssl dgst -sha256 -mac HMAC` over the literal string to sign, not by
# the code under test: key = base64("contract-test-access-key-bytes!!").
VECTOR_KEY = "Y29udHJhY3QtdGVzdC1hY2Nlc3Mta2V5LWJ5dGVzISE="
VECTOR_DATE = datetime(2025, 1, 7, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("method", "url", "body", "signature", "content_hash"),
    [
        (
            "POST",
            "https://contoso.communication.azure.com/availablePhoneNumbers/countries/US/:browse?api-version=2025-06-01",
            b'{"phoneNumberType":"tollFree"}',
            "3dOUbpzQMcHz8hqTp2KJ2o/Hyl9TPiV3KQyvOuf7Qnc=",
            "1vsW6p4/TLoLoryJwUZE3NgTuba5AP/S1s7xQiJiPU0=",
        ),
        (  # a non-default port is part of the signed host; the + stays %2B in the signed path
            "GET",
            "http://127.0.0.1:8443/phoneNumbers/%2B14255550100?api-version=2025-06-01",
            b"",
            "0ya9PY/eTiT9DWo6w+RFnqBY3oE1Isv5x96J50w0bbI=",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        ),
    ],
)
def test_signature_matches_a_vector_computed_independently(
    method: str, url: str, body: bytes, signature: str, content_hash: str
) -> None:
    auth = AzureHmacAuth(VECTOR_KEY, clock=lambda: VECTOR_DATE)
    request = httpx.Request(method, url, content=body)
    (signed,) = list(auth.auth_flow(request))
    assert signed.headers["x-ms-date"] == "Tue, 07 Jan 2025 10:30:00 GMT"
    assert signed.headers["x-ms-content-sha256"] == content_hash
    assert signed.headers["authorization"] == (
        f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
    )
    # and the same by a second, from-scratch computation (hmac/hashlib only)
    parts = urlsplit(url)
    to_sign = f"{method}\n{parts.path}?{parts.query}\nTue, 07 Jan 2025 10:30:00 GMT;{parts.netloc};{content_hash}"
    mac = hmac.new(base64.b64decode(VECTOR_KEY), to_sign.encode(), hashlib.sha256).digest()
    assert base64.b64encode(mac).decode() == signature
    assert base64.b64encode(hashlib.sha256(body).digest()).decode() == content_hash


def test_a_key_that_is_not_base64_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError, match="not base64") as refused:
        AzureHmacAuth("not*base64*secret")
    assert "secret" not in str(refused.value)
    assert VECTOR_KEY not in repr(AzureHmacAuth(VECTOR_KEY))


async def test_the_endpoint_scheme_and_port_are_honoured() -> None:
    settings = make_settings(
        azure_communication_connection_string=f"endpoint=http://127.0.0.1:8443/;accesskey={ACCESS_KEY}", sandbox=False
    )
    with respx.mock(base_url="http://127.0.0.1:8443", assert_all_called=False) as router:
        AzureWire(router)
        async with httpx.AsyncClient() as http:
            provider = AzureProvider.from_settings(settings, http=http)
            assert provider is not None
            assert await provider.list() == []
        (call,) = router.calls
        assert str(call.request.url) == f"http://127.0.0.1:8443/phoneNumbers?api-version={API_VERSION}&top=100"
        assert call.request.headers["host"] == "127.0.0.1:8443"
        assert_signed(call.request)


# -- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (SearchQuery(country="US", type=NumberType.tollfree), {"phoneNumberType": "tollFree"}),
        (SearchQuery(country="US", type=NumberType.mobile), {"phoneNumberType": "mobile"}),
        (
            SearchQuery(country="US", type=NumberType.local, pattern="425"),
            {"phoneNumberType": "geographic", "phoneNumberPrefixes": ["1425"]},
        ),
        (
            SearchQuery(country="US", type=NumberType.local, features=frozenset({Feature.sms, Feature.voice})),
            {
                "phoneNumberType": "geographic",
                "capabilities": {"calling": "inbound+outbound", "sms": "inbound+outbound"},
            },
        ),
    ],
)
async def test_browse_maps_type_prefix_and_capabilities(
    azure: AzureProvider, wire: AzureWire, query: SearchQuery, expected: dict[str, Any]
) -> None:
    assert await azure.search(query) == []
    request = wire.routes["browse"].calls.last.request
    assert request.url.path == "/availablePhoneNumbers/countries/US/:browse"
    assert body_of(request) == {"assignmentType": "application", **expected}


async def test_without_a_type_local_and_tollfree_are_browsed_at_once(azure: AzureProvider, wire: AzureWire) -> None:
    await azure.search(SearchQuery(country="US"))
    asked = sorted(body_of(c.request)["phoneNumberType"] for c in wire.routes["browse"].calls)
    assert asked == ["geographic", "tollFree"]


async def test_mms_is_not_an_azure_feature(azure: AzureProvider, wire: AzureWire) -> None:
    with pytest.raises(NotSupported, match="Azure numbers have no MMS"):
        await azure.search(SearchQuery(country="US", features=frozenset({Feature.mms})))
    assert not wire.router.calls


async def test_browse_reads_costs_exactly(azure: AzureProvider, router: respx.MockRouter) -> None:
    numbers = [
        {
            "id": "18885550101",
            "countryCode": "US",
            "phoneNumber": "+18885550101",
            "phoneNumberType": "tollFree",
            "assignmentType": "application",
            "capabilities": {"calling": "inbound+outbound", "sms": "none"},
            "cost": {"amount": 2.1, "currencyCode": "usd", "billingFrequency": "monthly"},
            "status": "available",
        },
        {"id": "18885550102", "phoneNumber": "+18885550102", "cost": {"amount": 5, "currencyCode": "USD"}},
        {"id": "18885550103", "phoneNumber": "+18885550103", "status": "reserved"},
    ]
    router.post(path__regex=r"/:browse$").mock(return_value=httpx.Response(200, json={"phoneNumbers": numbers}))
    first, second = await azure.search(SearchQuery(country="US", type=NumberType.tollfree))
    assert first.monthly == Money(amount=Decimal("2.1"), currency="USD")
    assert first.features == frozenset({Feature.voice})
    assert first.type is NumberType.tollfree
    assert first.setup is None
    assert first.ref["id"] == "18885550101"
    assert second.monthly is None, "a cost that is not monthly is unknown, never 0"


async def test_a_price_is_read_from_the_json_text_without_float_rounding(
    azure: AzureProvider, router: respx.MockRouter
) -> None:
    text = (
        '{"phoneNumbers": [{"id": "18885550101", "phoneNumber": "+18885550101", "status": "available",'
        ' "cost": {"amount": 1.000000000000000001, "currencyCode": "USD", "billingFrequency": "monthly"}}]}'
    )
    router.post(path__regex=r"/:browse$").mock(return_value=httpx.Response(200, text=text))
    (offer,) = await azure.search(SearchQuery(country="US", type=NumberType.tollfree))
    assert offer.monthly == Money(amount=Decimal("1.000000000000000001"), currency="USD")


async def test_an_azure_error_body_reaches_the_user_as_one_line(azure: AzureProvider, router: respx.MockRouter) -> None:
    body = {
        "error": {"code": "InvalidCountry", "message": "Country\n ZZ is not\tsupported, see https://aka.ms/x?sig=1"}
    }
    router.post(path__regex=r"/:browse$").mock(return_value=httpx.Response(400, json=body))
    with pytest.raises(ProviderRefused) as refused:
        await azure.search(SearchQuery(country="US", type=NumberType.local))
    assert refused.value.user_message == (
        "Azure: searching US numbers failed: Country ZZ is not supported, see [link] (InvalidCountry)"
    )


async def test_credentials_rejected_say_so_with_azure_reason(azure: AzureProvider, router: respx.MockRouter) -> None:
    mock_auth_failure(router)
    with pytest.raises(ProviderAuthError) as rejected:
        await azure.list()
    assert rejected.value.user_message.startswith("Azure: Azure rejected the credentials (Denied by the resource")
    assert ACCESS_KEY not in rejected.value.user_message


# -- reservations ----------------------------------------------------------------------------


async def test_buy_reserves_exactly_the_chosen_number(azure: AzureProvider, wire: AzureWire) -> None:
    order = await reserved(azure, wire)
    hold = order.hold
    assert hold is not None
    request = wire.routes["reserve"].calls.last.request
    rid = request.url.path.rsplit("/", 1)[1]
    assert hold.ref["reservation"] == rid
    assert request.method == "PATCH"
    assert request.headers["content-type"] == "application/merge-patch+json"
    assert body_of(request) == {
        "phoneNumbers": {
            "18885550100": {
                "countryCode": "US",
                "phoneNumberType": "tollFree",
                "assignmentType": "application",
                "capabilities": {"calling": "inbound+outbound", "sms": "inbound+outbound"},
            }
        }
    }
    assert hold.expires_at is not None
    assert hold.expires_at > datetime.now(UTC)
    assert hold.note is None


async def test_a_number_azure_will_not_reserve_is_refused_and_the_reservation_dropped(
    azure: AzureProvider, wire: AzureWire
) -> None:
    wire.offer([])  # taken meanwhile: Azure answers 207 with the number in error
    offer = Offer(provider="azure", e164=US_TOLLFREE.e164, country="US", ref={"id": "18885550100"})
    with pytest.raises(ProviderRefused, match=r"could not reserve \+18885550100: .*Failed to add the number"):
        await azure.hold(offer)
    assert wire.routes["unreserve"].call_count == 1
    assert wire.reservations == {}


async def test_cancel_deletes_the_reservation(azure: AzureProvider, wire: AzureWire) -> None:
    order = await reserved(azure, wire)
    assert order.hold is not None
    await azure.unhold(order.hold)
    assert wire.reservations == {}
    await azure.unhold(order.hold)  # already gone: fine


async def test_a_resale_agreement_is_shown_and_given_only_when_azure_asks(
    azure: AzureProvider, router: respx.MockRouter, wire: AzureWire
) -> None:
    wire.offer([US_TOLLFREE])
    raw = wire.available(US_TOLLFREE) | {"isAgreementToNotResellRequired": True}
    wire.routes["browse"].mock(return_value=httpx.Response(200, json={"phoneNumbers": [raw]}))
    (offer,) = await azure.search(SearchQuery(country="US", type=NumberType.tollfree))
    hold = await azure.hold(offer)
    assert hold.note is not None
    assert "not to resell" in hold.note
    await azure.buy(Order(op_id="op-1", offer=offer, hold=hold), StaticProgress())
    assert body_of(wire.routes["purchase"].calls.last.request) == {"agreeToNotResell": True}


# -- purchase operations ---------------------------------------------------------------------


async def test_the_purchase_operation_is_saved_before_polling_and_polled_to_success(
    azure: AzureProvider, wire: AzureWire, account: Account, sleeps: Sleeps
) -> None:
    order = await reserved(azure, wire)
    wire.statuses = ["notStarted", "running", "notStarted", "running", "succeeded"]
    saved_before_poll: list[dict[str, Any]] = []

    class Checkpoints(StaticProgress):
        async def save(self, **values: Any) -> None:
            await super().save(**values)
            saved_before_poll.append({**self.state, "polls": wire.routes["operation"].call_count})

    progress = Checkpoints()
    owned = await azure.buy(order, progress)

    assert owned.e164 == US_TOLLFREE.e164
    assert owned.monthly == Money(amount=Decimal("2.00"), currency="USD")
    rid = order.hold.ref["reservation"] if order.hold else ""
    assert saved_before_poll == [
        {"reservation": rid, "polls": 0},
        {"reservation": rid, "operation": f"reservationPurchase_{rid}", "polls": 0},
    ]
    assert wire.routes["operation"].call_count == 5, "notStarted after running is still not finished"
    assert sleeps == [1.0, 1.0, 1.0, 1.0], "Retry-After decides each wait"
    assert US_TOLLFREE.e164 in account.owned
    assert wire.routes["purchase"].call_count == 1


async def test_without_retry_after_the_default_interval_is_used_and_polling_is_bounded(
    wire: AzureWire, sleeps: Sleeps
) -> None:
    wire.retry_after = None
    wire.statuses = ["running"]  # never finishes
    async with httpx.AsyncClient(timeout=None) as http:
        azure = make_azure(http, sleeps=sleeps, poll_interval=2.0, poll_budget=7.0)
        order = await reserved(azure, wire)
        progress = StaticProgress()
        with pytest.raises(OutcomeUnknown, match="still running at Azure"):
            await azure.buy(order, progress)
    assert sleeps == [2.0, 2.0, 2.0]
    assert wire.routes["operation"].call_count == 4
    assert progress.state["operation"].startswith("reservationPurchase_")


async def test_a_long_retry_after_is_capped(azure: AzureProvider, wire: AzureWire, sleeps: Sleeps) -> None:
    wire.retry_after = "3600"
    order = await reserved(azure, wire)
    await azure.buy(order, StaticProgress())
    assert sleeps == [10.0, 10.0]


async def test_a_failed_purchase_operation_is_refused_with_azure_reason(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    order = await reserved(azure, wire)
    wire.purchase, wire.failure = "failed", "Not enough credit on the subscription."
    with pytest.raises(ProviderRefused) as refused:
        await azure.buy(order, StaticProgress())
    assert refused.value.user_message == (
        "Azure: could not buy +18885550100: Not enough credit on the subscription. (PurchaseFailed); "
        "the account does not have it, so nothing was bought"
    )
    assert account.owned == {}


async def test_a_purchase_rejected_at_once_is_refused_after_checking_the_account(
    azure: AzureProvider, wire: AzureWire
) -> None:
    order = await reserved(azure, wire)
    wire.purchase, wire.failure = "rejected", "Reservation contains no numbers."
    refused = r"Reservation contains no numbers\. \(BadRequest\); the account does not have it, so nothing was bought"
    with pytest.raises(ProviderRefused, match=refused):
        await azure.buy(order, StaticProgress())
    assert wire.routes["number"].call_count == 1
    assert wire.routes["operation"].call_count == 0


async def test_a_purchase_answered_with_a_server_error_is_unknown_not_failed(
    azure: AzureProvider, wire: AzureWire
) -> None:
    order = await reserved(azure, wire)
    wire.routes["purchase"].mock(return_value=httpx.Response(503))
    with pytest.raises(OutcomeUnknown):
        await azure.buy(order, StaticProgress())
    assert wire.routes["purchase"].call_count == 1, "a purchase is never retried blindly"


async def test_an_unreadable_operation_leaves_the_purchase_unknown(azure: AzureProvider, wire: AzureWire) -> None:
    order = await reserved(azure, wire)
    wire.routes["operation"].mock(return_value=httpx.Response(503))
    with pytest.raises(OutcomeUnknown, match="accepted but its progress could not be read"):
        await azure.buy(order, StaticProgress())


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {"operation-id": "release_378ddf60", "Operation-Location": "/phoneNumbers/operations/other"},
            "release_378ddf60",
        ),
        ({"Operation-Location": "/phoneNumbers/operations/release_378ddf60"}, "release_378ddf60"),
        (  # as Azure's own example writes it, host and path run together
            {
                "Operation-Location": "https://x.communication.azure.comoperations/reservationPurchase_65c1?api-version=1"
            },
            "reservationPurchase_65c1",
        ),
        ({"Operation-Location": "https://x.example/phoneNumbers/operations/../../evil path"}, None),
        ({}, None),
    ],
)
def test_the_operation_to_follow_is_read_from_the_headers(headers: dict[str, str], expected: str | None) -> None:
    assert operation_id(httpx.Response(202, headers=headers)) == expected


async def test_check_purchase_resumes_the_saved_operation_and_never_buys(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    order = await reserved(azure, wire)
    wire.statuses = ["running"]
    progress = StaticProgress()
    async with httpx.AsyncClient(timeout=None) as http:
        impatient = make_azure(http, max_polls=1)
        with pytest.raises(OutcomeUnknown):
            await impatient.buy(order, progress)  # a process that gave up (or died) while it ran
    wire.operations[progress.state["operation"]].statuses = ["running", "notStarted", "succeeded"]

    owned = await azure.check_purchase(order, StaticProgress(progress.state))

    assert owned is not None
    assert owned.e164 == US_TOLLFREE.e164
    assert wire.routes["purchase"].call_count == 1
    assert US_TOLLFREE.e164 in account.owned


async def test_check_purchase_of_a_failed_operation_finds_nothing(azure: AzureProvider, wire: AzureWire) -> None:
    order = await reserved(azure, wire)
    wire.purchase = "failed"
    progress = StaticProgress()
    with pytest.raises(ProviderRefused):
        await azure.buy(order, progress)
    assert await azure.check_purchase(order, progress) is None


async def test_a_lost_purchase_still_submitted_is_unknown(azure: AzureProvider, wire: AzureWire) -> None:
    order = await reserved(azure, wire)
    wire.purchase = "lost"
    progress = StaticProgress()
    with pytest.raises(OutcomeUnknown):
        await azure.buy(order, progress)
    wire.reservations[progress.state["reservation"]]["status"] = "submitted"
    with pytest.raises(OutcomeUnknown, match="still being processed"):
        await azure.check_purchase(order, progress)
    assert wire.routes["purchase"].call_count == 1


# -- list, get, release ------------------------------------------------------------------------


async def test_next_links_are_followed_at_our_endpoint_with_our_api_version(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    account.own(*[Listing(e164=london(i)) for i in range(3)])
    pages = [
        {"phoneNumbers": [wire.purchased(account.numbers()[0])], "nextLink": "phoneNumbers?skip=1&top=1"},
        {
            "phoneNumbers": [wire.purchased(account.numbers()[1])],
            "nextLink": "https://elsewhere.example/phoneNumbers?skip=2&top=1&api-version=2021-03-07",
        },
        {"phoneNumbers": [wire.purchased(account.numbers()[2])]},
    ]
    wire.routes["list"].mock(side_effect=[httpx.Response(200, json=p) for p in pages])
    numbers = await azure.list()
    assert [n.e164 for n in numbers] == [london(0), london(1), london(2)]
    urls = [str(c.request.url) for c in wire.routes["list"].calls]
    assert urls == [
        f"{BASE_URL}/phoneNumbers?api-version={API_VERSION}&top=100",
        f"{BASE_URL}/phoneNumbers?skip=1&top=1&api-version={API_VERSION}",
        f"{BASE_URL}/phoneNumbers?skip=2&top=1&api-version={API_VERSION}",
    ]


async def test_get_percent_encodes_the_plus_and_reads_the_monthly_cost(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    account.own(US_TOLLFREE)
    owned = await azure.get(US_TOLLFREE.e164)
    assert owned is not None
    assert owned.monthly == Money(amount=Decimal("2.00"), currency="USD")
    assert owned.type is NumberType.tollfree
    assert owned.forward_to is None
    assert owned.details["Azure capabilities"] == "calling inbound+outbound · SMS inbound+outbound"
    assert wire.routes["number"].calls.last.request.url.raw_path.startswith(b"/phoneNumbers/%2B18885550100?")


async def test_release_follows_its_operation_and_saves_it_first(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    account.own(US_TOLLFREE)
    progress = StaticProgress()
    await azure.release(US_TOLLFREE.e164, progress)
    assert progress.state["release_operation"].startswith("release_")
    assert account.owned == {}
    assert wire.routes["operation"].call_count == 3


async def test_a_failed_release_keeps_the_number_with_azure_reason(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    account.own(US_TOLLFREE)
    wire.release_mode = "failed"
    progress = StaticProgress()
    with pytest.raises(ProviderRefused, match=r"could not release \+18885550100: The number is assigned to a Teams"):
        await azure.release(US_TOLLFREE.e164, progress)
    assert await azure.check_release(US_TOLLFREE.e164, progress) is False


async def test_a_release_still_running_is_resumed_by_check_release(
    wire: AzureWire, account: Account, sleeps: Sleeps
) -> None:
    account.own(US_TOLLFREE)
    wire.statuses = ["running"]
    progress = StaticProgress()
    async with httpx.AsyncClient(timeout=None) as http:
        azure = make_azure(http, sleeps=sleeps, max_polls=2)
        with pytest.raises(OutcomeUnknown, match="still running"):
            await azure.release(US_TOLLFREE.e164, progress)
        with pytest.raises(OutcomeUnknown):
            await azure.check_release(US_TOLLFREE.e164, progress)
        wire.operations[progress.state["release_operation"]].statuses = ["succeeded"]
        assert await azure.check_release(US_TOLLFREE.e164, progress) is True
    assert wire.routes["release"].call_count == 1
    assert account.owned == {}


async def test_forward_is_not_supported(azure: AzureProvider, wire: AzureWire) -> None:
    with pytest.raises(NotSupported, match="Azure numbers have no call forwarding"):
        await azure.forward(london(1), "+447400123456")
    assert AzureProvider.capabilities.forward is False
    assert not wire.router.calls


async def test_a_read_timeout_on_get_is_unavailable(azure: AzureProvider, router: respx.MockRouter) -> None:
    router.get(path__regex=r"^/phoneNumbers/").mock(side_effect=httpx.ConnectTimeout("slow"))
    with pytest.raises(ProviderUnavailable):
        await azure.get(london(1))


# -- settings and registry -----------------------------------------------------------------


def test_registered_under_its_name() -> None:
    assert PROVIDERS["azure"] is AzureProvider


async def test_enabled_only_with_a_connection_string(redis: Redis) -> None:
    async with httpx.AsyncClient() as http:
        assert AzureProvider.from_settings(make_settings(), http=http, redis=redis) is None
        settings = make_settings(azure_communication_connection_string=CONNECTION_STRING, sandbox=False)
        providers = build_providers(settings, http=http, redis=redis)
        assert list(providers) == ["azure"]
        assert isinstance(providers["azure"], AzureProvider)


def test_an_access_key_that_is_not_base64_stops_the_start() -> None:
    with pytest.raises(ValueError, match="base64") as stopped:
        make_settings(azure_communication_connection_string=f"endpoint={BASE_URL};accesskey=not*base64")
    assert "accesskey must be" in str(stopped.value)


# -- a restart half-way: the operation lives in the journal (Redis) ---------------------------


async def test_a_purchase_still_running_when_its_process_stops_is_resumed_by_a_restarted_bot(
    make_bot: Any, redis: Redis, wire: AzureWire, account: Account
) -> None:
    wire.offer([US_TOLLFREE])
    wire.statuses = ["running"]
    async with httpx.AsyncClient(timeout=None) as http:
        first = await make_bot(redis=redis, providers={"azure": make_azure(http, max_polls=1)}, worker="first")
        ack = await first.command("search US --provider azure --type tollfree")
        (buy,) = first.buttons(first.last(ack.key), ids.BUY)
        await first.click(ids.BUY, buy["value"], key="buy")
        (confirm,) = first.buttons(first.last("buy"), ids.CONFIRM)
        await first.click(ids.CONFIRM, confirm["value"], key="buy")
        assert "the bot keeps checking" in first.last("buy").text
        op_id = confirm["value"]
        state = json.loads(await redis.hget(keys.op("T0TEST", op_id), "state") or "{}")
        assert state["operation"].startswith("reservationPurchase_"), "checkpointed in Redis before polling"
        await first.aclose()  # the process is gone; Azure finishes the purchase meanwhile
        wire.operations[state["operation"]].statuses = ["notStarted", "succeeded"]

        settings = make_settings(azure_communication_connection_string=CONNECTION_STRING, sandbox=False)
        restarted = await make_bot(redis=redis, settings=settings, worker="restarted")
        assert await restarted.services.reconciler.run_once() == 1

    assert "bought +18885550100 from azure" in restarted.last("buy").text
    assert wire.routes["purchase"].call_count == 1, "resumed, never bought again"
    assert US_TOLLFREE.e164 in account.owned
    assert await redis.hexists(keys.pool("T0TEST"), US_TOLLFREE.e164)


async def test_a_release_still_running_when_its_process_stops_is_finished_by_a_restarted_bot(
    make_bot: Any, redis: Redis, wire: AzureWire, account: Account
) -> None:
    account.own(US_TOLLFREE)
    entry = PoolEntry(e164=US_TOLLFREE.e164, provider="azure", bought_by="U0ADMIN", bought_at=utcnow())
    await redis.hset(keys.pool("T0TEST"), entry.e164, entry.model_dump_json())
    wire.statuses = ["running"]
    async with httpx.AsyncClient(timeout=None) as http:
        first = await make_bot(redis=redis, providers={"azure": make_azure(http, max_polls=1)}, worker="first")
        prompt = (await first.command(f"release {US_TOLLFREE.e164}")).json
        (button,) = [
            e
            for b in prompt["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == ids.RELEASE
        ]
        await first.click(ids.RELEASE, button["value"], key="release")
        assert "has not confirmed the release yet" in first.last("release").text
        assert await redis.hexists(keys.pool("T0TEST"), US_TOLLFREE.e164), "kept until Azure says it is done"
        await first.aclose()
        (op,) = wire.operations.values()
        op.statuses = ["succeeded"]

        settings = make_settings(azure_communication_connection_string=CONNECTION_STRING, sandbox=False)
        restarted = await make_bot(redis=redis, settings=settings, worker="restarted")
        assert await restarted.services.reconciler.run_once() == 1

    assert "Released +18885550100 back to azure" in restarted.last("release").text
    assert wire.routes["release"].call_count == 1
    assert account.owned == {}
    assert not await redis.hexists(keys.pool("T0TEST"), US_TOLLFREE.e164)
