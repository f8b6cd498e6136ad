"""The operation journal: provider changes recorded in Redis before the provider is asked.

Claiming a quote (or a release intent) and recording the operation as in flight is one Lua
script, so two clicks, Slack retries or two processes get exactly one winner. The winner
holds a short lease renewed while it works; if its process dies the lease lapses and the
reconciler of any live process takes the operation over atomically and resolves it by
asking the provider, never by doing it again. Finishing is one script too: pool record,
spend and audit entry are written together, once, guarded by the operation's status.

The number's mark (`NumberMarks`, at the end) keeps one purchase per number at a time, per
provider account. Before a buy request is sent, the number is marked on its provider *account* (not its team:
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

import asyncio
import json
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bot import keys
from bot.audit import MAXLEN
from bot.models import Frozen, Operation, new_id
from bot.store import STORAGE_ERRORS, PoolBusy

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["MARK_TTL", "BudgetHold", "Finish", "Holder", "Journal", "JournalProgress", "NumberMarks", "worker_id"]

log = logging.getLogger(__name__)

LEASE_MS = 6_000
RENEW_EVERY = LEASE_MS / 3 / 1000
DONE_TTL = 30 * 24 * 3600

ClaimResult = Literal["ok", "taken", "expired", "changed", "pooled", "busy", "over_budget"]

# Amounts as integer millionths, exactly for up to 6 decimals; anything finer rounds up, so a
# reservation is never smaller than the cost. Lua numbers are doubles: exact below 2^53.
_MICRO = """
local function micro(s)
  local int, frac = string.match(tostring(s), '^(%d+)%.?(%d*)$')
  if not int then return nil end
  local m = tonumber(int) * 1000000 + tonumber(string.sub(frac .. '000000', 1, 6))
  if string.find(string.sub(frac, 7), '[1-9]') then m = m + 1 end
  return m
end
-- Adds an entry's charges, converted into the team currency, to totals[1]; false when one
-- cannot be (no rate for its currency, or an unreadable amount).
local function add_entry(totals, raw, factors)
  local entry = cjson.decode(raw)
  local charges = entry.charges or entry
  for _, item in ipairs(charges) do
    local m, f = micro(item[1]), factors[item[2]]
    if m == nil or f == nil then return false end
    totals[1] = totals[1] + math.ceil(m * tonumber(f))
  end
  return true
end
"""

# KEYS: source (quote/intent), op, lease, inflight, guard hash, [budget, month's spend, holds]
# ARGV: op id, op json, worker, lease ms, now ms, expected source, guard field, guard kind,
#       [hold entry json, enforce the budget "1"/"0", team currency, conversion factors json]
# With a hold, the cost is reserved against the month's budget in the same step: spend of the
# month + what purchases in flight hold + this cost, in the team currency, must stay within the
# budget, unless an approver already accepted it (enforce "0"). The hold is written either way.
_CLAIM = (
    _MICRO
    + """
if redis.call('EXISTS', KEYS[2]) == 1 then return 'taken' end
local src = redis.call('GET', KEYS[1])
if not src then return 'expired' end
if src ~= ARGV[6] then return 'changed' end
if redis.call('HEXISTS', KEYS[5], ARGV[7]) == 1 then return ARGV[8] end
if ARGV[9] and ARGV[10] == '1' then
  local budget, team = unpack(redis.call('HMGET', KEYS[6], 'budget', 'currency'))
  if budget then
    if team ~= ARGV[11] then return 'over_budget' end  -- the team currency changed meanwhile
    local factors, totals = cjson.decode(ARGV[12]), {0}
    if not add_entry(totals, ARGV[9], factors) then return 'over_budget' end
    for _, key in ipairs({KEYS[7], KEYS[8]}) do
      for _, raw in ipairs(redis.call('HVALS', key)) do
        if not add_entry(totals, raw, factors) then return 'over_budget' end
      end
    end
    if totals[1] > micro(budget) then return 'over_budget' end
  end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], 'data', ARGV[2], 'state', '{}', 'status', 'inflight')
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
if ARGV[8] == 'busy' then redis.call('HSET', KEYS[5], ARGV[7], ARGV[1]) end
if ARGV[9] then redis.call('HSET', KEYS[8], ARGV[1], ARGV[9]) end
return 'ok'
"""
)


# KEYS: op, lease, inflight, audit, data keys…
# ARGV: op id, status, outcome, allowed-from (comma list), maxlen, nset, ndel,
#       nset × (key index, field, value), ndel × (key index, field), audit field/value pairs
_FINISH = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if not string.find(',' .. ARGV[4] .. ',', ',' .. status .. ',', 1, true) then return status end
local i = 8
for _ = 1, tonumber(ARGV[6]) do
  redis.call('HSET', KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2])
  i = i + 3
end
for _ = 1, tonumber(ARGV[7]) do
  redis.call('HDEL', KEYS[tonumber(ARGV[i])], ARGV[i + 1])
  i = i + 2
end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'outcome', ARGV[3])
redis.call('EXPIRE', KEYS[1], __DONE_TTL__)
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[2])
if i <= #ARGV then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', unpack(ARGV, i))
end
return 'ok'
""".replace("__DONE_TTL__", str(DONE_TTL))

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

_DROP_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_TAKE_OVER = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  redis.call('ZREM', KEYS[3], ARGV[3])
  return 'missing'
end
if status ~= 'inflight' then
  redis.call('ZREM', KEYS[3], ARGV[3])
  return 'done'
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'ok' end
return 'held'
"""


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{new_id()[:6]}"


@dataclass(frozen=True)
class BudgetHold:
    """What a purchase reserves when it is claimed: its cost (a spend entry) against the month's budget."""

    entry: str  # bot.budget.spend_entry of the purchase's charges
    month: str
    currency: str  # the team currency the budget is in
    factors: Mapping[str, str]  # currency → how many team-currency units one unit buys (ECB)
    enforce: bool = True  # False once an approver accepted the cost


@dataclass
class Finish:
    """How an operation ends: its status, what is written and deleted, the audit entry."""

    status: str
    outcome: str
    allowed_from: tuple[str, ...] = ("inflight",)
    sets: list[tuple[str, str, str]] = field(default_factory=list)
    deletes: list[tuple[str, str]] = field(default_factory=list)
    audit: Mapping[str, str] = field(default_factory=dict)


class Journal:
    def __init__(self, redis: RedisClient, *, worker: str | None = None) -> None:
        self.redis = redis
        self.worker = worker or worker_id()
        self._claim = redis.register_script(_CLAIM)
        self._finish = redis.register_script(_FINISH)
        self._renew = redis.register_script(_RENEW)
        self._drop = redis.register_script(_DROP_LEASE)
        self._take_over = redis.register_script(_TAKE_OVER)

    async def claim(
        self,
        op: Operation,
        *,
        source_key: str,
        expected: str,
        guard_key: str,
        guard: Literal["pooled", "busy"],
        hold: BudgetHold | None = None,
    ) -> ClaimResult:
        """Turn a quote or intent into an in-flight operation, exactly once.

        `guard` refuses the claim when the number is already in `guard_key`: "pooled"
        (purchases: already in the pool) or "busy" (releases: one at a time, and the
        number is marked as releasing while it runs). `hold` reserves a purchase's cost in
        the same step ("over_budget" when it does not fit and nobody approved it).
        """
        team = op.team_id
        await self.redis.sadd(keys.teams(), team)
        claim_keys = [source_key, keys.op(team, op.id), keys.lease(team, op.id), keys.inflight(team), guard_key]
        args: list[Any] = [op.id, op.model_dump_json(), self.worker, LEASE_MS, int(time.time() * 1000)]
        args += [expected, op.e164, guard]
        if hold is not None:
            claim_keys += [keys.budget(team), keys.spend(team, hold.month), keys.holds(team)]
            args += [hold.entry, "1" if hold.enforce else "0", hold.currency, json.dumps(dict(hold.factors))]
        return await self._claim(keys=claim_keys, args=args)  # type: ignore[no-any-return]

    async def finish(self, op: Operation, how: Finish) -> str:
        """Apply an outcome once; returns "ok", or the status that was already there."""
        team = op.team_id
        fixed = [keys.op(team, op.id), keys.lease(team, op.id), keys.inflight(team), keys.audit(team)]
        data_keys: list[str] = []

        def index(key: str) -> str:
            if key not in data_keys:
                data_keys.append(key)
            return str(len(fixed) + data_keys.index(key) + 1)

        args: list[Any] = [
            op.id,
            how.status,
            how.outcome,
            ",".join(how.allowed_from),
            MAXLEN,
            len(how.sets),
            len(how.deletes),
        ]
        for key, name, value in how.sets:
            args += [index(key), name, value]
        for key, name in how.deletes:
            args += [index(key), name]
        for name, value in how.audit.items():
            args += [name, value]
        return await self._finish(keys=fixed + data_keys, args=args)  # type: ignore[no-any-return]

    async def load(self, team_id: str, op_id: str) -> tuple[Operation, dict[str, Any], str] | None:
        raw = await self.redis.hgetall(keys.op(team_id, op_id))
        if not raw or "data" not in raw:
            return None
        return Operation.model_validate_json(raw["data"]), json.loads(raw.get("state") or "{}"), raw.get("status", "")

    async def status(self, team_id: str, op_id: str) -> tuple[str, str] | None:
        status, outcome = await self.redis.hmget(keys.op(team_id, op_id), ["status", "outcome"])
        return (status, outcome or "") if status else None

    async def checkpoint(self, op: Operation, state: Mapping[str, Any]) -> None:
        await self.redis.hset(keys.op(op.team_id, op.id), "state", json.dumps(dict(state), default=str))

    @asynccontextmanager
    async def lease(self, op: Operation) -> AsyncIterator[None]:
        """Keep the lease alive while the body works; drop it when the body ends."""
        renewer = asyncio.create_task(self._keep_alive(op), name=f"lease:{op.id}")
        try:
            yield
        finally:
            renewer.cancel()
            try:
                await self._drop(keys=[keys.lease(op.team_id, op.id)], args=[self.worker])
            except STORAGE_ERRORS:
                log.warning("could not drop lease", extra={"op": op.id})

    async def _keep_alive(self, op: Operation) -> None:
        key = keys.lease(op.team_id, op.id)
        while True:
            await asyncio.sleep(RENEW_EVERY)
            try:
                kept = await self._renew(keys=[key], args=[self.worker, LEASE_MS])
            except (*STORAGE_ERRORS, PoolBusy):
                log.warning("lease renewal failed; retrying", extra={"op": op.id})
                continue
            if not kept:
                log.warning("lease lost to another process", extra={"op": op.id})
                return

    async def in_flight(self) -> int:
        """How many operations are in flight across every team (for the metrics)."""
        teams = sorted(await self.redis.smembers(keys.teams()))
        if not teams:
            return 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for team in teams:
                pipe.zcard(keys.inflight(team))
            return int(sum(await pipe.execute()))

    async def lapsed(self) -> list[tuple[str, str]]:
        """(team, op id) of every in-flight operation whose lease has lapsed."""
        teams = sorted(await self.redis.smembers(keys.teams()))
        if not teams:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for team in teams:
                pipe.zrange(keys.inflight(team), 0, -1)
            members = await pipe.execute()
        candidates = [(team, op_id) for team, ops in zip(teams, members, strict=True) for op_id in ops]
        if not candidates:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for team, op_id in candidates:
                pipe.exists(keys.lease(team, op_id))
            held = await pipe.execute()
        return [c for c, h in zip(candidates, held, strict=True) if not h]

    async def take_over(self, team_id: str, op_id: str) -> bool:
        result = await self._take_over(
            keys=[keys.op(team_id, op_id), keys.lease(team_id, op_id), keys.inflight(team_id)],
            args=[self.worker, LEASE_MS, op_id],
        )
        return result == "ok"


class JournalProgress:
    """Progress backed by the journal: provider state survives this process."""

    def __init__(self, journal: Journal, op: Operation, state: Mapping[str, Any] | None = None) -> None:
        self._journal = journal
        self._op = op
        self._state: dict[str, Any] = dict(state or {})

    @property
    def state(self) -> Mapping[str, Any]:
        return self._state

    async def save(self, **values: Any) -> None:
        self._state.update(values)
        await self._journal.checkpoint(self._op, self._state)


# -- the number marks ------------------------------------------------------------

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
