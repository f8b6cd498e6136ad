"""Server-side state that buttons point at: search results, quotes, release intents.

A button carries only an id; the number, the provider and the price are read back from
here, so nothing that comes back in a button value is trusted. Each lives with an expiry.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from bot import keys
from bot.models import Frozen, Offer, Quote

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["SEARCH_TTL", "QuoteStore", "ReleaseIntent", "new_id"]

SEARCH_TTL = 30 * 60  # search results older than this are stale: search again
INTENT_TTL = 10 * 60

# Take a quote away from whoever asked for it (cancel), unless a purchase claimed it.
_TAKE_QUOTE = """
local q = redis.call('GET', KEYS[1])
if not q then return false end
redis.call('DEL', KEYS[1])
return q
"""


def new_id() -> str:
    return secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")


class ReleaseIntent(Frozen):
    id: str
    team_id: str
    user_id: str
    e164: str
    provider: str


class QuoteStore:
    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis
        self._take = redis.register_script(_TAKE_QUOTE)

    async def save_search(self, team_id: str, offers: list[Offer]) -> str:
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

    async def save_quote(self, quote: Quote, ttl_seconds: int) -> None:
        await self.redis.set(keys.quote(quote.team_id, quote.id), quote.model_dump_json(), ex=ttl_seconds)

    async def raw_quote(self, team_id: str, quote_id: str) -> str | None:
        """The stored JSON: a claim compares it, so a changed quote is never bought."""
        return await self.redis.get(keys.quote(team_id, quote_id))  # type: ignore[no-any-return]

    async def quote(self, team_id: str, quote_id: str) -> Quote | None:
        raw = await self.raw_quote(team_id, quote_id)
        return Quote.model_validate_json(raw) if raw else None

    async def take(self, team_id: str, quote_id: str) -> Quote | None:
        """Remove a quote atomically (cancel); None when it expired or was claimed."""
        raw = await self._take(keys=[keys.quote(team_id, quote_id)])
        return Quote.model_validate_json(raw) if raw else None

    async def save_intent(self, intent: ReleaseIntent) -> None:
        await self.redis.set(keys.intent(intent.team_id, intent.id), intent.model_dump_json(), ex=INTENT_TTL)

    async def raw_intent(self, team_id: str, intent_id: str) -> str | None:
        return await self.redis.get(keys.intent(team_id, intent_id))  # type: ignore[no-any-return]

    async def intent(self, team_id: str, intent_id: str) -> ReleaseIntent | None:
        raw = await self.raw_intent(team_id, intent_id)
        return ReleaseIntent.model_validate_json(raw) if raw else None

    async def drop_intent(self, team_id: str, intent_id: str) -> bool:
        return bool(await self.redis.delete(keys.intent(team_id, intent_id)))
