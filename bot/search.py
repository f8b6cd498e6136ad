"""Search: every chosen provider asked concurrently, each under its own timeout, compared fairly.

A provider that fails, times out or is skipped becomes a one-line note; the others still
answer. The results are a comparison, not a truncation: the cheapest offer of every provider
that answered comes first (by monthly cost converted into the team currency; unknown last),
then everything else by converted cost. They are stored server-side (`SearchStore`) with the
counts and notes, so the Buy buttons carry only an id and Previous / Next page through the
stored search without asking any provider again; `--limit` is the page size.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from bot import keys
from bot.budget import BudgetStore
from bot.errors import BotError, StaleAction, StorageUnavailable
from bot.keys import UnsafeKey
from bot.models import Caller, Frozen, Offer, RateTable, SearchQuery, new_id
from bot.outcomes import SearchForm, Searching, SearchResults
from bot.providers.base import NumberProvider
from bot.providers.registry import ProviderSet
from bot.store import STORAGE_ERRORS

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["SEARCH_TIMEOUT", "SEARCH_TTL", "Admission", "SearchService", "SearchStore", "SearchSummary", "fair_merge"]

log = logging.getLogger(__name__)

SEARCH_TIMEOUT = 8.0
SEARCH_TTL = 30 * 60  # search results older than this are stale: search again
PER_PROVIDER = 10  # offers asked of each provider at least; `--limit` is only the page size
MAX_RUNNING = 3  # searches one user may have in flight, so nobody holds every provider connection
RUNNING_WINDOW_MS = 60_000  # a search that never said it finished (its process died) stops counting

# KEYS: the user's running searches, the team's budget settings. ARGV: now ms, max running,
# window ms, search id. Answers {0} when refused, else {1, the team currency}: '' when the team
# has no settings at all (the default currency), nil when it has settings but no currency (from
# before the team currency: read them). The currency rides along so a search reads no settings.
_ADMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[3]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return {0} end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local currency = redis.call('HGET', KEYS[2], 'currency')
if not currency and redis.call('EXISTS', KEYS[2]) == 0 then currency = '' end
return {1, currency}
"""


class Admission(NamedTuple):
    """A search let in: its id, and the team currency as the admission read it ('' for the
    default currency: the team set nothing; None: read the settings)."""

    search_id: str
    currency: str | None = None


class SearchStore:
    """Stored search results (a Buy button names a search and an index, never an offer), and
    each user's searches in flight."""

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis
        self._admit = redis.register_script(_ADMIT)

    async def begin(self, team_id: str, user_id: str, search_id: str) -> Admission | None:
        """Count a search as running for this user; None when they already have MAX_RUNNING."""
        now = int(time.time() * 1000)
        args = [now, MAX_RUNNING, RUNNING_WINDOW_MS, search_id]
        answer = await self._admit(keys=[keys.searching(team_id, user_id), keys.budget(team_id)], args=args)
        if not answer or not int(answer[0]):
            return None
        return Admission(search_id, answer[1] if len(answer) > 1 else None)

    async def end(self, team_id: str, user_id: str, search_id: str) -> None:
        await self.redis.zrem(keys.searching(team_id, user_id), search_id)

    async def save(
        self, team_id: str, search_id: str, offers: list[Offer], summary: SearchSummary, *, user_id: str
    ) -> None:
        """Store the results, and the search stops counting among the user's (one round trip)."""
        key = keys.search(team_id, search_id)
        fields = {str(i): offer.model_dump_json() for i, offer in enumerate(offers)}
        # One round trip; not MULTI, which some Redis Cluster clients refuse.
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, mapping={**fields, "summary": summary.model_dump_json()})
            pipe.expire(key, SEARCH_TTL)
            pipe.zrem(keys.searching(team_id, user_id), search_id)
            await pipe.execute()

    async def offer(self, team_id: str, search_id: str, index: str) -> Offer | None:
        raw = await self.redis.hget(keys.search(team_id, search_id), index)
        return Offer.model_validate_json(raw) if raw else None

    async def page(
        self, team_id: str, search_id: str, first: int, size: int
    ) -> tuple[SearchSummary, list[Offer]] | None:
        """One page of a stored search, read without touching its expiry; None once it expired."""
        fields = ["summary", *(str(i) for i in range(first, first + size))]
        raw = await self.redis.hmget(keys.search(team_id, search_id), fields)
        if raw[0] is None:
            return None
        return SearchSummary.model_validate_json(raw[0]), [Offer.model_validate_json(r) for r in raw[1:] if r]


class SearchSummary(Frozen):
    """What a stored search was, for every page of it."""

    query: SearchQuery
    total: int
    counts: dict[str, int]  # offers per provider that answered
    notes: tuple[str, ...]  # providers that failed, timed out or were skipped, and why
    currency: str  # the team currency the offers were compared in
    rates: RateTable


def fair_merge(found: dict[str, list[Offer]], cost: Callable[[Offer], Decimal | None]) -> list[Offer]:
    """Each provider's cheapest offer first, then the rest; by converted cost, unknown last."""
    keys_of: dict[int, tuple[bool, Decimal, str, str]] = {}
    for offers in found.values():
        for offer in offers:  # each cost once
            amount = cost(offer)
            keys_of[id(offer)] = (amount is None, amount or Decimal(0), offer.provider, offer.e164)

    def key(offer: Offer) -> tuple[bool, Decimal, str, str]:
        return keys_of[id(offer)]

    firsts = sorted((min(offers, key=key) for offers in found.values() if offers), key=key)
    chosen = {id(o) for o in firsts}
    rest = sorted((o for offers in found.values() for o in offers if id(o) not in chosen), key=key)
    return firsts + rest


class SearchService:
    def __init__(
        self,
        *,
        providers: ProviderSet,
        searches: SearchStore,
        budget: BudgetStore,
        timeout: float = SEARCH_TIMEOUT,
    ) -> None:
        self.providers = providers
        self.searches = searches
        self.budget = budget
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

    async def find(self, query: SearchQuery, only: str | None = None) -> tuple[dict[str, list[Offer]], list[str]]:
        """Every provider's answer (up to PER_PROVIDER offers each, more when a page holds more),
        and notes on the others."""
        names = [only] if only else list(self.providers)
        each = max(query.limit, PER_PROVIDER)
        asking = query.model_copy(update={"limit": each})
        notes: list[str] = []
        asked: list[NumberProvider] = []
        for name in names:
            provider = self.providers.require(name)
            reason = self._skip_reason(provider, query)
            if reason:
                notes.append(reason)
            else:
                asked.append(provider)
        results = await asyncio.gather(*(self._ask(p, asking) for p in asked), return_exceptions=True)
        found: dict[str, list[Offer]] = {}
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
                found[provider.name] = result[:each]
        return found, notes

    async def admit(self, caller: Caller) -> Admission:
        """Let a search start (before the ack), or say why not; pass what it answers to `run`."""
        admitted = await self.searches.begin(caller.team_id, caller.user_id, new_id())
        if admitted is None:
            raise StaleAction(
                f"You already have {MAX_RUNNING} searches running; wait for their results, then search again."
            )
        return admitted

    async def run(
        self, caller: Caller, query: SearchQuery, only: str | None = None, *, admitted: Admission | None = None
    ) -> SearchResults:
        """Search (after the ack) and answer with the first page; a search admitted with `admit`
        stops counting when it ends."""
        search_id = admitted.search_id if admitted else new_id()
        saved = False
        try:
            found, notes = await self.find(query, only)
            currency = admitted.currency if admitted else None
            if currency == "":
                currency = self.budget.default_currency
            elif currency is None:  # settings from before the team currency: brought forward
                currency = (await self.budget.settings(caller.team_id)).currency
            rates = self.budget.rates
            factors: dict[str, Decimal | None] = {}

            def cost(offer: Offer) -> Decimal | None:
                if offer.monthly is None:
                    return None
                source = offer.monthly.currency
                if source not in factors:
                    factors[source] = rates.table.factor(source, currency)
                factor = factors[source]
                return None if factor is None else offer.monthly.amount * factor

            offers = fair_merge(found, cost)
            summary = SearchSummary(
                query=query,
                total=len(offers),
                counts={name: len(found[name]) for name in sorted(found)},
                notes=tuple(notes),
                currency=currency,
                rates=rates.table,
            )
            await self.searches.save(caller.team_id, search_id, offers, summary, user_id=caller.user_id)
            saved = True
        finally:
            if not saved:
                await self.searches.end(caller.team_id, caller.user_id, search_id)
        return self._results(search_id, summary, offers[: query.limit], page=0)

    async def page(self, caller: Caller, ref: str) -> SearchResults:
        """Previous / Next: another page of the stored search; no provider is asked again."""
        search_id, _, raw_page = ref.partition(":")
        page = int(raw_page) if raw_page.isdigit() else 0
        try:
            stored = await self.searches.page(caller.team_id, search_id, 0, 0)
            if stored is not None:  # the page size is the search's --limit
                size = stored[0].query.limit
                stored = await self.searches.page(caller.team_id, search_id, page * size, size)
        except UnsafeKey:  # a forged value names no search of ours
            stored = None
        if stored is None:
            raise StaleAction("These search results have expired; run the search again.")
        summary, offers = stored
        return self._results(search_id, summary, offers, page=page, turned=True)

    def _results(
        self, search_id: str, summary: SearchSummary, offers: list[Offer], *, page: int, turned: bool = False
    ) -> SearchResults:
        return SearchResults(
            query=summary.query,
            offers=tuple(offers),
            notes=summary.notes,
            search_id=search_id,
            page=page,
            total=summary.total,
            counts=summary.counts,
            currency=summary.currency,
            rates=summary.rates,
            turned=turned,
            simulated=self.providers.simulated_names,
        )
