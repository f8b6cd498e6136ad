"""Kazoo: the provider contract on Kazoo's crossbar wire, plus what only Kazoo does."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

import httpx
import pytest
import respx
from redis.asyncio import Redis

from bot import keys
from bot.errors import (
    ChargesRequired,
    OutcomeUnknown,
    ProviderAuthError,
    ProviderRefused,
    ProviderUnavailable,
)
from bot.models import Feature, Money, NumberType, Offer, SearchQuery
from bot.providers.base import Order
from bot.providers.kazoo import KazooProvider
from bot.providers.kazoo_api import reason
from bot.providers.registry import PROVIDERS, build_providers
from tests.conftest import make_settings
from tests.fakes import Sleeps, StaticProgress
from tests.providers.contract import Account, Listing, ProviderContract, london
from tests.providers.kazoo_wire import (
    ACCOUNT_ID,
    API_KEY,
    BASE_URL,
    TOKEN,
    KazooWire,
    callflow_id,
    error,
    forward_flow,
    json_of,
    plan_charges,
)

A = rf"/v2/accounts/{ACCOUNT_ID}"


class TestKazooContract(ProviderContract):
    label = "Kazoo"
    base_url = BASE_URL
    secrets = (API_KEY, TOKEN)
    currency = "USD"
    page_size = 100
    search_features = frozenset({Feature.voice})
    operations: ClassVar[dict[str, tuple[str, str]]] = {
        "search": ("GET", "/v2/phone_numbers"),
        "account": ("GET", rf"{A}/phone_numbers(/\+\d+)?"),
        "buy": ("PUT", rf"{A}/phone_numbers/\+\d+/activate"),
        "forward": ("PUT", rf"{A}/callflows"),
        "release": ("DELETE", rf"{A}/phone_numbers/\+\d+"),
    }

    def make_provider(self, http: httpx.AsyncClient, redis: Redis, sleep: Sleeps) -> KazooProvider:
        # No KAZOO_ACCOUNT_ID: the account comes from api_auth's answer.
        return KazooProvider(http=http, redis=redis, base_url=BASE_URL, api_key=API_KEY, sleep=sleep)

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
        assert dict(request.url.params) == {"prefix": "+4420", "quantity": "10", "offset": "0", "country": "GB"}
        assert b"prefix=%2B4420" in request.url.query, "the E.164 prefix is URL-encoded"

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


# -- Kazoo only ------------------------------------------------------------------------------


@pytest.fixture
def account() -> Account:
    return Account()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
def wire(router: respx.MockRouter, account: Account) -> KazooWire:
    wire = KazooWire(router, account)
    wire.mock_auth()
    wire.mock_account()
    return wire


@pytest.fixture
async def http() -> Any:
    async with httpx.AsyncClient(timeout=None) as client:
        yield client


@pytest.fixture
def kazoo(http: httpx.AsyncClient, redis: Redis) -> KazooProvider:
    return KazooProvider(http=http, redis=redis, base_url=BASE_URL, api_key=API_KEY, sleep=Sleeps())


US = "+14155550100"


def order_for(e164: str = US, *, accepted: str | None = None) -> Order:
    offer = Offer(provider="kazoo", e164=e164, country="US", type=NumberType.local)
    charges = Money(amount=Decimal(accepted), currency="USD") if accepted is not None else None
    return Order(op_id="op-1", offer=offer, accepted_charges=charges)


async def token_keys(redis: Redis) -> list[str]:
    """The shared tokens in Redis (their key names carry a digest of server and key)."""
    prefix = keys.provider_cache("kazoo", "token").removesuffix("token")
    return [k async for k in redis.scan_iter(f"{prefix}token-*")]


def activations(router: respx.MockRouter) -> list[dict[str, Any]]:
    return [json_of(c.request) for c in router.calls if c.request.url.path.endswith("/activate")]


# -- the token -----------------------------------------------------------------------------


async def test_the_token_is_shared_through_redis_with_an_expiry(
    http: httpx.AsyncClient, redis: Redis, wire: KazooWire, router: respx.MockRouter
) -> None:
    first = KazooProvider(http=http, redis=redis, base_url=BASE_URL, api_key=API_KEY)
    second = KazooProvider(http=http, redis=redis, base_url=BASE_URL, api_key=API_KEY)  # another process
    assert await first.list() == []
    assert await second.list() == []
    assert wire.issued == [TOKEN], "one sign-in serves every process"
    (key,) = await token_keys(redis)
    assert 0 < await redis.ttl(key) <= 3600 - 120, "the shared token expires before Kazoo's does"
    assert json.loads(await redis.get(key)) == {"token": TOKEN, "account_id": ACCOUNT_ID}


async def test_a_jwt_token_expires_with_its_exp_claim(
    kazoo: KazooProvider, redis: Redis, router: respx.MockRouter
) -> None:
    claims = base64.urlsafe_b64encode(json.dumps({"exp": int(time.time()) + 600}).encode()).decode().rstrip("=")
    jwt = f"eyJhbGciOiJSUzI1NiJ9.{claims}.c2lnbmF0dXJl"
    body = {"auth_token": jwt, "data": {"account_id": ACCOUNT_ID}, "status": "success"}
    router.put("/v2/api_auth").mock(return_value=httpx.Response(201, json=body))
    router.route(method="GET", path__regex=r"^/v2/phone_numbers$").mock(
        return_value=httpx.Response(200, json={"data": []})
    )
    await kazoo.search(SearchQuery(country="US"))
    (key,) = await token_keys(redis)
    assert 400 < await redis.ttl(key) <= 600 - 120


async def test_a_refused_token_is_renewed_once_and_the_request_sent_again(
    kazoo: KazooProvider, router: respx.MockRouter, account: Account
) -> None:
    wire = KazooWire(router, account, tokens=set())
    wire.mock_auth(rotate=True)
    wire.mock_account()
    account.own(Listing(e164=london(1)))
    assert [n.e164 for n in await kazoo.list()] == [london(1)]
    wire.tokens.clear()  # Kazoo expired it (or restarted)

    assert [n.e164 for n in await kazoo.list()] == [london(1)]

    assert wire.issued == [f"{TOKEN}-1", f"{TOKEN}-2"]
    listings = [c.request for c in router.calls if c.request.url.path == f"{A}/phone_numbers"]
    assert [r.headers["x-auth-token"] for r in listings] == [f"{TOKEN}-1", f"{TOKEN}-1", f"{TOKEN}-2"]


async def test_a_purchase_answered_401_is_sent_once_more_with_a_new_token(
    kazoo: KazooProvider, router: respx.MockRouter, account: Account
) -> None:
    wire = KazooWire(router, account, tokens=set())
    wire.mock_auth(rotate=True)
    wire.mock_account()
    wire.mock_buy()
    assert await kazoo.list() == []
    wire.tokens.clear()

    owned = await kazoo.buy(order_for(), StaticProgress())

    assert owned.e164 == US
    sent = [c.request.headers["x-auth-token"] for c in router.calls if c.request.url.path.endswith("/activate")]
    assert sent == [f"{TOKEN}-1", f"{TOKEN}-2"], "Kazoo checks the token before acting: the resend cannot buy twice"
    assert US in account.owned


async def test_a_key_kazoo_keeps_refusing_is_an_auth_error_after_one_renewal(
    kazoo: KazooProvider, router: respx.MockRouter, account: Account
) -> None:
    wire = KazooWire(router, account, tokens=set())
    wire.mock_auth(rotate=True)
    wire.mock_account()
    wire.authorized = lambda request: False  # type: ignore[method-assign]
    with pytest.raises(ProviderAuthError, match="Kazoo rejected the credentials"):
        await kazoo.list()
    assert len(wire.issued) == 2
    assert sum(c.request.url.path == f"{A}/phone_numbers" for c in router.calls) == 2


async def test_a_wrong_api_key_is_refused_at_sign_in(http: httpx.AsyncClient, redis: Redis, wire: KazooWire) -> None:
    kazoo = KazooProvider(http=http, redis=redis, base_url=BASE_URL, api_key="0" * 64)
    with pytest.raises(ProviderAuthError) as refused:
        await kazoo.list()
    assert refused.value.user_message == "Kazoo: Kazoo rejected the credentials; check the bot's settings"
    assert [k async for k in redis.scan_iter("*")] == []


async def test_the_configured_account_is_used_instead_of_the_keys_own(
    http: httpx.AsyncClient, redis: Redis, router: respx.MockRouter
) -> None:
    KazooWire(router, Account()).mock_auth()
    sub = "a" * 32
    route = router.get(f"/v2/accounts/{sub}/phone_numbers").mock(return_value=httpx.Response(200, json={"data": {}}))
    settings = make_settings(kazoo_base_url=f"{BASE_URL}/v2/", kazoo_api_key=API_KEY, kazoo_account_id=sub)
    kazoo = KazooProvider.from_settings(settings, http=http, redis=redis)
    assert kazoo is not None
    assert await kazoo.list() == []
    assert route.call_count == 1


async def test_a_403_says_what_to_check(kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter) -> None:
    router.routes.clear()
    wire.mock_auth()
    router.get(f"{A}/phone_numbers").mock(return_value=error(403, "forbidden", {"message": "forbidden"}))
    with pytest.raises(ProviderAuthError, match="check the API key's permissions and KAZOO_ACCOUNT_ID"):
        await kazoo.list()


# -- search --------------------------------------------------------------------------------


async def test_search_us_415_asks_for_the_e164_prefix(kazoo: KazooProvider, wire: KazooWire) -> None:
    route = wire.mock_search(
        [
            Listing(e164="+14155550100", country="US"),
            Listing(e164="+18005550100", country="US", type=NumberType.tollfree),
            Listing(e164="+442079460100"),  # another country: not offered
        ]
    )
    offers = await kazoo.search(SearchQuery(country="US", pattern="415", type=NumberType.local, limit=5))

    assert [o.e164 for o in offers] == ["+14155550100"], "the toll-free number is not a local one"
    (offer,) = offers
    assert (offer.country, offer.type, offer.features) == ("US", NumberType.local, frozenset({Feature.voice}))
    assert (offer.monthly, offer.setup) == (None, None), "Kazoo's search has no price: unknown, not 0"
    request = route.calls.last.request
    assert dict(request.url.params) == {"prefix": "+1415", "quantity": "5", "offset": "0", "country": "US"}
    assert request.headers["x-auth-token"] == TOKEN


async def test_search_without_a_pattern_asks_for_the_calling_code(kazoo: KazooProvider, wire: KazooWire) -> None:
    route = wire.mock_search([Listing(e164="+18885550100", country="US")])
    (offer,) = await kazoo.search(SearchQuery(country="US", type=NumberType.tollfree))
    assert offer.type is NumberType.tollfree
    assert route.calls.last.request.url.params["prefix"] == "+1"


async def test_a_search_kazoo_cannot_serve_carries_its_reason(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    failed = error(500, "init failed", "Unable to acquire numbers missing carrier url")
    router.route(method="GET", path__regex=r"^/v2/phone_numbers$").mock(return_value=failed)
    with pytest.raises(ProviderUnavailable) as unavailable:
        await kazoo.search(SearchQuery(country="US"))
    message = unavailable.value.user_message
    assert message.startswith("Kazoo: searching US numbers failed on Kazoo's side (HTTP 500: init failed: ")
    assert "missing carrier url" in message
    assert "\n" not in message


# -- buying, and the charges Kazoo asks for ---------------------------------------------------


async def test_a_402_is_shown_as_charges_and_nothing_is_accepted(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    wire.charges = plan_charges(rate="2.00", activation="1.50")
    wire.mock_buy()
    with pytest.raises(ChargesRequired) as asked:
        await kazoo.buy(order_for(), StaticProgress())
    assert asked.value.charges == Money(amount=Decimal("3.50"), currency="USD")
    assert asked.value.detail == (
        "Kazoo's service plan: 1.50 USD activation + the first month of phone_numbers did_us 2.00 USD/month × 1."
    )
    assert activations(router) == [{"data": {}}], "one request, and it accepts nothing"
    assert US not in wire.account.owned


async def test_accepted_charges_are_accepted_once_after_asking_again(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    wire.charges = plan_charges(rate="2.00", activation="1.50")
    wire.mock_buy()
    progress = StaticProgress()
    owned = await kazoo.buy(order_for(accepted="3.50"), progress)
    assert owned.e164 == US
    assert activations(router) == [{"data": {}}, {"data": {}, "accept_charges": True}]
    assert progress.state == {"kazoo_accepting": "3.50 USD"}, "recorded before the accepting request"


async def test_charges_that_grew_since_the_user_saw_them_are_asked_again(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    wire.charges = plan_charges(rate="5.00", activation="1.50")
    wire.mock_buy()
    with pytest.raises(ChargesRequired) as asked:
        await kazoo.buy(order_for(accepted="3.50"), StaticProgress())
    assert asked.value.charges == Money(amount=Decimal("6.50"), currency="USD")
    assert all("accept_charges" not in body for body in activations(router))
    assert US not in wire.account.owned


async def test_charges_that_went_away_are_not_accepted(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    wire.mock_buy()  # the plan no longer charges
    await kazoo.buy(order_for(accepted="3.50"), StaticProgress())
    assert activations(router) == [{"data": {}}]


async def test_a_402_without_amounts_cannot_be_accepted(kazoo: KazooProvider, wire: KazooWire) -> None:
    wire.charges = {}
    wire.mock_buy()
    with pytest.raises(ChargesRequired) as asked:
        await kazoo.buy(order_for(accepted="3.50"), StaticProgress())
    assert asked.value.charges is None
    assert "unknown amount" in asked.value.user_message


@pytest.mark.parametrize("owned", [True, False])
async def test_number_exists_is_bought_only_when_the_account_has_it(
    kazoo: KazooProvider, wire: KazooWire, account: Account, owned: bool
) -> None:
    if owned:
        wire.mock_buy()  # Kazoo answers 409 number_exists for a number already on an account
        account.own(Listing(e164=US, country="US"))
        assert (await kazoo.buy(order_for(), StaticProgress())).e164 == US
        return
    body = {"cause": US, "code": 409, "error": "number_exists", "message": f"number {US} already exists"}
    wire.router.route(method="PUT", path__regex=r".*/activate$").mock(return_value=error(409, "number_exists", body))
    with pytest.raises(ProviderRefused, match=rf"could not buy \{US}: number exists: number \{US} already exists"):
        await kazoo.buy(order_for(), StaticProgress())


async def test_a_gateway_error_on_a_purchase_stays_unknown(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    route = router.route(method="PUT", path__regex=r".*/activate$").mock(
        return_value=httpx.Response(504, text="gateway")
    )
    with pytest.raises(OutcomeUnknown, match="does not show it yet"):
        await kazoo.buy(order_for(), StaticProgress())
    assert route.call_count == 1


async def test_a_rate_limited_purchase_is_not_looked_up_or_resent(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    route = router.route(method="PUT", path__regex=r".*/activate$").mock(
        return_value=error(429, "too_many_requests", {})
    )
    with pytest.raises(ProviderUnavailable, match="rate limited"):
        await kazoo.buy(order_for(), StaticProgress())
    assert route.call_count == 1
    assert not any(c.request.url.path.endswith(US) for c in router.calls)


async def test_a_reserved_number_is_on_the_account_but_not_bought(
    kazoo: KazooProvider, router: respx.MockRouter, wire: KazooWire
) -> None:
    reserved = {"id": US, "state": "reserved", "_read_only": {"state": "reserved"}}
    router.routes.clear()
    wire.mock_auth()
    wire.mock_callflow_reads()
    router.get(f"{A}/phone_numbers/%2B14155550100").mock(return_value=httpx.Response(200, json={"data": reserved}))
    owned = await kazoo.get(US)
    assert owned is not None
    assert owned.details["Kazoo state"] == "reserved"
    assert await kazoo.check_purchase(order_for(), StaticProgress()) is None


async def test_numbers_given_back_are_not_listed(
    kazoo: KazooProvider, router: respx.MockRouter, wire: KazooWire
) -> None:
    numbers = {"+14155550100": {"state": "in_service"}, "+14155550101": {"state": "available"}, "1001": {}}
    router.routes.clear()
    wire.mock_auth()
    wire.mock_callflow_reads()
    router.get(f"{A}/phone_numbers").mock(return_value=httpx.Response(200, json={"data": {"numbers": numbers}}))
    assert [n.e164 for n in await kazoo.list()] == ["+14155550100"]


# -- forwarding through callflows ----------------------------------------------------------


DESTINATION = "+447400123456"


async def test_forward_changes_the_bots_callflow_in_place(
    kazoo: KazooProvider, wire: KazooWire, account: Account
) -> None:
    account.own(Listing(e164=london(1), forward_to="+447400000001"))
    create, change = wire.mock_forward()

    await kazoo.forward(london(1), DESTINATION)

    assert create.call_count == 0
    assert change.calls.last.request.url.path == f"{A}/callflows/{callflow_id(london(1))}"
    assert json_of(change.calls.last.request)["data"]["flow"] == forward_flow(DESTINATION)
    owned = await kazoo.get(london(1))
    assert owned is not None
    assert owned.forward_to == DESTINATION
    assert owned.details["Kazoo callflow"] == f"numberbot: forward {london(1)}"


async def test_forward_keeps_a_hand_made_forwards_module_and_name(
    kazoo: KazooProvider, wire: KazooWire, account: Account
) -> None:
    account.own(Listing(e164=london(2)))
    flow = {"module": "offnet", "data": {"to_did": "+447400000002", "timeout": 20}, "children": {}}
    wire.others["c0ffee"] = {"id": "c0ffee", "name": "Out to Bob", "numbers": [london(2)], "patterns": [], "flow": flow}
    _, change = wire.mock_forward()

    await kazoo.forward(london(2), DESTINATION)

    sent = json_of(change.calls.last.request)["data"]
    assert sent == {
        "name": "Out to Bob",
        "numbers": [london(2)],
        "flow": {"module": "offnet", "data": {"to_did": DESTINATION, "timeout": 20}, "children": {}},
    }
    owned = await kazoo.get(london(2))
    assert owned is not None
    assert owned.forward_to == DESTINATION


async def test_forward_leaves_a_callflow_that_does_more_alone(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    account.own(Listing(e164=london(3)))
    flow = {"module": "user", "data": {"id": "u1"}, "children": {"_": {"module": "voicemail", "data": {}}}}
    wire.others["beef"] = {
        "id": "beef",
        "name": "Reception",
        "numbers": [london(3), "1000"],
        "patterns": [],
        "flow": flow,
    }
    create, change = wire.mock_forward()

    with pytest.raises(ProviderRefused) as refused:
        await kazoo.forward(london(3), DESTINATION)

    assert "routed by the Kazoo callflow “Reception”" in refused.value.user_message
    assert create.call_count == change.call_count == 0
    owned = await kazoo.get(london(3))
    assert owned is not None
    assert owned.forward_to is None
    assert owned.details["Kazoo callflow"] == "Reception"


@pytest.mark.parametrize("visible", [True, False])
async def test_a_lost_forward_answer_is_checked(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter, visible: bool
) -> None:
    account.own(Listing(e164=london(4)))

    def lost(request: httpx.Request) -> httpx.Response:
        if visible:
            account.forward(london(4), DESTINATION)
        raise httpx.ReadTimeout("no answer", request=request)

    route = router.route(method="PUT", path__regex=rf"^{A}/callflows$").mock(side_effect=lost)
    if visible:
        await kazoo.forward(london(4), DESTINATION)
    else:
        with pytest.raises(OutcomeUnknown, match="run the command again"):
            await kazoo.forward(london(4), DESTINATION)
    assert route.call_count == 1


async def test_a_callflow_kazoo_refuses_carries_the_validation_message(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    account.own(Listing(e164=london(5)))
    invalid = {"flow": {"required": {"message": "Field is required but missing; see https://docs.example/x"}}}
    router.route(method="PUT", path__regex=rf"^{A}/callflows$").mock(return_value=error(400, "invalid data", invalid))
    with pytest.raises(ProviderRefused) as refused:
        await kazoo.forward(london(5), DESTINATION)
    assert refused.value.user_message == (
        f"Kazoo: forwarding {london(5)} failed: invalid data: flow: Field is required but missing; see [link]"
    )


# -- release -------------------------------------------------------------------------------


async def test_release_removes_the_bots_callflow_after_the_number(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    account.own(Listing(e164=london(6), forward_to=DESTINATION))
    numbers, callflows = wire.mock_release()
    progress = StaticProgress()

    await kazoo.release(london(6), progress)

    assert numbers.call_count == callflows.call_count == 1
    deletes = [c.request.url.path for c in router.calls if c.request.method == "DELETE"]
    assert deletes == [f"{A}/phone_numbers/{london(6)}", f"{A}/callflows/{callflow_id(london(6))}"]
    assert progress.state == {"kazoo_callflow": callflow_id(london(6))}


@pytest.mark.parametrize(
    ("name", "numbers"),
    [("Desk", ["N"]), ("numberbot: forward N", ["N", "2000"])],
    ids=["someone-elses", "also-routes-an-extension"],
)
async def test_release_keeps_callflows_that_are_not_only_the_bots_forward(
    kazoo: KazooProvider, wire: KazooWire, account: Account, name: str, numbers: list[str]
) -> None:
    account.own(Listing(e164=london(7)))
    flow = {"module": "device", "data": {"id": "d1"}, "children": {}}
    listed = [london(7) if n == "N" else n for n in numbers]
    wire.others["d00d"] = {
        "id": "d00d",
        "name": name.replace("N", london(7)),
        "numbers": listed,
        "patterns": [],
        "flow": flow,
    }
    numbers_route, callflows = wire.mock_release()
    await kazoo.release(london(7), StaticProgress())
    assert (numbers_route.call_count, callflows.call_count) == (1, 0)
    assert "d00d" in wire.others


async def test_a_lost_release_is_finished_by_check_release(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    account.own(Listing(e164=london(8), forward_to=DESTINATION))

    def released_silently(request: httpx.Request) -> httpx.Response:
        account.drop(london(8))
        raise httpx.ReadTimeout("no answer", request=request)

    # Added first, so it answers before the wire's own DELETE of numbers.
    router.route(method="DELETE", path__regex=rf"^{A}/phone_numbers/.*$").mock(side_effect=released_silently)
    _, callflows = wire.mock_release()
    progress = StaticProgress()
    with pytest.raises(OutcomeUnknown):
        await kazoo.release(london(8), progress)
    assert callflows.call_count == 0
    assert await kazoo.check_release(london(8), progress) is True
    assert callflows.call_count == 1, "whoever resolves the release removes the callflow"


async def test_a_release_kazoo_refuses_is_kept_with_its_reason(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    account.own(Listing(e164=london(9)))
    denied = {"message": "unknown failure", "unauthorized": "Not authorized to perform requested number operation"}
    router.route(method="DELETE", path__regex=rf"^{A}/phone_numbers/.*$").mock(
        return_value=error(500, "unauthorized", denied)
    )
    with pytest.raises(ProviderRefused, match=r"could not release .*unauthorized: unknown failure"):
        await kazoo.release(london(9), StaticProgress())


# -- messages --------------------------------------------------------------------------------


def test_reasons_are_one_line_without_links() -> None:
    body = {"data": {"message": "bad\nidentifier"}, "error": "404", "message": "bad_identifier", "status": "error"}
    assert reason(httpx.Response(404, json=body)) == "bad identifier"
    assert reason(httpx.Response(502, text="<html>bad gateway</html>")) == "HTTP 502"
    body = {"data": "see http://kazoo.example:8000/v2 for details", "message": "init failed"}
    assert reason(httpx.Response(500, json=body)) == "init failed: see [link] for details"


# -- settings and registry -----------------------------------------------------------------


def test_registered_under_its_name() -> None:
    assert PROVIDERS["kazoo"] is KazooProvider


async def test_enabled_only_with_base_url_and_key(redis: Redis) -> None:
    async with httpx.AsyncClient() as http:
        assert KazooProvider.from_settings(make_settings(), http=http, redis=redis) is None
        settings = make_settings(kazoo_base_url=BASE_URL, kazoo_api_key=API_KEY, sandbox=False)
        assert list(build_providers(settings, http=http, redis=redis)) == ["kazoo"]


async def test_forward_keeps_numbers_someone_added_to_the_bots_callflow(
    kazoo: KazooProvider, wire: KazooWire, account: Account
) -> None:
    account.own(Listing(e164=london(10)))
    doc = {
        "name": f"numberbot: forward {london(10)}",
        "numbers": [london(10), "2000"],
        "flow": forward_flow("+447400000010"),
    }
    wire.others["f00d"] = {"id": "f00d", "patterns": [], **doc}
    _, change = wire.mock_forward()
    await kazoo.forward(london(10), DESTINATION)
    sent = json_of(change.calls.last.request)["data"]
    assert sent["numbers"] == [london(10), "2000"]
    assert sent["flow"] == forward_flow(DESTINATION)


async def test_an_item_charged_for_zero_units_adds_nothing(kazoo: KazooProvider, wire: KazooWire) -> None:
    wire.charges = plan_charges(rate="2.00", activation="1.50")
    wire.charges["phone_numbers"]["did_us"]["quantity"] = 0
    wire.mock_buy()
    with pytest.raises(ChargesRequired) as asked:
        await kazoo.buy(order_for(), StaticProgress())
    assert asked.value.charges == Money(amount=Decimal("1.50"), currency="USD")


async def test_a_number_gone_by_the_time_it_is_deleted_counts_as_released(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    account.own(Listing(e164=london(11), forward_to=DESTINATION))

    def already_gone(request: httpx.Request) -> httpx.Response:
        account.drop(london(11))  # released in Kazoo's UI a moment ago
        return error(404, "bad_identifier", {"message": "bad identifier", "not_found": "The number could not be found"})

    router.route(method="DELETE", path__regex=rf"^{A}/phone_numbers/.*$").mock(side_effect=already_gone)
    _, callflows = wire.mock_release()
    await kazoo.release(london(11), StaticProgress())
    assert callflows.call_count == 1
