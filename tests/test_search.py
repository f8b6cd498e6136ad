"""Search across providers: concurrent, each under its own timeout, failures become notes, and
merged fairly (each provider's cheapest first) by cost converted into the team currency."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import ClassVar

from redis.asyncio import Redis

from bot import keys
from bot.budget import BudgetStore
from bot.errors import ProviderUnavailable
from bot.models import Caller, Money, NumberType, Offer, SearchQuery
from bot.providers.base import BaseProvider, Capabilities
from bot.providers.registry import ProviderSet
from bot.search import SearchService, SearchStore, fair_merge
from tests.rates import fixed_rates


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
        self.currency = "USD"
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
            Offer(provider=self.name, e164=f"+1415{abs(hash(self.name)) % 1000:03d}{i:04d}", country="US",
                  type=NumberType.local, monthly=Money(amount=Decimal(p), currency=self.currency) if p else None)
            for i, p in enumerate(self.prices)
        ]  # fmt: skip


def service(redis: Redis, providers: dict[str, Scripted], **options: float) -> SearchService:
    budget = BudgetStore(redis, rates=fixed_rates(), default_currency="USD")
    return SearchService(providers=ProviderSet(providers), searches=SearchStore(redis), budget=budget, **options)


def found(offers: dict[str, list[Offer]]) -> dict[str, list[str | None]]:
    return {name: [str(o.monthly.amount) if o.monthly else None for o in got] for name, got in offers.items()}


async def test_providers_are_asked_concurrently(redis: Redis) -> None:
    # Each provider waits for the other to have started: asked one after the other, this deadlocks.
    a_started, b_started = asyncio.Event(), asyncio.Event()
    a = Scripted("a", ["2.00"], opens=a_started, gate=b_started)
    b = Scripted("b", ["1.00"], opens=b_started, gate=a_started)
    offers, notes = await asyncio.wait_for(service(redis, {"a": a, "b": b}).find(SearchQuery(country="US")), 5)
    assert found(offers) == {"a": ["2.00"], "b": ["1.00"]}
    assert notes == []


def test_the_fair_merge_puts_every_providers_cheapest_first() -> None:
    def offers(name: str, prices: list[str | None]) -> list[Offer]:
        return asyncio.run(Scripted(name, prices).search(SearchQuery(country="US")))

    merged = fair_merge(
        {"cheap": offers("cheap", ["0.10", "0.20", "0.30"]), "dear": offers("dear", ["5.00", "6.00"]),
         "unpriced": offers("unpriced", [None, None])},
        lambda o: o.monthly.amount if o.monthly else None,
    )  # fmt: skip
    shown = [(o.provider, str(o.monthly.amount) if o.monthly else None) for o in merged]
    assert shown[:3] == [("cheap", "0.10"), ("dear", "5.00"), ("unpriced", None)], "one of each on top"
    assert shown[3:] == [("cheap", "0.20"), ("cheap", "0.30"), ("dear", "6.00"), ("unpriced", None)]


async def test_costs_are_compared_in_the_team_currency(redis: Redis) -> None:
    euros = Scripted("euros", ["0.86"])  # 0.86 EUR = 0.946 USD
    euros.currency = "EUR"
    dollars = Scripted("dollars", ["0.95"])
    pounds = Scripted("pounds", ["0.80"])  # 0.80 GBP = 1.035 USD
    pounds.currency = "GBP"
    nowhere = Scripted("nowhere", ["0.01"])  # no ECB rate: cannot be compared, so last
    nowhere.currency = "XAU"
    search = service(redis, {"dollars": dollars, "euros": euros, "pounds": pounds, "nowhere": nowhere})
    results = await search.run(Caller(team_id="T1", user_id="U1"), SearchQuery(country="US"))
    assert [o.provider for o in results.offers] == ["euros", "dollars", "pounds", "nowhere"]
    assert results.currency == "USD"
    assert results.counts == {"dollars": 1, "euros": 1, "nowhere": 1, "pounds": 1}


async def test_an_admitted_search_compares_in_the_currency_the_team_set(redis: Redis) -> None:
    dollars = Scripted("dollars", ["1.10"])  # 0.85 GBP
    pounds = Scripted("pounds", ["0.90"])
    pounds.currency = "GBP"
    search = service(redis, {"dollars": dollars, "pounds": pounds})
    caller = Caller(team_id="T1", user_id="U1")
    await redis.hset(keys.budget("T1"), mapping={"currency": "GBP", "budget": "100"})
    admitted = await search.admit(caller)
    assert admitted.currency == "GBP", "the admission read the team currency in the same step"

    results = await search.run(caller, SearchQuery(country="US"), admitted=admitted)

    assert results.currency == "GBP"
    assert [o.provider for o in results.offers] == ["dollars", "pounds"]
    assert await redis.zcard(keys.searching("T1", "U1")) == 0, "the search stopped counting"


async def test_a_team_with_settings_from_before_the_team_currency_is_brought_forward(redis: Redis) -> None:
    search = service(redis, {"dollars": Scripted("dollars", ["1.10"])})
    caller = Caller(team_id="T1", user_id="U1")
    await redis.hset(keys.budget("T1"), mapping={"budget:EUR": "50"})
    admitted = await search.admit(caller)
    assert admitted.currency is None

    results = await search.run(caller, SearchQuery(country="US"), admitted=admitted)

    assert results.currency == "EUR"
    assert await redis.hget(keys.budget("T1"), "currency") == "EUR"


async def test_a_team_that_set_nothing_compares_in_the_default_currency(redis: Redis) -> None:
    search = service(redis, {"dollars": Scripted("dollars", ["1.10"])})
    caller = Caller(team_id="T1", user_id="U1")
    admitted = await search.admit(caller)
    assert admitted.currency == ""

    results = await search.run(caller, SearchQuery(country="US"), admitted=admitted)

    assert results.currency == "USD"


async def test_pages_come_from_the_stored_search_without_asking_again(redis: Redis) -> None:
    a, b = Scripted("a", ["1.00", "1.10", "1.20"]), Scripted("b", ["2.00", "2.10", "2.20"])
    search = service(redis, {"a": a, "b": b})
    caller = Caller(team_id="T1", user_id="U1")
    first = await search.run(caller, SearchQuery(country="US", limit=2))
    assert (first.total, first.pages) == (6, 3)
    assert [o.provider for o in first.offers] == ["a", "b"]
    a.fail = b.fail = AssertionError("paging must not ask a provider")
    pages = [first, *[await search.page(caller, f"{first.search_id}:{n}") for n in (1, 2)]]
    seen = [(o.provider, str(o.monthly.amount)) for p in pages for o in p.offers if o.monthly]
    assert seen == [("a", "1.00"), ("b", "2.00"), ("a", "1.10"), ("a", "1.20"), ("b", "2.10"), ("b", "2.20")]
    assert [p.first for p in pages] == [0, 2, 4]


async def test_a_failing_or_slow_provider_is_a_note_while_others_answer(redis: Redis) -> None:
    search = service(
        redis,
        {
            "ok": Scripted("ok", ["1.00"]),
            "down": Scripted("down", [], fail=ProviderUnavailable("down", "search failed on down's side (HTTP 503)")),
            "slow": Scripted("slow", [], hang=True),
            "buggy": Scripted("buggy", [], fail=KeyError("secret-ish detail")),
        },
        timeout=0.2,
    )
    offers, notes = await search.find(SearchQuery(country="US"))
    assert list(offers) == ["ok"]
    assert "down: search failed on down's side (HTTP 503)" in notes
    assert "slow: no answer within 0.2 s" in notes
    buggy = next(n for n in notes if n.startswith("buggy"))
    assert "ref" in buggy
    assert "secret-ish" not in buggy


async def test_a_provider_that_does_not_sell_there_is_not_asked(redis: Redis) -> None:
    class NorthAmerica(Scripted):
        capabilities: ClassVar[Capabilities] = Capabilities(countries=frozenset({"US", "CA"}))

    na = NorthAmerica("na", ["1.00"], fail=AssertionError("must not be called"))
    offers, notes = await service(redis, {"na": na}).find(SearchQuery(country="GB"))
    assert offers == {}
    assert notes == ["na does not sell numbers in GB"]
