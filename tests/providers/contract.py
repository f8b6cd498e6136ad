"""The provider contract: what every adapter must do, checked against its own wire format.

One set of behaviours (search, buy, list, get, forward, release and their failures) runs for
every adapter. The behaviours speak in wire-neutral terms: a `Listing` is a number as a test
describes it, an `Account` is what the provider-side account owns right now. Each adapter's
test module subclasses `ProviderContract` and supplies only what is specific to its wire:
how to build the adapter, and how its provider would answer (respx routes at the provider's
real paths and payload shapes, rendering the `Account` at request time), plus what a correct
request looks like. Like python-social-auth's backend tests: subclass, fill in hooks, done.

How to subclass (see tests/providers/vonage/test_contract.py for a complete one; the
adapter's other tests sit beside it, split by operation, sharing its conftest.py)::

    class TestFlowrouteContract(ProviderContract):
        label = "Flowroute"                       # the adapter's label, named in every message
        base_url = "https://api.flowroute.com"    # respx's base URL for this provider
        secrets = ("fr-secret-key",)              # values that must never reach a message or log
        currency = "USD"                          # the currency its prices come in
        page_size = 200                           # its account page size (the list test spans 2+ pages)
        operations = {                            # (method, path regex) of each kind of request
            "search": ("GET", r"/v2/numbers/available"),
            "account": ("GET", r"/v2/numbers"),
            "buy": ("POST", r"/v2/numbers/\\d+"),
            "forward": ("PATCH", r"/v2/numbers/\\d+/relationships/primary_route"),
            "release": ("DELETE", r"/v2/numbers/\\d+"),
        }

        def make_provider(self, http, redis, sleep): ...      # may be async; pass `sleep` on
        def mock_search(self, router, query, listings): ...
        def mock_account(self, router, account): ...           # every page and single lookup
        def mock_buy_ok(self, router, account, listing): ...
        def mock_buy_refused(self, router, account, listing, reason): ...
        def mock_buy_lost(self, router, account, listing, *, happened): ...
        def mock_forward(self, router, account): ...
        def mock_release(self, router, account): ...
        def mock_auth_failure(self, router): ...
        def mock_server_error(self, router, status) -> respx.Route: ...
        def mock_timeout(self, router) -> respx.Route: ...
        def mock_rate_limited_then_ok(self, router, account, retry_after) -> respx.Route: ...
        def assert_authenticated(self, request): ...
        def assert_search_request(self, request, query): ...
        def assert_buy_request(self, request, offer): ...
        def assert_forward_request(self, request, e164, destination): ...
        def assert_release_request(self, request, e164): ...
        def assert_pages_fetched(self, requests, total): ...

A provider whose search gives no price declares ``Capabilities(monthly_cost=False)`` and its
offers must then say "unknown" (None); one whose search names no features sets
``search_features`` to what its adapter claims for every offer.

Optional hooks with defaults: `number(i)` and `listing(i, **fields)` for the test numbers
(London by default; a provider that sells one region overrides them, with `query` and
`destination`), `mock_session(router)` for routes every scenario needs (Kazoo's
``PUT /v2/api_auth`` token), `mock_hold(router, listing)` for a reservation before buying
(Azure), `order_for(offer, hold)` to build the Order (Kazoo: accepted charges), and
`sent(router, operation)` when a regex per operation is not enough (Azure's polled
operations). Hooks are plain methods; respx side effects may be async functions.

A provider whose capabilities say ``forward=False`` (Azure) is held to the other half of the
forwarding contract instead: `forward` refuses with a clear NotSupported naming it and sends
nothing; the forwarding hooks may then be no-ops.

Every test also checks, for every request the adapter sent, that it was authenticated and
carried its own timeout (the client given to the adapter has none), and that no secret
appeared in any log record. The adapter is built with a recording `sleep` (its public
keyword): the waits its retry policy chose are recorded, not slept, so retries cost nothing.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, ClassVar

import httpx
import pytest
import respx
from redis.asyncio import Redis

from bot.errors import (
    BotError,
    NotSupported,
    OutcomeUnknown,
    ProviderAuthError,
    ProviderError,
    ProviderRefused,
    ProviderUnavailable,
)
from bot.models import Feature, Hold, NumberType, Offer, OwnedNumber, SearchQuery
from bot.providers.base import NumberProvider, Order, Progress
from bot.providers.http import RETRY_STATUSES
from tests.fakes import Sleeps, StaticProgress

__all__ = ["Account", "Listing", "ProviderContract", "london", "resolve_purchase"]

MAX_TIMEOUT = 60.0  # no single provider call may wait longer than this


def london(i: int) -> str:
    """A possible London number (020 7946 0xxx, Ofcom's range for fiction)."""
    return f"+44207946{i:04d}"


@dataclass(frozen=True)
class Listing:
    """A number as a test describes it, for a mock to render in the provider's format."""

    e164: str
    country: str = "GB"
    type: NumberType | None = NumberType.local
    features: frozenset[Feature] = frozenset({Feature.voice, Feature.sms})
    monthly: Decimal | None = Decimal("1.25")
    setup: Decimal | None = None
    forward_to: str | None = None

    @property
    def digits(self) -> str:
        return self.e164.removeprefix("+")


@dataclass
class Account:
    """What the provider-side account owns right now; mocks read and change it."""

    owned: dict[str, Listing] = field(default_factory=dict)

    def own(self, *listings: Listing) -> None:
        for listing in listings:
            self.owned[listing.e164] = listing

    def drop(self, e164: str) -> Listing | None:
        return self.owned.pop(e164, None)

    def forward(self, e164: str, destination: str) -> None:
        self.owned[e164] = replace(self.owned[e164], forward_to=destination)

    def numbers(self) -> list[Listing]:
        return [self.owned[k] for k in sorted(self.owned)]


async def resolve_purchase(provider: NumberProvider, order: Order, progress: Progress) -> OwnedNumber | None:
    """What the purchase flow concludes: refused → not bought; ambiguous → asked, never re-bought."""
    try:
        return await provider.buy(order, progress)
    except ProviderRefused:
        return None
    except OutcomeUnknown:
        return await provider.check_purchase(order, progress)


class ProviderContract:
    """Subclass as ``Test<Provider>Contract`` and fill in the hooks (module docstring)."""

    label: ClassVar[str]
    base_url: ClassVar[str]
    secrets: ClassVar[tuple[str, ...]] = ()
    currency: ClassVar[str | None] = None  # None: any ISO code
    page_size: ClassVar[int] = 100
    read_attempts: ClassVar[int] = 3  # ProviderHttp's attempts for a read
    operations: ClassVar[Mapping[str, tuple[str, str]]] = {}
    query: ClassVar[SearchQuery] = SearchQuery(
        country="GB", pattern="20", type=NumberType.local, features=frozenset({Feature.voice}), limit=10
    )
    destination: ClassVar[str] = "+447400123456"
    # None: search results say which features each number has. A provider whose search does
    # not say sets what its adapter claims for every offer instead (Kazoo: voice).
    search_features: ClassVar[frozenset[Feature] | None] = None

    # -- hooks: building the adapter -------------------------------------------------------

    def make_provider(self, http: httpx.AsyncClient, redis: Redis, sleep: Sleeps) -> Any:
        """The adapter under test over `http`, waiting with `sleep` (may return an awaitable)."""
        raise NotImplementedError

    def number(self, i: int) -> str:
        """The i-th test number, in a range the provider sells (default: London, GB)."""
        return london(i)

    def listing(self, i: int, **fields: Any) -> Listing:
        """A number for sale as a test describes it, within what the provider can express
        (override for a provider that sells one region or reports fewer details)."""
        return Listing(e164=self.number(i), **fields)

    def order_for(self, offer: Offer, hold: Hold | None) -> Order:
        return Order(op_id="op-contract-1", offer=offer, hold=hold)

    # -- hooks: how the provider answers (respx routes) -------------------------------------

    def mock_session(self, router: respx.MockRouter) -> None:
        """Routes every scenario needs before anything else (e.g. a token endpoint)."""

    def mock_search(self, router: respx.MockRouter, query: SearchQuery, listings: list[Listing]) -> None:
        """Searching answers `listings` in the provider's format."""
        raise NotImplementedError

    def mock_hold(self, router: respx.MockRouter, listing: Listing) -> None:
        """Reserving `listing` succeeds (only called when capabilities.hold)."""

    def mock_account(self, router: respx.MockRouter, account: Account) -> None:
        """Every read of the account (list pages, single lookups) renders `account` when asked."""
        raise NotImplementedError

    def mock_buy_ok(self, router: respx.MockRouter, account: Account, listing: Listing) -> None:
        """Buying succeeds, and the account owns the number from then on."""
        raise NotImplementedError

    def mock_buy_refused(self, router: respx.MockRouter, account: Account, listing: Listing, reason: str) -> None:
        """Buying is refused with the provider's own `reason`; the account is unchanged."""
        raise NotImplementedError

    def mock_buy_lost(self, router: respx.MockRouter, account: Account, listing: Listing, *, happened: bool) -> None:
        """The buy's answer is lost (read timeout); the purchase happened or not."""
        raise NotImplementedError

    def mock_forward(self, router: respx.MockRouter, account: Account) -> None:
        """Setting forwarding succeeds and changes `account` (Account.forward)."""
        raise NotImplementedError

    def mock_release(self, router: respx.MockRouter, account: Account) -> None:
        """Releasing succeeds and drops the number from `account`."""
        raise NotImplementedError

    def mock_auth_failure(self, router: respx.MockRouter) -> None:
        """Every request is rejected for its credentials (HTTP 401 as the provider sends it)."""
        raise NotImplementedError

    def mock_server_error(self, router: respx.MockRouter, status: int) -> respx.Route:
        """Account reads answer `status` every time; returns that route."""
        raise NotImplementedError

    def mock_timeout(self, router: respx.MockRouter) -> respx.Route:
        """Account reads time out every time; returns that route."""
        raise NotImplementedError

    def mock_rate_limited_then_ok(self, router: respx.MockRouter, account: Account, retry_after: int) -> respx.Route:
        """The first account read answers 429 with Retry-After, later ones the account."""
        raise NotImplementedError

    # -- hooks: what the provider must have received --------------------------------------

    def sent(self, router: respx.MockRouter, operation: str) -> list[httpx.Request]:
        """Requests of one kind ("search", "account", "buy", "forward", "release")."""
        method, path = self.operations[operation]
        return [
            call.request
            for call in router.calls
            if call.request.method == method and re.fullmatch(path, call.request.url.path)
        ]

    def assert_authenticated(self, request: httpx.Request) -> None:
        raise NotImplementedError

    def assert_search_request(self, request: httpx.Request, query: SearchQuery) -> None:
        raise NotImplementedError

    def assert_buy_request(self, request: httpx.Request, offer: Offer) -> None:
        raise NotImplementedError

    def assert_forward_request(self, request: httpx.Request, e164: str, destination: str) -> None:
        raise NotImplementedError

    def assert_release_request(self, request: httpx.Request, e164: str) -> None:
        raise NotImplementedError

    def assert_pages_fetched(self, requests: list[httpx.Request], total: int) -> None:
        """`requests` are the account reads one `list()` made for `total` numbers."""
        raise NotImplementedError

    # -- fixtures --------------------------------------------------------------------------

    @pytest.fixture
    def retry_waits(self) -> Sleeps:
        """The adapter's `sleep`: the waits its retry policy chose, recorded instead of slept."""
        return Sleeps()

    @pytest.fixture(autouse=True)
    def no_secret_in_logs(self, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
        caplog.set_level(logging.DEBUG)
        yield
        for record in caplog.records:
            text = record.getMessage() + (record.exc_text or "") + repr(record.__dict__)
            for secret in self.secrets:
                assert secret not in text, f"a secret reached the log ({record.name})"

    @pytest.fixture
    def account(self) -> Account:
        return Account()

    @pytest.fixture
    def router(self) -> Iterator[respx.MockRouter]:
        with respx.mock(base_url=self.base_url, assert_all_called=False, assert_all_mocked=True) as router:
            self.mock_session(router)
            yield router
            for call in router.calls:
                self.assert_authenticated(call.request)
                self._assert_timeout(call.request)

    @pytest.fixture
    async def provider(
        self, router: respx.MockRouter, redis: Redis, retry_waits: Sleeps
    ) -> AsyncIterator[NumberProvider]:
        # No default timeout on this client: every timeout seen must be the adapter's own.
        async with httpx.AsyncClient(timeout=None) as http:
            made = self.make_provider(http, redis, retry_waits)
            provider = await made if inspect.isawaitable(made) else made
            yield provider
            await provider.aclose()

    # -- helpers ---------------------------------------------------------------------------

    def _assert_timeout(self, request: httpx.Request) -> None:
        timeout = request.extensions.get("timeout", {})
        for phase in ("connect", "read", "write", "pool"):
            value = timeout.get(phase)
            assert value is not None, f"{request.method} {request.url.path} has no {phase} timeout"
            assert 0 < value <= MAX_TIMEOUT, f"{request.method} {request.url.path}: {phase} timeout {value}"

    def assert_safe_message(self, exc: BotError) -> None:
        """One line, names the provider, and carries no secret, URL or auth header."""
        message = exc.user_message
        assert "\n" not in message
        assert self.label in message
        for text in (message, str(exc), repr(exc)):
            for secret in self.secrets:
                assert secret not in text, "a secret reached an error message"
            assert "://" not in text, "a URL reached an error message"
            assert "Authorization" not in text
            assert "Basic " not in text

    def listings(self, count: int, start: int = 100) -> list[Listing]:
        monthly = [Decimal("0.95"), Decimal("1.25"), Decimal("2.10")]
        return [self.listing(start + i, monthly=monthly[i % 3]) for i in range(count)]

    async def offer_for(self, provider: NumberProvider, router: respx.MockRouter, listing: Listing) -> Offer:
        """The offer as the adapter produced it from a search (it may carry provider refs)."""
        self.mock_search(router, self.query, [listing])
        offers = await provider.search(self.query)
        (offer,) = [o for o in offers if o.e164 == listing.e164]
        return offer

    async def order(self, provider: NumberProvider, router: respx.MockRouter, listing: Listing) -> Order:
        offer = await self.offer_for(provider, router, listing)
        hold = None
        if provider.capabilities.hold:
            self.mock_hold(router, listing)
            hold = await provider.hold(offer)
        return self.order_for(offer, hold)

    # -- search ----------------------------------------------------------------------------

    async def test_search_returns_offers_with_decimal_money(
        self, provider: NumberProvider, router: respx.MockRouter
    ) -> None:
        listings = [
            self.listing(101, monthly=Decimal("0.95")),
            self.listing(102, monthly=Decimal("1.2500"), features=frozenset({Feature.voice})),
            self.listing(103, monthly=None),
        ]
        self.mock_search(router, self.query, listings)
        offers = await provider.search(self.query)

        by_number = {o.e164: o for o in offers}
        assert set(by_number) == {listing.e164 for listing in listings}
        for listing in listings:
            offer = by_number[listing.e164]
            assert offer.provider == provider.name
            assert offer.country == listing.country
            assert offer.type == listing.type
            assert offer.features == (listing.features if self.search_features is None else self.search_features)
            if listing.monthly is None or not provider.capabilities.monthly_cost:
                assert offer.monthly is None, "an unknown cost stays unknown, never 0"
            else:
                assert offer.monthly is not None
                assert isinstance(offer.monthly.amount, Decimal)
                assert offer.monthly.amount == listing.monthly
                assert self.currency is None or offer.monthly.currency == self.currency
            if not provider.capabilities.setup_cost:
                assert offer.setup is None, "a provider without setup costs shows them as unknown"
        (request,) = self.sent(router, "search")
        self.assert_search_request(request, self.query)

    # -- buy -------------------------------------------------------------------------------

    async def test_buy_success(self, provider: NumberProvider, router: respx.MockRouter, account: Account) -> None:
        listing = self.listing(201)
        self.mock_account(router, account)
        order = await self.order(provider, router, listing)
        self.mock_buy_ok(router, account, listing)

        owned = await provider.buy(order, StaticProgress())

        assert owned.e164 == listing.e164
        assert owned.provider == provider.name
        (request,) = self.sent(router, "buy")
        self.assert_buy_request(request, order.offer)
        assert await provider.get(listing.e164) is not None

    async def test_buy_refused_records_nothing(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account
    ) -> None:
        listing = self.listing(202)
        self.mock_account(router, account)
        order = await self.order(provider, router, listing)
        self.mock_buy_refused(router, account, listing, reason="insufficient credit")

        with pytest.raises(ProviderRefused) as refused:
            await provider.buy(order, StaticProgress())

        self.assert_safe_message(refused.value)
        assert "insufficient credit" in refused.value.user_message, "the provider's own reason reaches the user"
        assert len(self.sent(router, "buy")) == 1, "a refused buy is not sent again"
        assert await provider.get(listing.e164) is None

    async def test_a_refused_buy_of_a_number_the_account_owns_counts_as_bought(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account
    ) -> None:
        listing = self.listing(203)
        self.mock_account(router, account)
        order = await self.order(provider, router, listing)
        self.mock_buy_refused(router, account, listing, reason="method failed")
        account.own(listing)  # an earlier attempt (or a colleague) got it onto the account

        owned = await resolve_purchase(provider, order, StaticProgress())

        assert owned is not None
        assert owned.e164 == listing.e164
        assert len(self.sent(router, "buy")) == 1

    @pytest.mark.parametrize("happened", [True, False], ids=["bought", "not-bought"])
    async def test_a_lost_buy_answer_is_resolved_by_looking_not_by_buying_again(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account, happened: bool
    ) -> None:
        listing = self.listing(204)
        self.mock_account(router, account)
        order = await self.order(provider, router, listing)
        self.mock_buy_lost(router, account, listing, happened=happened)

        owned = await resolve_purchase(provider, order, StaticProgress())

        assert (owned is not None and owned.e164 == listing.e164) if happened else owned is None
        assert len(self.sent(router, "buy")) == 1, "a buy is never retried blindly"
        assert self.sent(router, "account"), "the outcome was found out by asking the account"

    # -- reading the account ---------------------------------------------------------------

    async def test_list_returns_every_number_across_pages(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account
    ) -> None:
        total = self.page_size * 2 + 3
        account.own(*self.listings(total))
        self.mock_account(router, account)

        numbers = await provider.list()

        assert sorted(n.e164 for n in numbers) == sorted(account.owned)
        assert all(n.provider == provider.name for n in numbers)
        self.assert_pages_fetched(self.sent(router, "account"), total)

    async def test_list_of_an_empty_account(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account
    ) -> None:
        self.mock_account(router, account)
        assert await provider.list() == []

    async def test_get_owned_and_not_owned(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account
    ) -> None:
        mine = self.listing(301, forward_to=self.destination)
        account.own(mine, self.listing(302))
        self.mock_account(router, account)

        owned = await provider.get(mine.e164)
        assert owned is not None
        assert owned.e164 == mine.e164
        assert owned.provider == provider.name
        assert owned.country == mine.country
        if provider.capabilities.forward:
            assert owned.forward_to == self.destination
        assert await provider.get(self.number(303)) is None

    # -- forward ---------------------------------------------------------------------------

    async def test_forward_is_sent_and_visible_in_get_and_list(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account
    ) -> None:
        if not provider.capabilities.forward:
            pytest.skip("the provider has no forwarding (test_forward_unsupported_says_so_and_sends_nothing)")
        listing = self.listing(401)
        account.own(listing)
        self.mock_account(router, account)
        self.mock_forward(router, account)

        await provider.forward(listing.e164, self.destination)

        (request,) = self.sent(router, "forward")
        self.assert_forward_request(request, listing.e164, self.destination)
        owned = await provider.get(listing.e164)
        assert owned is not None
        assert owned.forward_to == self.destination
        (listed,) = await provider.list()
        assert listed.forward_to == self.destination

    async def test_forward_unsupported_says_so_and_sends_nothing(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account
    ) -> None:
        if provider.capabilities.forward:
            pytest.skip("the provider forwards (test_forward_is_sent_and_visible_in_get_and_list)")
        account.own(self.listing(403))
        self.mock_account(router, account)
        with pytest.raises(NotSupported) as refused:
            await provider.forward(self.number(403), self.destination)
        self.assert_safe_message(refused.value)
        assert "forward" in refused.value.user_message
        assert not router.calls, "nothing is sent for an operation the provider lacks"

    async def test_forward_of_a_number_not_on_the_account_fails_clearly(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account
    ) -> None:
        self.mock_account(router, account)
        self.mock_forward(router, account)
        with pytest.raises(ProviderError) as failed:
            await provider.forward(self.number(402), self.destination)
        self.assert_safe_message(failed.value)
        assert account.owned == {}

    # -- release ---------------------------------------------------------------------------

    async def test_release_gives_the_number_back(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account
    ) -> None:
        listing = self.listing(501)
        account.own(listing, self.listing(502))
        self.mock_account(router, account)
        self.mock_release(router, account)

        await provider.release(listing.e164, StaticProgress())

        (request,) = self.sent(router, "release")
        self.assert_release_request(request, listing.e164)
        assert await provider.get(listing.e164) is None
        assert await provider.check_release(listing.e164, StaticProgress()) is True
        assert [n.e164 for n in await provider.list()] == [self.number(502)]

    async def test_release_of_a_number_already_gone_counts_as_released(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account
    ) -> None:
        self.mock_account(router, account)
        self.mock_release(router, account)
        await provider.release(self.number(503), StaticProgress())
        assert await provider.check_release(self.number(503), StaticProgress()) is True

    # -- failures --------------------------------------------------------------------------

    @pytest.mark.parametrize("operation", ["search", "list", "get", "buy", "forward", "release"])
    async def test_rejected_credentials_say_so(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account, operation: str
    ) -> None:
        if operation == "forward" and not provider.capabilities.forward:
            pytest.skip("the provider has no forwarding: nothing is sent")
        self.mock_account(router, account)
        order = await self.order(provider, router, self.listing(601)) if operation == "buy" else None
        router.routes.clear()
        self.mock_auth_failure(router)
        calls = {
            "search": lambda: provider.search(self.query),
            "list": provider.list,
            "get": lambda: provider.get(self.number(601)),
            "buy": lambda: provider.buy(order, StaticProgress()),  # type: ignore[arg-type]
            "forward": lambda: provider.forward(self.number(601), self.destination),
            "release": lambda: provider.release(self.number(601), StaticProgress()),
        }
        with pytest.raises(ProviderAuthError) as rejected:
            await calls[operation]()
        self.assert_safe_message(rejected.value)
        assert f"{self.label} rejected the credentials" in rejected.value.user_message

    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    @pytest.mark.parametrize("operation", ["list", "get"])
    async def test_a_persistent_server_error_on_a_read_is_unavailable_after_retries(
        self, provider: NumberProvider, router: respx.MockRouter, status: int, operation: str
    ) -> None:
        route = self.mock_server_error(router, status)
        with pytest.raises(ProviderUnavailable) as failed:
            await (provider.list() if operation == "list" else provider.get(self.number(701)))
        self.assert_safe_message(failed.value)
        assert f"HTTP {status}" in failed.value.user_message
        # Gateway errors are retried; a plain 500 is the server's answer and is not.
        attempts = self.read_attempts if status in RETRY_STATUSES else 1
        assert route.call_count == attempts

    async def test_a_read_timeout_is_unavailable_after_retries(
        self, provider: NumberProvider, router: respx.MockRouter, retry_waits: list[float]
    ) -> None:
        route = self.mock_timeout(router)
        with pytest.raises(ProviderUnavailable) as failed:
            await provider.list()
        self.assert_safe_message(failed.value)
        assert "timed out" in failed.value.user_message
        assert route.call_count == self.read_attempts

    async def test_a_rate_limited_read_waits_as_asked_then_succeeds(
        self, provider: NumberProvider, router: respx.MockRouter, account: Account, retry_waits: list[float]
    ) -> None:
        account.own(self.listing(801))
        route = self.mock_rate_limited_then_ok(router, account, retry_after=7)

        numbers = await provider.list()

        assert [n.e164 for n in numbers] == [self.number(801)]
        assert route.call_count == 2
        assert retry_waits == [7.0], "Retry-After decides the wait"
