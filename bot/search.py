"""Search: every chosen provider asked concurrently, each under its own timeout.

A provider that fails or times out becomes a one-line note; the others still answer.
Results are merged cheapest monthly cost first (unknown cost last) and stored server-side
(`SearchStore`) so the Buy buttons carry only an id.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from bot import keys
from bot.errors import BotError, StorageUnavailable
from bot.models import Caller, Offer, SearchQuery, new_id
from bot.outcomes import SearchForm, Searching, SearchResults
from bot.providers.base import NumberProvider
from bot.providers.registry import ProviderSet
from bot.store import STORAGE_ERRORS

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["SEARCH_TIMEOUT", "SEARCH_TTL", "SearchService", "SearchStore"]

log = logging.getLogger(__name__)

SEARCH_TIMEOUT = 8.0
SEARCH_TTL = 30 * 60  # search results older than this are stale: search again


class SearchStore:
    """Stored search results: a Buy button names a search and an index, never an offer."""

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    async def save(self, team_id: str, offers: list[Offer]) -> str:
        search_id = new_id()
        if offers:
            key = keys.search(team_id, search_id)
            # One round trip; not MULTI, which some Redis Cluster clients refuse.
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.hset(key, mapping={str(i): offer.model_dump_json() for i, offer in enumerate(offers)})
                pipe.expire(key, SEARCH_TTL)
                await pipe.execute()
        return search_id

    async def offer(self, team_id: str, search_id: str, index: str) -> Offer | None:
        raw = await self.redis.hget(keys.search(team_id, search_id), index)
        return Offer.model_validate_json(raw) if raw else None


def _sort_key(offer: Offer) -> tuple[int, Decimal, str]:
    if offer.monthly is None:
        return (1, Decimal(0), offer.e164)
    return (0, offer.monthly.amount, offer.e164)


class SearchService:
    def __init__(self, *, providers: ProviderSet, searches: SearchStore, timeout: float = SEARCH_TIMEOUT) -> None:
        self.providers = providers
        self.searches = searches
        self.timeout = timeout

    def form(self, caller: Caller) -> SearchForm:
        return SearchForm(providers=tuple(self.providers.names), channel_id=caller.channel_id)

    def searching(self, query: SearchQuery, only: str | None) -> Searching:
        return Searching(country=query.country, providers=tuple([only] if only else self.providers.names))

    def _skip_reason(self, provider: NumberProvider, query: SearchQuery) -> str | None:
        caps = provider.capabilities
        if caps.countries is not None and query.country not in caps.countries:
            return f"{provider.label} does not sell numbers in {query.country}"
        if query.type is not None and query.type not in caps.types:
            return f"{provider.label} has no {query.type.value} numbers"
        if query.features and not caps.features_filter:
            return f"{provider.label} cannot filter by features"
        return None

    async def _ask(self, provider: NumberProvider, query: SearchQuery) -> list[Offer]:
        async with asyncio.timeout(self.timeout):
            return await provider.search(query)

    async def find(self, query: SearchQuery, only: str | None = None) -> tuple[list[Offer], list[str]]:
        names = [only] if only else list(self.providers)
        notes: list[str] = []
        asked: list[NumberProvider] = []
        for name in names:
            provider = self.providers.require(name)
            reason = self._skip_reason(provider, query)
            if reason:
                notes.append(reason)
            else:
                asked.append(provider)
        results = await asyncio.gather(*(self._ask(p, query) for p in asked), return_exceptions=True)
        offers: list[Offer] = []
        for provider, result in zip(asked, results, strict=True):
            if isinstance(result, BotError):
                notes.append(result.user_message)
            elif isinstance(result, STORAGE_ERRORS):
                notes.append(f"{provider.label}: {StorageUnavailable().user_message}")
            elif isinstance(result, TimeoutError):
                notes.append(f"{provider.label}: no answer within {self.timeout:g} s")
            elif isinstance(result, BaseException):
                ref = new_id()[:8]
                log.error("search failed", exc_info=result, extra={"provider": provider.name, "ref": ref})
                notes.append(f"{provider.label}: search failed unexpectedly (ref {ref})")
            else:
                offers += result
        offers.sort(key=_sort_key)
        return offers[: query.limit], notes

    async def run(self, caller: Caller, query: SearchQuery, only: str | None = None) -> SearchResults:
        offers, notes = await self.find(query, only)
        search_id = await self.searches.save(caller.team_id, offers)
        return SearchResults(
            query=query,
            offers=tuple(offers),
            notes=tuple(notes),
            search_id=search_id,
            simulated=self.providers.simulated_names,
        )
