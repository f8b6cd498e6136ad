"""Search: every chosen provider asked concurrently, each under its own timeout.

A provider that fails or times out becomes a one-line note; the others still answer.
Results are merged cheapest monthly cost first (unknown cost last) and stored server-side
so the Buy buttons carry only an id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from decimal import Decimal

from bot.blocks.search import search_results
from bot.errors import BotError, StorageUnavailable
from bot.models import Caller, Offer, SearchQuery
from bot.providers.base import NumberProvider
from bot.quotes import QuoteStore, new_id
from bot.replies import Reply
from bot.store import STORAGE_ERRORS

__all__ = ["SEARCH_TIMEOUT", "SearchService"]

log = logging.getLogger(__name__)

SEARCH_TIMEOUT = 8.0


def _sort_key(offer: Offer) -> tuple[int, Decimal, str]:
    if offer.monthly is None:
        return (1, Decimal(0), offer.e164)
    return (0, offer.monthly.amount, offer.e164)


class SearchService:
    def __init__(
        self,
        *,
        providers: Mapping[str, NumberProvider],
        quotes: QuoteStore,
        timeout: float = SEARCH_TIMEOUT,
    ) -> None:
        self.providers = providers
        self.quotes = quotes
        self.timeout = timeout

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
            provider = self.providers[name]
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

    async def run(self, caller: Caller, query: SearchQuery, only: str | None = None) -> Reply:
        offers, notes = await self.find(query, only)
        search_id = await self.quotes.save_search(caller.team_id, offers)
        return search_results(query, offers, notes, search_id)
