"""Search across providers: concurrent, each under its own timeout, failures become notes."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import ClassVar

from redis.asyncio import Redis

from bot.errors import ProviderUnavailable
from bot.models import Money, NumberType, Offer, SearchQuery
from bot.providers.base import BaseProvider, Capabilities
from bot.providers.registry import ProviderSet
from bot.search import SearchService, SearchStore


class Scripted(BaseProvider):
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(
        self,
        name: str,
        prices: list[str | None],
        *,
        gate: asyncio.Event | None = None,
        opens: asyncio.Event | None = None,
        fail: Exception | None = None,
        hang: bool = False,
    ) -> None:
        self.name = name  # type: ignore[misc]
        self.label = name  # type: ignore[misc]
        self.prices = prices
        self.gate, self.opens, self.fail, self.hang = gate, opens, fail, hang

    async def search(self, query: SearchQuery) -> list[Offer]:
        if self.opens is not None:
            self.opens.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.hang:
            await asyncio.sleep(3600)
        if self.fail is not None:
            raise self.fail
        return [
            Offer(provider=self.name, e164=f"+1415555{i:04d}", country="US", type=NumberType.local,
                  monthly=Money(amount=Decimal(p), currency="USD") if p else None)
            for i, p in enumerate(self.prices)
        ]  # fmt: skip


async def test_providers_are_asked_concurrently(redis: Redis) -> None:
    # Each provider waits for the other to have started: asked one after the other, this deadlocks.
    a_started, b_started = asyncio.Event(), asyncio.Event()
    a = Scripted("a", ["2.00"], opens=a_started, gate=b_started)
    b = Scripted("b", ["1.00"], opens=b_started, gate=a_started)
    service = SearchService(providers=ProviderSet({"a": a, "b": b}), searches=SearchStore(redis))
    offers, notes = await asyncio.wait_for(service.find(SearchQuery(country="US")), 5)
    assert [o.provider for o in offers] == ["b", "a"]
    assert notes == []


async def test_merged_cheapest_first_unknown_last_and_limited(redis: Redis) -> None:
    service = SearchService(
        providers=ProviderSet({"a": Scripted("a", ["3.00", None]), "b": Scripted("b", ["0.50", "2.00"])}),
        searches=SearchStore(redis),
    )
    offers, _ = await service.find(SearchQuery(country="US", limit=3))
    assert [str(o.monthly.amount) if o.monthly else None for o in offers] == ["0.50", "2.00", "3.00"]


async def test_a_failing_or_slow_provider_is_a_note_while_others_answer(redis: Redis) -> None:
    service = SearchService(
        providers=ProviderSet(
            {
                "ok": Scripted("ok", ["1.00"]),
                "down": Scripted(
                    "down", [], fail=ProviderUnavailable("down", "search failed on down's side (HTTP 503)")
                ),
                "slow": Scripted("slow", [], hang=True),
                "buggy": Scripted("buggy", [], fail=KeyError("secret-ish detail")),
            }
        ),
        searches=SearchStore(redis),
        timeout=0.2,
    )
    offers, notes = await service.find(SearchQuery(country="US"))
    assert [o.provider for o in offers] == ["ok"]
    assert "down: search failed on down's side (HTTP 503)" in notes
    assert "slow: no answer within 0.2 s" in notes
    buggy = next(n for n in notes if n.startswith("buggy"))
    assert "ref" in buggy
    assert "secret-ish" not in buggy


async def test_a_provider_that_does_not_sell_there_is_not_asked(redis: Redis) -> None:
    class NorthAmerica(Scripted):
        capabilities: ClassVar[Capabilities] = Capabilities(countries=frozenset({"US", "CA"}))

    na = NorthAmerica("na", ["1.00"], fail=AssertionError("must not be called"))
    service = SearchService(providers=ProviderSet({"na": na}), searches=SearchStore(redis))
    offers, notes = await service.find(SearchQuery(country="GB"))
    assert offers == []
    assert notes == ["na does not sell numbers in GB"]
