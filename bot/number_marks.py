"""One purchase per number at a time, per provider account: the number's mark.

Before a buy request is sent, the number is marked on its provider *account* (not its team:
two teams, or two bots, sharing one account see the same mark) with the operation that buys
it. A second operation for that number is told who is buying it, or who bought it, and sends
nothing. The mark stays "bought" while the number is in the buyer's pool, so a later quote for
a number someone already owns is refused the same way instead of being "bought" because the
account owns it.

The mark lives in the account's Cluster slot, the operation in its team's slot, so the two
are written in two steps; the operation stays the record of truth, and a mark is stale (taken
over) when its operation is no longer in flight or, once bought, the number left its pool:
- claim the quote (team slot) → mark (account slot): a crash between them leaves an operation
  in flight without a mark; its checkpoint says no buy was sent, so the reconciler ends it as
  not bought.
- mark → checkpoint "marked" → buy: a crash after marking leaves the mark naming an operation
  in flight, which the reconciler resolves (asking the provider) and then frees or turns into
  "bought".
- finish (team slot) → mark bought or freed (account slot): a crash between them leaves a mark
  whose operation is finished; the next buyer checks that operation and takes a stale mark over.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Literal

from bot import keys
from bot.models import Frozen, Operation

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["MARK_TTL", "Holder", "NumberMarks"]

MARK_TTL = 24 * 3600  # a safety net only: staleness is judged by the marking operation

# KEYS: mark. ARGV: new value, op id, the stale value to replace ("" = none), ttl
_ACQUIRE = """
local cur = redis.call('GET', KEYS[1])
if (not cur) or (ARGV[3] ~= '' and cur == ARGV[3]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
  return 'ok'
end
if cjson.decode(cur).op == ARGV[2] then return 'ok' end
return cur
"""

# KEYS: mark. ARGV: op id, bought value
_BOUGHT = """
local cur = redis.call('GET', KEYS[1])
if cur and cjson.decode(cur).op ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""

# KEYS: mark. ARGV: op id, or '*team:<id>' for whatever that team holds
_FREE = """
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local held = cjson.decode(cur)
if held.op == ARGV[1] or ('*team:' .. held.team) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Holder(Frozen):
    """Who marked a number, and how far they got."""

    op: str
    team: str
    user: str
    status: Literal["buying", "bought"]


def _value(op: Operation, status: str) -> str:
    return json.dumps({"op": op.id, "team": op.team_id, "user": op.user_id, "status": status})


class NumberMarks:
    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis
        self._acquire = redis.register_script(_ACQUIRE)
        self._bought = redis.register_script(_BOUGHT)
        self._free = redis.register_script(_FREE)

    async def acquire(self, account: str, op: Operation) -> Holder | None:
        """Mark the number for `op`; None when it is ours now, else who holds it."""
        key = keys.number_mark(account, op.e164)
        stale = ""
        for _ in range(4):  # a stale mark may be replaced under us by another taker
            answer = await self._acquire(keys=[key], args=[_value(op, "buying"), op.id, stale, MARK_TTL])
            if answer == "ok":
                return None
            holder = Holder.model_validate_json(answer)
            if not await self._is_stale(holder, op.e164):
                return holder
            stale = answer
        return Holder.model_validate_json(answer)

    async def _is_stale(self, holder: Holder, e164: str) -> bool:
        """A mark whose operation ended without buying, or whose number left the buyer's pool."""
        async with self.redis.pipeline(transaction=False) as pipe:  # one slot: the holder's team
            pipe.hget(keys.op(holder.team, holder.op), "status")
            pipe.hexists(keys.pool(holder.team), e164)
            status, pooled = await pipe.execute()
        if status == "inflight":
            return False
        if status == "bought" or holder.status == "bought":
            return not pooled
        return True  # failed, charges, not bought, or the operation is gone

    async def bought(self, account: str, op: Operation) -> None:
        """The operation bought the number: the mark stays, without expiry, until it is released."""
        await self._bought(keys=[keys.number_mark(account, op.e164)], args=[op.id, _value(op, "bought")])

    async def free(self, account: str, op: Operation) -> None:
        """The operation did not buy the number: others may try."""
        await self._free(keys=[keys.number_mark(account, op.e164)], args=[op.id])

    async def released(self, account: str, team_id: str, e164: str) -> None:
        """The team released the number: its mark goes with it."""
        await self._free(keys=[keys.number_mark(account, e164)], args=[f"*team:{team_id}"])
