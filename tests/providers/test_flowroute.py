"""Flowroute: the provider contract on Flowroute's wire format, plus what only Flowroute does."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, ClassVar

import httpx
import pytest
import respx
from redis.asyncio import Redis

from bot.errors import NotSupported, OutcomeUnknown, ProviderAuthError, ProviderRefused, ProviderUnavailable
from bot.models import Feature, Money, NumberType, Offer, SearchQuery
from bot.providers.base import Order
from bot.providers.flowroute import FlowrouteProvider, route_alias
from bot.providers.registry import PROVIDERS, build_providers
from tests.conftest import make_settings
from tests.fakes import Sleeps, StaticProgress
from tests.providers.contract import Listing, ProviderContract
from tests.providers.flowroute_wire import (
    ACCESS_KEY,
    BASE_URL,
    JSON_API,
    NUMBER,
    SECRET_KEY,
    FlowrouteAccount,
    FlowrouteWire,
    answer,
    basic_auth,
    error,
    json_of,
    seattle,
)

DESTINATION = "+14155550123"


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
        return FlowrouteProvider(http=http, key=ACCESS_KEY, secret=SECRET_KEY, base_url=BASE_URL, sleep=sleep)

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


# -- Flowroute only --------------------------------------------------------------------------


@pytest.fixture
def account() -> FlowrouteAccount:
    return FlowrouteAccount()


@pytest.fixture
def router() -> Any:
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router
        for call in router.calls:
            assert call.request.headers["authorization"] == basic_auth()


@pytest.fixture
def wire(router: respx.MockRouter, account: FlowrouteAccount) -> FlowrouteWire:
    return FlowrouteWire(router, account)


@pytest.fixture
async def flowroute() -> Any:
    async with httpx.AsyncClient(timeout=None) as http:
        yield FlowrouteProvider(http=http, key=ACCESS_KEY, secret=SECRET_KEY, base_url=BASE_URL, sleep=Sleeps())


def order_for(e164: str, monthly: str | None = "1.25") -> Order:
    cost = Money.parse(monthly, "USD") if monthly else None
    offer = Offer(provider="flowroute", e164=e164, country="US", type=NumberType.local, monthly=cost)
    return Order(op_id="op-1", offer=offer)


def number_doc(digits: str, *, relationships: dict[str, Any], included: list[dict[str, Any]], **attributes: Any) -> Any:
    base = {"alias": None, "number_type": "longcode", "rate_center": "seattle", "state": "wa", "value": digits}
    return {
        "data": {"type": "number", "id": digits, "attributes": base | attributes, "relationships": relationships},
        "included": included,
    }


# search ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (SearchQuery(country="US", pattern="206"), {"starts_with": "1206", "iso_country": "US", "limit": "10"}),
        (SearchQuery(country="CA", pattern="604555"), {"starts_with": "1604555", "iso_country": "CA"}),
        (SearchQuery(country="US", type=NumberType.tollfree), {"number_type": "toll-free"}),
        (SearchQuery(country="US", type=NumberType.local), {"number_type": "longcode"}),
        (SearchQuery(country="US", features=frozenset({Feature.voice})), {"limit": "10"}),
        (SearchQuery(country="US", limit=50), {"limit": "50"}),
    ],
)
async def test_search_maps_pattern_type_and_country(
    flowroute: FlowrouteProvider, wire: FlowrouteWire, query: SearchQuery, expected: dict[str, str]
) -> None:
    route = wire.mock_search([])
    assert await flowroute.search(query) == []
    params = dict(route.calls.last.request.url.params)
    assert params.items() >= expected.items()
    assert ("starts_with" in params) == (query.pattern is not None)
    assert ("number_type" in params) == (query.type is not None)
    assert not {"contains", "ends_with", "rate_center", "state", "offset"} & set(params)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        (SearchQuery(country="GB"), "Flowroute does not sell numbers in GB"),
        (SearchQuery(country="US", type=NumberType.mobile), "Flowroute has no mobile numbers"),
        (SearchQuery(country="US", features=frozenset({Feature.sms})), "cannot filter by SMS/MMS"),
    ],
)
async def test_what_flowroute_cannot_do_is_said_without_a_call(
    flowroute: FlowrouteProvider, router: respx.MockRouter, query: SearchQuery, said: str
) -> None:
    with pytest.raises(NotSupported, match=said) as refused:
        await flowroute.search(query)
    assert refused.value.user_message.startswith("Flowroute: ")
    assert not router.calls


async def test_search_reads_costs_exactly_and_keeps_to_the_country(
    flowroute: FlowrouteProvider, router: respx.MockRouter
) -> None:
    # Written by hand: costs as JSON numbers, read digit for digit; one value an integer.
    raw = (
        '{"data": ['
        '{"type": "number", "id": "12065550100", "attributes": {"value": 12065550100, "monthly_cost": 0.1000,'
        ' "setup_cost": 3.99, "number_type": "standard", "rate_center": "seattle", "state": "wa"}},'
        '{"type": "number", "id": "18885550101", "attributes": {"value": "18885550101", "monthly_cost": 1.25,'
        ' "number_type": "toll-free"}},'
        '{"type": "number", "id": "16045550102", "attributes": {"value": "16045550102", "monthly_cost": 1,'
        ' "setup_cost": 1, "iso_country": "CA"}},'
        '{"type": "number", "id": "x", "attributes": {"value": "not a number"}}'
        '], "links": {"self": "https://api.flowroute.com/v2/numbers/available?limit=10&offset=0"}}'
    )
    router.get("/v2/numbers/available").mock(return_value=httpx.Response(200, text=raw))
    first, second = await flowroute.search(SearchQuery(country="US"))
    assert first.e164 == "+12065550100"
    assert first.monthly == Money(amount=Decimal("0.1"), currency="USD")
    assert str(first.monthly.amount) == "0.1000", "parsed straight to Decimal, never through a float"
    assert first.setup == Money(amount=Decimal("3.99"), currency="USD")
    assert first.type is NumberType.local
    assert first.features == frozenset({Feature.voice})
    assert second.type is NumberType.tollfree
    assert second.setup is None, "a missing setup cost is unknown, not 0"


# reading the account -----------------------------------------------------------------------


async def test_get_shows_alias_primary_and_failover_routes(
    flowroute: FlowrouteProvider, router: respx.MockRouter
) -> None:
    relationships = {
        "primary_route": {"data": {"type": "route", "id": "83834"}},
        "failover_route": {"data": {"type": "route", "id": "45986"}},
    }
    included = [
        {
            "type": "route",
            "id": "83834",
            "attributes": {"route_type": "number", "alias": "desk", "value": "14155550123"},
        },
        {
            "type": "route",
            "id": "45986",
            "attributes": {"route_type": "uri", "alias": "pbx", "value": "sip:desk@pbx.example"},
        },
    ]
    attributes = {"alias": "Support line", "messaging_enabled": True}
    body = number_doc("12065550100", relationships=relationships, included=included, **attributes)
    route = router.get("/v2/numbers/12065550100").mock(return_value=answer(200, body))
    owned = await flowroute.get("+12065550100")
    assert owned is not None
    assert owned.forward_to == "+14155550123"
    assert owned.name == "Support line"
    assert owned.features == frozenset({Feature.voice, Feature.sms, Feature.mms})
    assert owned.country == "US"
    assert owned.details == {
        "Flowroute alias": "Support line",
        "Primary route": "number +14155550123 “desk”",
        "Failover route": "uri sip:desk@pbx.example “pbx”",
        "Rate center": "SEATTLE, WA",
    }
    assert route.calls.last.request.headers["accept"] == JSON_API


async def test_a_sip_route_is_not_shown_as_forwarding_and_v21_names_are_read(
    flowroute: FlowrouteProvider, router: respx.MockRouter
) -> None:
    relationships = {"voice_primary_route": {"data": {"type": "route", "id": "0"}}}
    included = [
        {"type": "route", "id": "0", "attributes": {"route_type": "sip-reg", "alias": "sip-reg", "value": None}}
    ]
    body = number_doc("12065550100", relationships=relationships, included=included)
    router.get("/v2/numbers/12065550100").mock(return_value=answer(200, body))
    owned = await flowroute.get("+12065550100")
    assert owned is not None
    assert owned.forward_to is None
    assert owned.details["Primary route"] == "registered SIP device (sip-reg)"
    assert owned.details["Failover route"] == "none"


async def test_a_number_outside_north_america_is_not_asked_about(
    flowroute: FlowrouteProvider, router: respx.MockRouter
) -> None:
    assert await flowroute.get("+442079460123") is None
    await flowroute.release("+442079460123", StaticProgress())
    with pytest.raises(ProviderRefused, match="not a North American number"):
        await flowroute.buy(order_for("+442079460123"), StaticProgress())
    assert not router.calls


async def test_list_follows_links_next_on_its_own_host_only(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(1), country="US"), Listing(e164=seattle(2), country="US"))
    router.get(path__regex=NUMBER).mock(side_effect=wire.details)
    first, second = (wire.resource(account.owned[seattle(i)]) for i in (1, 2))
    pages = [
        {"data": [first], "links": {"next": "https://elsewhere.example/v2/numbers?limit=200&offset=1"}},
        {"data": [second], "links": {"next": f"{BASE_URL}/v2/numbers?limit=200&offset=1"}},  # no progress: stop
    ]
    listing = router.get("/v2/numbers").mock(side_effect=[answer(200, page) for page in pages])
    numbers = await flowroute.list()
    assert sorted(n.e164 for n in numbers) == [seattle(1), seattle(2)]
    assert [c.request.url.host for c in listing.calls] == ["api.flowroute.com"] * 2
    assert [dict(c.request.url.params) for c in listing.calls] == [
        {"limit": "200", "offset": "0"},
        {"limit": "200", "offset": "1"},
    ]


async def test_a_number_released_while_listing_is_left_out(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(1), country="US"), Listing(e164=seattle(2), country="US"))
    router.get(f"/v2/numbers/{seattle(2)[1:]}").mock(return_value=error(404, "Could not find that resource."))
    wire.mock_account()  # routes match in the order they were added: the 404 above comes first
    assert [n.e164 for n in await flowroute.list()] == [seattle(1)]


# buying ------------------------------------------------------------------------------------


async def test_a_purchase_returns_the_number_from_the_201_document(
    flowroute: FlowrouteProvider, wire: FlowrouteWire
) -> None:
    listing = Listing(e164=seattle(10), country="US", monthly=Decimal("1.25"), setup=Decimal("1.00"))
    route = wire.mock_buy(listing)
    owned = await flowroute.buy(order_for(seattle(10), None), StaticProgress())
    assert owned.e164 == seattle(10)
    assert owned.monthly == Money(amount=Decimal("1.25"), currency="USD")
    assert owned.details["Primary route"] == "registered SIP device (sip-reg)"
    assert route.call_count == 1


async def test_a_purchase_answered_with_a_server_error_is_looked_up(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    listing = Listing(e164=seattle(11), country="US")

    def bought_then_failed(request: httpx.Request) -> httpx.Response:
        account.own(listing)
        return httpx.Response(503, text="busy")

    route = router.post(path__regex=NUMBER).mock(side_effect=bought_then_failed)
    wire.mock_account()
    owned = await flowroute.buy(order_for(seattle(11)), StaticProgress())
    assert owned.e164 == seattle(11)
    assert owned.monthly == Money(amount=Decimal("1.25"), currency="USD"), "the quoted price is kept"
    assert route.call_count == 1


async def test_a_server_error_on_a_purchase_not_yet_visible_stays_unknown(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire
) -> None:
    router.post(path__regex=NUMBER).mock(return_value=error(502, "Bad Gateway"))
    wire.mock_account()
    with pytest.raises(OutcomeUnknown, match="does not show it yet"):
        await flowroute.buy(order_for(seattle(12)), StaticProgress())


async def test_a_lost_purchase_whose_lookup_fails_stays_unknown(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire
) -> None:
    wire.mock_buy_lost(Listing(e164=seattle(13), country="US"), happened=True)
    router.get(path__regex=NUMBER).mock(return_value=httpx.Response(503))
    with pytest.raises(OutcomeUnknown, match="could not be checked"):
        await flowroute.buy(order_for(seattle(13)), StaticProgress())


@pytest.mark.parametrize(
    ("status", "raised", "said"),
    [
        (429, ProviderUnavailable, "rate limited"),
        (401, ProviderAuthError, "Flowroute rejected the credentials"),
        (403, ProviderAuthError, r"Flowroute denied access \(ActionNotAuthorizedError\)"),
    ],
)
async def test_a_purchase_not_acted_on_is_neither_looked_up_nor_resent(
    flowroute: FlowrouteProvider, router: respx.MockRouter, status: int, raised: type[Exception], said: str
) -> None:
    body = {"errors": [{"status": status, "detail": "", "title": "ActionNotAuthorizedError"}]}
    route = router.post(path__regex=NUMBER).mock(return_value=answer(status, body))
    with pytest.raises(raised, match=said):
        await flowroute.buy(order_for(seattle(14)), StaticProgress())
    assert route.call_count == 1
    assert len(router.calls) == 1


async def test_flowroute_errors_become_one_safe_line(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire
) -> None:
    body = {
        "errors": [
            {"status": 422, "title": "Unprocessable Entity", "detail": "Number\nis not available."},
            {"status": 422, "title": "Insufficient funds", "detail": ""},
            {"status": 422, "detail": "See https://support.flowroute.com/billing for details"},
        ]
    }
    router.post(path__regex=NUMBER).mock(return_value=answer(422, body))
    wire.mock_account()
    with pytest.raises(ProviderRefused) as refused:
        await flowroute.buy(order_for(seattle(15)), StaticProgress())
    message = refused.value.user_message
    assert message.startswith(f"Flowroute: could not buy {seattle(15)}: Number is not available.; Insufficient funds;")
    assert "://" not in message
    assert "nothing was bought" in message


# forwarding and names ----------------------------------------------------------------------


async def test_forward_reuses_an_identical_route(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(20), country="US"))
    existing = account.add_route("14155550123", alias="front desk")
    wire.mock_account()
    attach = wire.mock_forward()
    await flowroute.forward(seattle(20), DESTINATION)
    assert json_of(attach.calls.last.request) == {"data": {"type": "route", "id": existing}}
    assert not [c for c in router.calls if c.request.method == "POST"], "no second route to the same place"
    assert account.owned[seattle(20)].forward_to == DESTINATION


async def test_forward_creates_a_route_named_for_the_bot(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(21), country="US"))
    for i in range(250):  # two pages of someone else's routes first
        account.add_route(f"1206555{i:04d}", alias=f"other {i}")
    wire.mock_account()
    wire.mock_forward()
    await flowroute.forward(seattle(21), DESTINATION)
    (create,) = [c.request for c in router.calls if c.request.method == "POST"]
    assert create.url.path == "/v2/routes"
    assert json_of(create) == {
        "data": {
            "type": "route",
            "attributes": {"route_type": "number", "value": "14155550123", "alias": "numberbot 14155550123"},
        }
    }
    listed = [c.request for c in router.calls if c.request.url.path == "/v2/routes" and c.request.method == "GET"]
    assert [(r.url.params["route_type"], r.url.params["offset"]) for r in listed] == [
        ("number", "0"),
        ("number", "200"),
    ]


async def test_a_route_created_meanwhile_by_another_process_is_used(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(22), country="US"))
    wire.mock_account()
    attach = wire.mock_forward()

    def taken(request: httpx.Request) -> httpx.Response:
        account.add_route("14155550123", alias=route_alias("14155550123"))
        return error(422, "A route with this alias already exists.")

    router.post("/v2/routes").mock(side_effect=taken)
    await flowroute.forward(seattle(22), DESTINATION)
    assert attach.call_count == 1
    assert account.owned[seattle(22)].forward_to == DESTINATION


async def test_a_forward_already_in_place_changes_nothing(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(23), country="US", forward_to=DESTINATION))
    wire.mock_account()
    attach = wire.mock_forward()
    await flowroute.forward(seattle(23), DESTINATION)
    assert attach.call_count == 0


async def test_forwarding_abroad_is_refused_without_a_call(
    flowroute: FlowrouteProvider, router: respx.MockRouter
) -> None:
    with pytest.raises(ProviderRefused, match=r"forwards only to \+1 numbers, not to \+447400123456"):
        await flowroute.forward(seattle(24), "+447400123456")
    assert not router.calls


@pytest.mark.parametrize("visible", [True, False])
async def test_a_lost_forward_answer_is_checked(
    flowroute: FlowrouteProvider,
    router: respx.MockRouter,
    wire: FlowrouteWire,
    account: FlowrouteAccount,
    visible: bool,
) -> None:
    account.own(Listing(e164=seattle(25), country="US"))

    def lost(request: httpx.Request) -> httpx.Response:
        if visible:
            wire.attach_primary(request)
        raise httpx.ReadTimeout("no answer", request=request)

    router.patch(path__regex=r"/relationships/primary_route$").mock(side_effect=lost)
    wire.mock_account()
    wire.mock_forward()
    if visible:
        await flowroute.forward(seattle(25), DESTINATION)
    else:
        with pytest.raises(OutcomeUnknown, match="run the command again"):
            await flowroute.forward(seattle(25), DESTINATION)


async def test_a_refused_attachment_carries_flowroute_reason(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(26), country="US"))
    router.patch(path__regex=r"/relationships/primary_route$").mock(return_value=error(422, "Route is not valid."))
    wire.mock_account()
    wire.mock_forward()
    with pytest.raises(ProviderRefused, match=rf"Flowroute: could not forward \{seattle(26)}: Route is not valid."):
        await flowroute.forward(seattle(26), DESTINATION)


async def test_rename_sets_the_flowroute_alias(
    flowroute: FlowrouteProvider, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(30), country="US"))
    wire.mock_account()
    route = wire.mock_alias()
    await flowroute.rename(seattle(30), "Support line")
    request = route.calls.last.request
    assert (request.method, request.url.path) == ("PATCH", f"/v2/numbers/{seattle(30)[1:]}")
    assert json_of(request) == {"type": "number", "alias": "Support line"}
    owned = await flowroute.get(seattle(30))
    assert owned is not None
    assert owned.details["Flowroute alias"] == "Support line"
    with pytest.raises(ProviderRefused, match="is not on the Flowroute account"):
        await flowroute.rename(seattle(31), "Elsewhere")


async def test_a_lost_rename_answer_is_checked(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(32), country="US"))
    wire.mock_account()

    def lost(request: httpx.Request) -> httpx.Response:
        alias = json.loads(request.content)["alias"]
        if alias == "Night line":  # this one went through; the next one did not
            account.aliases[seattle(32)] = alias
        raise httpx.ReadTimeout("no answer", request=request)

    route = router.patch(path__regex=NUMBER).mock(side_effect=lost)
    await flowroute.rename(seattle(32), "Night line")
    with pytest.raises(OutcomeUnknown, match="name it again"):
        await flowroute.rename(seattle(32), "Day line")
    assert route.call_count == 2, "each rename is sent once"


# release -----------------------------------------------------------------------------------


async def test_a_release_flowroute_refuses_is_kept_with_its_reason(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(40), country="US"))
    wire.mock_account()
    router.delete(path__regex=NUMBER).mock(return_value=error(409, "Number has an active port request."))
    with pytest.raises(ProviderRefused, match=r"could not release .*active port request"):
        await flowroute.release(seattle(40), StaticProgress())


@pytest.mark.parametrize("gone", [True, False])
async def test_a_server_error_on_release_is_settled_by_looking(
    flowroute: FlowrouteProvider,
    router: respx.MockRouter,
    wire: FlowrouteWire,
    account: FlowrouteAccount,
    gone: bool,
) -> None:
    account.own(Listing(e164=seattle(41), country="US"))
    wire.mock_account()

    def failed(request: httpx.Request) -> httpx.Response:
        if gone:
            account.drop(seattle(41))
        return httpx.Response(500)

    router.delete(path__regex=NUMBER).mock(side_effect=failed)
    if gone:
        await flowroute.release(seattle(41), StaticProgress())
    else:
        with pytest.raises(ProviderRefused, match="HTTP 500"):
            await flowroute.release(seattle(41), StaticProgress())


async def test_a_lost_release_answer_is_left_for_the_flow_to_check(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(42), country="US"))
    wire.mock_account()

    def released_silently(request: httpx.Request) -> httpx.Response:
        account.drop(seattle(42))
        raise httpx.ReadTimeout("no answer", request=request)

    route = router.delete(path__regex=NUMBER).mock(side_effect=released_silently)
    with pytest.raises(OutcomeUnknown):
        await flowroute.release(seattle(42), StaticProgress())
    assert await flowroute.check_release(seattle(42), StaticProgress()) is True
    assert route.call_count == 1


async def test_a_number_already_gone_is_released_with_one_call(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire
) -> None:
    route = wire.mock_release()
    await flowroute.release(seattle(43), StaticProgress())
    assert route.call_count == 1
    assert len(router.calls) == 1, "Flowroute's 404 already says it is not on the account"


# settings and registry ---------------------------------------------------------------------


def test_registered_under_its_name() -> None:
    assert PROVIDERS["flowroute"] is FlowrouteProvider


async def test_enabled_only_with_both_keys(redis: Redis) -> None:
    async with httpx.AsyncClient() as http:
        assert FlowrouteProvider.from_settings(make_settings(), http=http, redis=redis) is None
        settings = make_settings(flowroute_access_key=ACCESS_KEY, flowroute_secret_key=SECRET_KEY, sandbox=False)
        assert list(build_providers(settings, http=http, redis=redis)) == ["flowroute"]


async def test_base_url_comes_from_the_settings(redis: Redis) -> None:
    settings = make_settings(
        flowroute_access_key=ACCESS_KEY, flowroute_secret_key=SECRET_KEY, flowroute_base_url="https://fr.proxy.example/"
    )
    with respx.mock(base_url="https://fr.proxy.example", assert_all_called=False) as router:
        route = router.get("/v2/numbers").mock(return_value=answer(200, {"data": [], "links": {}}))
        async with httpx.AsyncClient() as http:
            provider = FlowrouteProvider.from_settings(settings, http=http, redis=redis)
            assert provider is not None
            assert await provider.list() == []
        assert route.call_count == 1
        assert route.calls.last.request.headers["authorization"] == basic_auth()
