"""The pool: numbers bought or adopted through the bot, with their names and forwarding.

Purchase facts, friendly names, last forwarding target and releases in progress are four
hashes of one team (one hash tag), so reading the whole pool is one round trip however
large it is, and a name change never races a purchase record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import keys
from bot.models import Frozen, PoolEntry

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["PoolItem", "PoolStore"]

# Set a field only for a number that is in the pool.
_SET_IF_POOLED = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""


class PoolItem(Frozen):
    entry: PoolEntry
    name: str | None = None
    forward_to: str | None = None
    releasing: bool = False


class PoolStore:
    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis
        self._set_if_pooled = redis.register_script(_SET_IF_POOLED)

    async def items(self, team_id: str) -> list[PoolItem]:
        """The whole pool, oldest first, in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.pool(team_id))
            pipe.hgetall(keys.names(team_id))
            pipe.hgetall(keys.forwards(team_id))
            pipe.hgetall(keys.releasing(team_id))
            pool, names, forwards, releasing = await pipe.execute()
        items = [
            PoolItem(
                entry=PoolEntry.model_validate_json(raw),
                name=names.get(e164),
                forward_to=forwards.get(e164),
                releasing=e164 in releasing,
            )
            for e164, raw in pool.items()
        ]
        return sorted(items, key=lambda item: (item.entry.bought_at, item.entry.e164))

    async def item(self, team_id: str, e164: str) -> PoolItem | None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hget(keys.pool(team_id), e164)
            pipe.hget(keys.names(team_id), e164)
            pipe.hget(keys.forwards(team_id), e164)
            pipe.hexists(keys.releasing(team_id), e164)
            raw, name, forward, releasing = await pipe.execute()
        if raw is None:
            return None
        return PoolItem(entry=PoolEntry.model_validate_json(raw), name=name, forward_to=forward, releasing=releasing)

    async def set_name(self, team_id: str, e164: str, name: str) -> bool:
        return bool(await self._set_if_pooled(keys=[keys.pool(team_id), keys.names(team_id)], args=[e164, name]))

    async def set_forward(self, team_id: str, e164: str, destination: str) -> bool:
        return bool(
            await self._set_if_pooled(keys=[keys.pool(team_id), keys.forwards(team_id)], args=[e164, destination])
        )

    async def adopt(self, team_id: str, entry: PoolEntry) -> bool:
        """Add a number the account already owns; False when it is already in the pool."""
        return bool(await self.redis.hsetnx(keys.pool(team_id), entry.e164, entry.model_dump_json()))
