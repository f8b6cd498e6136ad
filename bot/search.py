"""Search: every chosen provider asked concurrently, each under its own timeout.

A provider that fails or times out becomes a one-line note; the others still answer.
Results are merged cheapest monthly cost first (unknown cost last) and stored server-side
(`SearchStore`) so the Buy buttons carry only an id.
"""

from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal
from typing import TYPE_CHECKING

from bot import keys
from bot.errors import BotError, StaleAction, StorageUnavailable
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
MAX_RUNNING = 3  # searches one user may have in flight, so nobody holds every provider connection
RUNNING_WINDOW_MS = 60_000  # a search that never said it finished (its process died) stops counting

# KEYS: the user's running searches. ARGV: now ms, max running, window ms, search id
_ADMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[3]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""


class SearchStore:
    """Stored search results (a Buy button names a search and an index, never an offer), and
    each user's searches in flight."""

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis
        self._admit = redis.register_script(_ADMIT)

    async def begin(self, team_id: str, user_id: str, search_id: str) -> bool:
        """Count a search as running for this user; False when they already have MAX_RUNNING."""
        now = int(time.time() * 1000)
        args = [now, MAX_RUNNING, RUNNING_WINDOW_MS, search_id]
        return bool(await self._admit(keys=[keys.searching(team_id, user_id)], args=args))

    async def end(self, team_id: str, user_id: str, search_id: str) -> None:
        await self.redis.zrem(keys.searching(team_id, user_id), search_id)

    async def save(self, team_id: str, offers: list[Offer], search_id: str | None = None) -> str:
        search_id = search_id or new_id()
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

    async def admit(self, caller: Caller) -> str:
        """Let a search start (before the ack), or say why not; its id, to pass to `run`."""
        search_id = new_id()
        if not await self.searches.begin(caller.team_id, caller.user_id, search_id):
            raise StaleAction(
                f"You already have {MAX_RUNNING} searches running; wait for their results, then search again."
            )
        return search_id

    async def run(
        self, caller: Caller, query: SearchQuery, only: str | None = None, *, search_id: str | None = None
    ) -> SearchResults:
        """Search (after the ack); a search admitted with `admit` stops counting when it ends."""
        try:
            offers, notes = await self.find(query, only)
            search_id = await self.searches.save(caller.team_id, offers, search_id)
        finally:
            if search_id is not None:
                await self.searches.end(caller.team_id, caller.user_id, search_id)
        return SearchResults(
            query=query,
            offers=tuple(offers),
            notes=tuple(notes),
            search_id=search_id,
            simulated=self.providers.simulated_names,
        )
