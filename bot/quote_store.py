"""Quotes as stored in Redis: each with its expiry, claimed or changed only atomically.

A quote is the priced offer a Buy click made; its Confirm button carries only its id. The Lua
steps compare the stored JSON, so a quote that changed meanwhile (a new price, an approver's
decision) is never bought or cancelled by a stale click.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import keys
from bot.models import Quote

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["QuoteStore"]

# Change a quote only while it is what was read (a claimed quote stays claimed), keeping its expiry.
_REPLACE_QUOTE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
"""

# Take a quote away from whoever asked for it (cancel), unless a purchase claimed it.
_TAKE_QUOTE = """
local q = redis.call('GET', KEYS[1])
if not q then return false end
redis.call('DEL', KEYS[1])
return q
"""


class QuoteStore:
    """Quotes, each with its expiry; a claim compares the stored JSON, so a changed quote is never bought."""

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis
        self._take = redis.register_script(_TAKE_QUOTE)
        self._replace = redis.register_script(_REPLACE_QUOTE)

    async def save(self, quote: Quote, ttl_seconds: int) -> None:
        await self.redis.set(keys.quote(quote.team_id, quote.id), quote.model_dump_json(), ex=ttl_seconds)

    async def raw(self, team_id: str, quote_id: str) -> str | None:
        return await self.redis.get(keys.quote(team_id, quote_id))  # type: ignore[no-any-return]

    async def get(self, team_id: str, quote_id: str) -> Quote | None:
        raw = await self.raw(team_id, quote_id)
        return Quote.model_validate_json(raw) if raw else None

    async def replace(self, expected: str, quote: Quote) -> bool:
        """Store `quote` in place of the JSON `expected`; False when that changed or is gone."""
        key = keys.quote(quote.team_id, quote.id)
        return bool(await self._replace(keys=[key], args=[expected, quote.model_dump_json()]))

    async def take(self, team_id: str, quote_id: str) -> Quote | None:
        """Remove a quote atomically (cancel, deny); None when it expired or was claimed."""
        raw = await self._take(keys=[keys.quote(team_id, quote_id)])
        return Quote.model_validate_json(raw) if raw else None
