"""Approval requests in Redis: a hash beside its quote (same team hash tag), decided once.

Opening and deciding are each one Lua step, so two approvers, an approver and a denier, or
a click racing the expiry sweep get exactly one outcome.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

from bot import keys
from bot.models import Frozen, Quote, utcnow

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["DECIDED_TTL", "ApprovalRecord", "ApprovalStore"]

DECIDED_TTL = 30 * 24 * 3600

# KEYS: approval, approvals index, quote. ARGV: quote id, requester, url, channel, expires ms, now
_OPEN = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGET', KEYS[1], 'status') end
local q = redis.call('GET', KEYS[3])
if not q then return 'expired' end
redis.call('HSET', KEYS[1], 'status', 'pending', 'quote', q, 'requester', ARGV[2],
  'requester_url', ARGV[3], 'requester_channel', ARGV[4], 'created_at', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
return 'ok'
"""

# KEYS: approval, quote, approvals index. ARGV: quote id, mode, decider, now, reason, ttl
# approve: needs the quote (else the request expires); deny: always; expire: only if the quote is gone.
_DECIDE = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status ~= 'pending' then return status end
local mode = ARGV[2]
local quote_alive = redis.call('EXISTS', KEYS[2]) == 1
if mode == 'expire' and quote_alive then return 'live' end
if mode == 'approve' and not quote_alive then mode = 'expire' end
local final = ({approve = 'approved', deny = 'denied', expire = 'expired'})[mode]
redis.call('HSET', KEYS[1], 'status', final, 'decided_by', ARGV[3], 'decided_at', ARGV[4], 'reason', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZREM', KEYS[3], ARGV[1])
return 'won:' .. final
"""


class ApprovalRecord(Frozen):
    status: str
    quote: Quote
    requester: str
    requester_url: str = ""
    requester_channel: str = ""
    channel: str = ""
    ts: str = ""
    decided_by: str = ""
    reason: str = ""


class ApprovalStore:
    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis
        self._open = redis.register_script(_OPEN)
        self._decide = redis.register_script(_DECIDE)

    async def get(self, team_id: str, quote_id: str) -> ApprovalRecord | None:
        raw = await self.redis.hgetall(keys.approval(team_id, quote_id))
        if not raw or "quote" not in raw:
            return None
        fields = {k: v for k, v in raw.items() if k in ApprovalRecord.model_fields and k != "quote"}
        return ApprovalRecord(quote=Quote.model_validate_json(raw["quote"]), **fields)

    async def open(self, quote: Quote, *, requester: str, url: str, channel: str) -> str:
        """Open a pending request for a live quote, once; returns "ok" or why not."""
        team = quote.team_id
        await self.redis.sadd(keys.teams(), team)  # the expiry sweep walks every team
        return await self._open(  # type: ignore[no-any-return]
            keys=[keys.approval(team, quote.id), keys.approvals(team), keys.quote(team, quote.id)],
            args=[quote.id, requester, url, channel, int(quote.expires_at.timestamp() * 1000), utcnow().isoformat()],
        )

    async def posted(self, team_id: str, quote_id: str, *, channel: str, ts: str) -> None:
        """Where the request's message is, so that decisions can update it."""
        await self.redis.hset(keys.approval(team_id, quote_id), mapping={"channel": channel, "ts": ts})

    async def withdraw(self, team_id: str, quote_id: str) -> None:
        """Forget a request whose message could not be posted."""
        await self.redis.delete(keys.approval(team_id, quote_id))
        await self.redis.zrem(keys.approvals(team_id), quote_id)

    async def decide(
        self,
        team_id: str,
        quote_id: str,
        mode: Literal["approve", "deny", "expire"],
        *,
        decider: str,
        reason: str = "",
    ) -> str:
        """One step from pending; "won:<status>" for the winner, else the status already there."""
        return await self._decide(  # type: ignore[no-any-return]
            keys=[keys.approval(team_id, quote_id), keys.quote(team_id, quote_id), keys.approvals(team_id)],
            args=[quote_id, mode, decider, utcnow().isoformat(), reason, DECIDED_TTL],
        )

    async def note_outcome(self, team_id: str, quote_id: str, status: str) -> None:
        await self.redis.hset(keys.approval(team_id, quote_id), "outcome", status)

    async def due(self) -> list[tuple[str, str]]:
        """(team, quote id) of every pending request whose quote has expired by now."""
        now = int(time.time() * 1000)
        found: list[tuple[str, str]] = []
        for team in sorted(await self.redis.smembers(keys.teams())):
            found += [(team, q) for q in await self.redis.zrangebyscore(keys.approvals(team), "-inf", now)]
        return found

    async def forget_due(self, team_id: str, quote_id: str) -> None:
        await self.redis.zrem(keys.approvals(team_id), quote_id)
