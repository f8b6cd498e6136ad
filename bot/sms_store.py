"""Text messages in Redis: routes, the receive step, and the per-number queues posted in order.

Every key here is one team's (bot/keys.py, hash tag ``{T…}``), so each step that must not be
split is one Lua script in the team's slot: receiving checks the route and the pool, drops a
provider's retry (its message id was seen), keeps the text apart with its expiry, and queues the
message; a long message's parts are put together in the same step. A route is changed only
against the value read before (compare-and-set), so two buyers routing one number at once cannot
leave the provider and Redis holding different tokens. A number's queue is posted by one process
at a time (a lease), head first, so messages arrive in order; the head is removed only once Slack
has it. No message text is ever logged here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import keys
from bot.sms_models import InboundSms, Queued, SmsRoute

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["LEASE_MS", "MAX_QUEUE", "RETENTION_MS", "Head", "SmsStore"]

RETENTION_MS = 24 * 3600 * 1000  # a text waiting for Slack (not private): kept this long at most
META_MS = 7 * 24 * 3600 * 1000  # sender and time of a posted SMS, for its View message button
SEEN_MS = 48 * 3600 * 1000  # message ids remembered: longer than any provider retries (Vonage: 24 h)
PARTS_MS = 3600 * 1000  # the parts of a long message waiting for the rest
MAX_QUEUE = 500  # a number's messages waiting for Slack; more are refused so the provider retries
STUCK_NOTICE_SECONDS = 86400  # Slack keeps refusing a number's posts: its router is told once a day
LEASE_MS = 30_000

# Compare-and-set of a number's route, only while the number is in the pool.
_SET_ROUTE = """
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 'gone' end
local now = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if now ~= ARGV[2] then return 'changed' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 'ok'
"""

# Remove a number's route (unroute) or, when it has none or left the pool (stale), its queue,
# with the texts and details of what was queued (their keys, read before, come as KEYS[5..]).
_CLEAR = """
local routed = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1
if ARGV[3] == 'stale' and routed then return {'routed'} end
if redis.call('LLEN', KEYS[3]) ~= tonumber(ARGV[2]) then return {'changed'} end
local old = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if ARGV[3] == 'unroute' or not routed then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('DEL', KEYS[3])
redis.call('SREM', KEYS[4], ARGV[1])
for i = 5, #KEYS do redis.call('DEL', KEYS[i]) end
return {'ok', old}
"""

_RECEIVE = """
if (redis.call('HGET', KEYS[1], ARGV[1]) or '') ~= ARGV[2] then return 'changed' end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 'unrouted' end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[4]) - tonumber(ARGV[5]))
if redis.call('ZSCORE', KEYS[3], ARGV[3]) then return 'duplicate' end
if redis.call('LLEN', KEYS[4]) >= tonumber(ARGV[6]) then return 'full' end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
local text = ARGV[9]
local total = tonumber(ARGV[14])
if total > 0 then
  redis.call('HSET', KEYS[9], ARGV[13], text)
  redis.call('PEXPIRE', KEYS[9], ARGV[15])
  local pieces = {}
  for i = 1, total do
    local piece = redis.call('HGET', KEYS[9], tostring(i))
    if not piece then return 'partial' end
    pieces[i] = piece
  end
  text = table.concat(pieces)
  redis.call('DEL', KEYS[9])
end
redis.call('SET', KEYS[6], text, 'PX', ARGV[10])
redis.call('SET', KEYS[7], ARGV[8], 'PX', ARGV[11])
redis.call('RPUSH', KEYS[4], ARGV[7])
redis.call('SADD', KEYS[5], ARGV[1])
if ARGV[12] == '1' then redis.call('ZADD', KEYS[8], tonumber(ARGV[4]) + tonumber(ARGV[10]), ARGV[7]) end
return 'queued'
"""

# The head was posted: off the queue (only by the lease holder), its text dropped unless it
# stays revealable, its details updated with where it was posted.
_DONE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'lost' end
if redis.call('LINDEX', KEYS[2], 0) == ARGV[2] then redis.call('LPOP', KEYS[2]) end
if ARGV[3] == '1' then redis.call('DEL', KEYS[3]) end
if ARGV[4] ~= '' then redis.call('SET', KEYS[4], ARGV[4], 'XX', 'KEEPTTL') end
redis.call('HDEL', KEYS[5], ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 'ok'
"""

_IDLE = """
if redis.call('LLEN', KEYS[1]) > 0 then return 0 end
redis.call('SREM', KEYS[2], ARGV[1])
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Head:
    """The front of a number's queue as a drainer sees it."""

    route: SmsRoute | None  # None: unrouted, or the number left the pool
    sms_id: str | None  # None: nothing queued
    queued: Queued | None = None  # None with an id: its details expired
    text: str | None = None
    retry_at: int = 0  # ms; not before


class SmsStore:
    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis
        self._set_route = redis.register_script(_SET_ROUTE)
        self._clear = redis.register_script(_CLEAR)
        self._receive = redis.register_script(_RECEIVE)
        self._done = redis.register_script(_DONE)
        self._idle = redis.register_script(_IDLE)
        self._release = redis.register_script(_RELEASE)

    # -- routes ---------------------------------------------------------------------------

    async def route(self, team_id: str, e164: str) -> tuple[SmsRoute | None, str]:
        """The number's route and its stored form ("" when none), for a later compare-and-set."""
        raw = await self.redis.hget(keys.sms_routes(team_id), e164)
        return (SmsRoute.model_validate_json(raw) if raw else None), raw or ""

    async def set_route(self, team_id: str, e164: str, route: SmsRoute, *, expected: str) -> str:
        """ "ok", "changed" (someone else changed it since `expected`) or "gone" (not in the pool)."""
        stored = route.model_dump_json()
        answer = await self._set_route(
            keys=[keys.sms_routes(team_id), keys.pool(team_id)], args=[e164, expected, stored]
        )
        if answer == "ok":
            await self.redis.sadd(keys.sms_teams(), team_id)
            await self.unstuck(team_id, e164)  # a new channel: its refusals are news
        return str(answer)

    async def clear(self, team_id: str, e164: str, *, unroute: bool) -> tuple[SmsRoute | None, bool]:
        """Drop the number's queue (and its route when `unroute`); (the old route, whether done).

        Not unrouting, it only clears a queue whose number has no route or left the pool."""
        queue = keys.sms_queue(team_id, e164)
        for _ in range(10):
            ids = await self.redis.lrange(queue, 0, -1)
            extra = [k for sms_id in ids for k in (keys.sms_body(team_id, sms_id), keys.sms_meta(team_id, sms_id))]
            answer = await self._clear(
                keys=[keys.sms_routes(team_id), keys.pool(team_id), queue, keys.sms_pending(team_id), *extra],
                args=[e164, len(ids), "unroute" if unroute else "stale"],
            )
            if answer[0] == "changed":
                continue  # a message arrived meanwhile: read the queue again
            if answer[0] == "routed":
                return None, False
            await self.unstuck(team_id, e164)
            return (SmsRoute.model_validate_json(answer[1]) if answer[1] else None), True
        return None, False

    # -- receiving ------------------------------------------------------------------------

    async def receive(
        self,
        team_id: str,
        message: InboundSms,
        *,
        route_raw: str,
        private: bool,
        queued: Queued,
        now_ms: int,
        text_ms: int,
    ) -> str:
        """queued | duplicate | partial | full | unrouted | changed (the route changed since read)."""
        e164, sms_id = message.to, queued.id
        part, total = "0", 0
        parts_key = keys.sms_parts(team_id, _digest(f"{e164}|{message.sender}|{message.part}"))
        if message.part is not None:
            ref, number, total = message.part
            part = str(number)
            parts_key = keys.sms_parts(team_id, _digest(f"{e164}|{message.sender}|{ref}|{total}"))
        return str(
            await self._receive(
                keys=[
                    keys.sms_routes(team_id),
                    keys.pool(team_id),
                    keys.sms_seen(team_id),
                    keys.sms_queue(team_id, e164),
                    keys.sms_pending(team_id),
                    keys.sms_body(team_id, sms_id),
                    keys.sms_meta(team_id, sms_id),
                    keys.sms_expiring(team_id),
                    parts_key,
                ],
                args=[
                    e164,
                    route_raw,
                    _digest(f"{message.provider}|{message.message_id}"),
                    now_ms,
                    SEEN_MS,
                    MAX_QUEUE,
                    sms_id,
                    queued.model_dump_json(),
                    message.text,
                    text_ms,
                    META_MS,
                    "1" if private else "0",
                    part,
                    total,
                    PARTS_MS,
                ],
            )
        )

    # -- delivering -----------------------------------------------------------------------

    async def teams(self) -> set[str]:
        return set(await self.redis.smembers(keys.sms_teams()))

    async def pending(self, team_id: str) -> set[str]:
        return set(await self.redis.smembers(keys.sms_pending(team_id)))

    async def lease(self, team_id: str, e164: str, token: str) -> bool:
        return bool(await self.redis.set(keys.sms_lease(team_id, e164), token, nx=True, px=LEASE_MS))

    async def release(self, team_id: str, e164: str, token: str) -> None:
        await self._release(keys=[keys.sms_lease(team_id, e164)], args=[token])

    async def head(self, team_id: str, e164: str) -> Head:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hget(keys.sms_routes(team_id), e164)
            pipe.hexists(keys.pool(team_id), e164)
            pipe.lindex(keys.sms_queue(team_id, e164), 0)
            pipe.hget(keys.sms_retry(team_id), e164)
            raw, pooled, sms_id, retry = await pipe.execute()
        route = SmsRoute.model_validate_json(raw) if raw and pooled else None
        if sms_id is None or route is None:
            return Head(route=route, sms_id=sms_id, retry_at=int(retry or 0))
        queued, text = await self.message(team_id, sms_id)
        return Head(route=route, sms_id=sms_id, queued=queued, text=text, retry_at=int(retry or 0))

    async def message(self, team_id: str, sms_id: str) -> tuple[Queued | None, str | None]:
        """An SMS's details and its text (None when expired)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(keys.sms_meta(team_id, sms_id))
            pipe.get(keys.sms_body(team_id, sms_id))
            meta, text = await pipe.execute()
        return (Queued.model_validate_json(meta) if meta else None), text

    async def done(
        self, team_id: str, e164: str, sms_id: str, *, token: str, keep_text: bool, posted: Queued | None
    ) -> bool:
        """The head is in Slack: take it off the queue (False: the lease was lost meanwhile)."""
        answer = await self._done(
            keys=[
                keys.sms_lease(team_id, e164),
                keys.sms_queue(team_id, e164),
                keys.sms_body(team_id, sms_id),
                keys.sms_meta(team_id, sms_id),
                keys.sms_retry(team_id),
            ],
            args=[token, sms_id, "0" if keep_text else "1", posted.model_dump_json() if posted else "", LEASE_MS, e164],
        )
        return answer == "ok"

    async def idle(self, team_id: str, e164: str) -> bool:
        """Forget the number as pending when its queue is empty (atomically with a new arrival)."""
        return bool(await self._idle(keys=[keys.sms_queue(team_id, e164), keys.sms_pending(team_id)], args=[e164]))

    async def retry_later(self, team_id: str, e164: str, at_ms: int) -> None:
        await self.redis.hset(keys.sms_retry(team_id), e164, str(at_ms))

    async def stuck(self, team_id: str, e164: str, error: str) -> bool:
        """Note that Slack refuses the number's posts; True the first time in a day (tell someone)."""
        return bool(await self.redis.set(keys.sms_stuck(team_id, e164), error, nx=True, ex=STUCK_NOTICE_SECONDS))

    async def unstuck(self, team_id: str, e164: str) -> None:
        """Slack took a post again: a later refusal is news again."""
        await self.redis.delete(keys.sms_stuck(team_id, e164))

    async def expired(self, team_id: str, now_ms: int) -> list[str]:
        """Private SMS whose text expired by now (their View message buttons to update)."""
        return list(await self.redis.zrangebyscore(keys.sms_expiring(team_id), "-inf", now_ms, start=0, num=50))

    async def forget_expired(self, team_id: str, sms_id: str) -> None:
        await self.redis.zrem(keys.sms_expiring(team_id), sms_id)

    # -- counters -------------------------------------------------------------------------

    async def count_refusal(self, provider: str, reason: str) -> None:
        await self.redis.hincrby(keys.webhook_refusals(), f"{provider}:{reason}", 1)

    async def refusals(self) -> dict[str, int]:
        """Webhooks refused so far by `provider:reason` (what a metrics endpoint can expose)."""
        return {k: int(v) for k, v in (await self.redis.hgetall(keys.webhook_refusals())).items()}

    async def count_sent(self, team_id: str, hour: str) -> int:
        """Count one more test SMS in this hour; the count so far including it."""
        key = keys.sms_sent(team_id, hour)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 7200)
            count, _ = await pipe.execute()
        return int(count)


def _digest(text: str) -> str:
    """A short, key-safe stand-in for a provider's id (any characters, any length)."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]
