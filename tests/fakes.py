"""Test doubles for the provider protocol: a call recorder and a controllable carrier."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from bot.errors import ChargesRequired, OutcomeUnknown, ProviderRefused
from bot.models import Feature, Money, NumberType, Offer, OwnedNumber, SearchQuery
from bot.providers.base import BaseProvider, Capabilities, NumberProvider, Order, Progress

__all__ = ["FakeCarrier", "Recorder", "Sleeps", "StaticProgress"]

_METHODS = (
    "search", "hold", "unhold", "buy", "check_purchase", "list", "get",
    "forward", "rename", "release", "check_release",
    "e911", "set_e911", "clear_e911", "cnam", "set_cnam", "clear_cnam", "set_cnam_lookup", "balance",
    "forward", "rename", "release", "check_release", "route_sms", "send_sms",
)  # fmt: skip


class Recorder:
    """Wraps a provider and records every call made to it (to prove "no provider call")."""

    def __init__(self, inner: NumberProvider) -> None:
        self.inner = inner
        self.name = inner.name
        self.label = inner.label
        self.capabilities = inner.capabilities
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, item: str) -> Any:
        target = getattr(self.inner, item)
        if item not in _METHODS:
            return target

        async def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((item, args))
            return await target(*args, **kwargs)

        return recorded

    def count(self, method: str | None = None) -> int:
        return sum(1 for name, _ in self.calls if method is None or name == method)

    async def aclose(self) -> None:
        return None


class FakeCarrier(BaseProvider):
    """A carrier whose answers a test chooses. State is in memory: share one instance
    between "processes" of a test to see every request it received."""

    name: ClassVar[str] = "fake"
    label: ClassVar[str] = "FakeCarrier"
    capabilities: ClassVar[Capabilities] = Capabilities(setup_cost=True)

    def __init__(self) -> None:
        self.owned: dict[str, OwnedNumber] = {}
        self.requests: Counter[str] = Counter()
        # ok | refuse | lost-after-buying | lost-before-buying | lost-completes-later | charges | hang
        self.buy_mode = "ok"
        self.buy_delay = 0.0
        self.check_mode = "answer"  # answer | unknown
        self.charges = Money(amount=Decimal("4.50"), currency="USD")
        self.accepted: list[Money | None] = []
        self.bought_event = asyncio.Event()
        self.catalog: list[Offer] = []  # what search answers (one offer when empty)
        self.search_delay = 0.0

    def offer(self, e164: str = "+14155550123", monthly: str | None = "2.00") -> Offer:
        return Offer(
            provider=self.name,
            e164=e164,
            country="US",
            type=NumberType.local,
            features=frozenset({Feature.voice, Feature.sms}),
            monthly=Money(amount=Decimal(monthly), currency="USD") if monthly is not None else None,
            setup=Money(amount=Decimal("1.00"), currency="USD"),
        )

    async def search(self, query: SearchQuery) -> list[Offer]:
        self.requests["search"] += 1
        if self.search_delay:
            await asyncio.sleep(self.search_delay)
        return list(self.catalog or [self.offer()])[: query.limit]

    def _own(self, e164: str) -> OwnedNumber:
        owned = OwnedNumber(
            provider=self.name, e164=e164, country="US", monthly=Money(amount=Decimal("2.00"), currency="USD")
        )
        self.owned[e164] = owned
        return owned

    async def buy(self, order: Order, progress: Progress) -> OwnedNumber:
        self.requests["buy"] += 1
        self.accepted.append(order.accepted_charges)
        e164 = order.offer.e164
        if self.buy_delay:
            await asyncio.sleep(self.buy_delay)
        mode = self.buy_mode
        if mode == "hang":
            self._own(e164)
            self.bought_event.set()
            await asyncio.sleep(3600)
        if mode == "charges" and order.accepted_charges is None:
            raise ChargesRequired(self.label, self.charges, "activation fee")
        if e164 in self.owned:
            raise ProviderRefused(self.label, f"{e164} is already on the account")
        if mode == "refuse":
            raise ProviderRefused(self.label, "insufficient credit")
        if mode == "lost-after-buying":
            self._own(e164)
            raise OutcomeUnknown(self.label, "buy got no answer")
        if mode == "lost-before-buying":
            raise OutcomeUnknown(self.label, "buy got no answer")
        if mode == "lost-completes-later":
            asyncio.get_running_loop().call_later(0.1, self._own, e164)
            raise OutcomeUnknown(self.label, "buy got no answer")
        owned = self._own(e164)
        self.bought_event.set()
        return owned

    async def get(self, e164: str) -> OwnedNumber | None:
        self.requests["get"] += 1
        if self.check_mode == "unknown":
            raise OutcomeUnknown(self.label, "status unknown")
        return self.owned.get(e164)

    async def list(self) -> list[OwnedNumber]:
        self.requests["list"] += 1
        return list(self.owned.values())

    async def forward(self, e164: str, destination: str) -> None:
        self.requests["forward"] += 1
        self.owned[e164] = self.owned[e164].model_copy(update={"forward_to": destination})

    async def release(self, e164: str, progress: Progress) -> None:
        self.requests["release"] += 1
        self.owned.pop(e164, None)


class Sleeps(list[float]):
    """A `sleep` for adapters (ProviderHttp retries, Azure's polls): records each wait
    instead of sleeping it, so retries cost no time and tests can see what was chosen."""

    async def __call__(self, seconds: float) -> None:
        self.append(float(seconds))


class StaticProgress:
    """A Progress that keeps its state in memory: what survives a "restart" is what a test
    hands to the next one (``StaticProgress(progress.state)``), never Redis."""

    def __init__(self, state: Mapping[str, Any] | None = None) -> None:
        self._state: dict[str, Any] = dict(state or {})

    @property
    def state(self) -> Mapping[str, Any]:
        return self._state

    async def save(self, **values: Any) -> None:
        self._state.update(values)
