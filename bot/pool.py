"""The pool: numbers bought or adopted through the bot, with their names and forwarding.

`PoolStore` keeps purchase facts, friendly names, last forwarding target and releases in
progress as four hashes of one team (one hash tag), so reading the whole pool is one round
trip however large it is, and a name change never races a purchase record. `PoolService`
answers list, info, name, forward and adopt, each joined with the provider's current state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

import orjson

from bot import keys
from bot.accounts import AccountCache, Snapshot
from bot.audit import AuditLog, entry_fields
from bot.errors import BotError, DestinationRefused, NotFound, NotSupported, StaleAction
from bot.models import Caller, OwnedNumber, PoolEntry, PoolItem, SmsRouting, utcnow
from bot.outcomes import Adopted, Forwarded, Named, NumberInfo, PoolPage, PoolRow
from bot.phone import allowed_destination
from bot.providers.registry import ProviderSet
from bot.store import STORAGE_ERRORS

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["READ_TIMEOUT", "PoolService", "PoolStore", "allowed_or_refused", "pooled"]

log = logging.getLogger(__name__)

READ_TIMEOUT = 10.0
PAGE_SIZE = 10  # rows a list page shows (with its header, notes and buttons, far below 50 blocks)

# Set a field only for a number that is in the pool.
_SET_IF_POOLED = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""


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
            pipe.hgetall(keys.sms_routes(team_id))
            pool, names, forwards, releasing, sms = await pipe.execute()
        items = [
            PoolItem(
                entry=PoolEntry.model_validate_json(raw),
                name=names.get(e164),
                forward_to=forwards.get(e164),
                releasing=e164 in releasing,
                sms=SmsRouting.model_validate_json(sms[e164]) if e164 in sms else None,
            )
            for e164, raw in pool.items()
        ]
        return sorted(items, key=lambda item: (item.entry.bought_at, item.entry.e164))

    async def page(self, team_id: str, *, provider: str | None, first: int, size: int) -> tuple[int, list[PoolItem]]:
        """How many numbers the pool holds (of `provider`, when given), and one page of them,
        oldest first: every entry is read to order them, only the page's are validated."""
        pool = await self.redis.hgetall(keys.pool(team_id))
        order = []
        for e164, raw in pool.items():
            data = orjson.loads(raw)
            if provider is None or data.get("provider") == provider:
                order.append((str(data.get("bought_at", "")), e164))
        order.sort()
        shown = [e164 for _, e164 in order[first : first + size]]
        if not shown:
            return len(order), []
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hmget(keys.names(team_id), shown)
            pipe.hmget(keys.forwards(team_id), shown)
            pipe.hmget(keys.releasing(team_id), shown)
            pipe.hmget(keys.sms_routes(team_id), shown)
            names, forwards, releasing, sms = await pipe.execute()
        items = [
            PoolItem(
                entry=PoolEntry.model_validate_json(pool[e164]),
                name=names[i],
                forward_to=forwards[i],
                releasing=releasing[i] is not None,
                sms=SmsRouting.model_validate_json(sms[i]) if sms[i] else None,
            )
            for i, e164 in enumerate(shown)
        ]
        return len(order), items

    async def item(self, team_id: str, e164: str) -> PoolItem | None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hget(keys.pool(team_id), e164)
            pipe.hget(keys.names(team_id), e164)
            pipe.hget(keys.forwards(team_id), e164)
            pipe.hexists(keys.releasing(team_id), e164)
            pipe.hget(keys.sms_routes(team_id), e164)
            raw, name, forward, releasing, sms = await pipe.execute()
        if raw is None:
            return None
        routing = SmsRouting.model_validate_json(sms) if sms else None
        return PoolItem(
            entry=PoolEntry.model_validate_json(raw), name=name, forward_to=forward, releasing=releasing, sms=routing
        )

    async def set_name(self, team_id: str, e164: str, name: str) -> bool:
        return bool(await self._set_if_pooled(keys=[keys.pool(team_id), keys.names(team_id)], args=[e164, name]))

    async def set_forward(self, team_id: str, e164: str, destination: str) -> bool:
        return bool(
            await self._set_if_pooled(keys=[keys.pool(team_id), keys.forwards(team_id)], args=[e164, destination])
        )

    async def adopt(self, team_id: str, entry: PoolEntry) -> bool:
        """Add a number the account already owns; False when it is already in the pool."""
        return bool(await self.redis.hsetnx(keys.pool(team_id), entry.e164, entry.model_dump_json()))


async def pooled(store: PoolStore, caller: Caller, e164: str) -> PoolItem:
    """The caller's team's pool number, or NotFound saying how it gets into the pool."""
    item = await store.item(caller.team_id, e164)
    if item is None:
        raise NotFound(f"{e164} is not in the pool. `/number list` shows the pool; admins can `/number adopt` it.")
    return item


async def allowed_or_refused(
    audit: AuditLog, caller: Caller, fields: dict[str, str], destination: str, countries: Collection[str]
) -> str:
    """`destination` as E.164 when the toll-fraud rules and FORWARD_COUNTRIES allow it (checked
    before any provider is asked: forwards and test SMS alike); else the refusal, audited."""
    try:
        return allowed_destination(destination, countries=countries)
    except DestinationRefused as exc:
        detail = f"to {destination}: {exc.user_message}"
        await audit.record(caller.team_id, entry_fields(**fields, outcome="refused", detail=detail))
        raise


class PoolService:
    def __init__(
        self,
        *,
        providers: ProviderSet,
        pool: PoolStore,
        audit: AuditLog,
        accounts: AccountCache,
        timeout: float = READ_TIMEOUT,
        forward_countries: Collection[str] = (),
    ) -> None:
        """`forward_countries`: FORWARD_COUNTRIES, the countries a forward may go to (empty: any)."""
        self.providers = providers
        self.pool = pool
        self.audit = audit
        self.accounts = accounts
        self.timeout = timeout
        self.forward_countries = frozenset(forward_countries)

    @property
    def simulated(self) -> frozenset[str]:
        return self.providers.simulated_names

    async def _pooled(self, caller: Caller, e164: str) -> PoolItem:
        return await pooled(self.pool, caller, e164)

    async def _account(self, name: str, numbers: list[str]) -> Snapshot | str:
        """What the provider's account says of `numbers` (a recent snapshot, else asked now),
        or the one-line reason it could not say."""
        provider = self.providers.get(name)
        if provider is None:
            return f"{name} is not enabled, so its numbers could not be checked"

        async def fetch() -> list[OwnedNumber]:
            async with asyncio.timeout(self.timeout):
                return await provider.list()

        try:
            return await self.accounts.numbers(provider.account, numbers, fetch)
        except BotError as exc:
            return f"{exc.user_message} (showing what the bot recorded)"
        except TimeoutError:
            return f"{provider.label}: no answer within {self.timeout:g} s (showing what the bot recorded)"
        except STORAGE_ERRORS:
            return f"{provider.label}: storage unavailable (showing what the bot recorded)"

    async def list_page(self, caller: Caller, *, provider: str | None, page: int, turned: bool = False) -> PoolPage:
        """One page of the pool joined with its providers' accounts: only that page is read in full."""
        total, items = await self.pool.page(caller.team_id, provider=provider, first=page * PAGE_SIZE, size=PAGE_SIZE)
        if not items and page > 0:  # past the end (the pool shrank): the last page
            page = max(0, -(-total // PAGE_SIZE) - 1)
            total, items = await self.pool.page(
                caller.team_id, provider=provider, first=page * PAGE_SIZE, size=PAGE_SIZE
            )
        names = sorted({i.entry.provider for i in items})
        wanted = {n: [i.entry.e164 for i in items if i.entry.provider == n] for n in names}
        accounts = dict(zip(names, await asyncio.gather(*(self._account(n, wanted[n]) for n in names)), strict=True))
        notes = [a for a in accounts.values() if isinstance(a, str)]
        ages = [a.age for a in accounts.values() if isinstance(a, Snapshot)]
        if ages and max(ages) >= 1:
            notes.append(f"Provider state as of {round(max(ages))} s ago.")
        rows = []
        for item in items:
            account = accounts[item.entry.provider]
            live = account.numbers.get(item.entry.e164) if isinstance(account, Snapshot) else None
            rows.append(PoolRow(item=item, live=live, known=isinstance(account, Snapshot)))
        return PoolPage(
            rows=tuple(rows),
            page=page,
            total=total,
            page_size=PAGE_SIZE,
            provider=provider,
            notes=tuple(notes),
            turned=turned,
            simulated=self.simulated,
        )

    async def info(self, caller: Caller, e164: str) -> NumberInfo:
        item = await self._pooled(caller, e164)
        note = None
        live = None
        known = False
        try:
            provider = self.providers.require(item.entry.provider)
            async with asyncio.timeout(self.timeout):
                live = await provider.get(e164)
            known = True
        except BotError as exc:
            note = f"{exc.user_message} (showing what the bot recorded)"
        except TimeoutError:
            note = f"{item.entry.provider}: no answer within {self.timeout:g} s (showing what the bot recorded)"
        return NumberInfo(row=PoolRow(item=item, live=live, known=known), note=note, simulated=self.simulated)

    async def name(self, caller: Caller, e164: str, label: str) -> Named:
        item = await self._pooled(caller, e164)
        if not await self.pool.set_name(caller.team_id, e164, label):
            raise NotFound(f"{e164} left the pool meanwhile.")
        note = None
        provider = self.providers.get(item.entry.provider)
        if provider is not None and provider.capabilities.rename:
            try:
                await provider.rename(e164, label)
            except BotError as exc:
                note = f"{provider.label} was not updated: {exc.user_message}"
        await self.audit.record(
            caller.team_id,
            entry_fields(
                actor=caller.user_id,
                action="name",
                number=e164,
                provider=item.entry.provider,
                outcome="saved in bot only" if note else "ok",
                detail=label,
            ),
        )
        return Named(e164=e164, name=label, provider_note=note)

    async def forward(self, caller: Caller, e164: str, destination: str) -> Forwarded:
        item = await self._pooled(caller, e164)
        audit = {"actor": caller.user_id, "action": "forward", "number": e164, "provider": item.entry.provider}
        destination = await allowed_or_refused(self.audit, caller, audit, destination, self.forward_countries)
        provider = self.providers.require(item.entry.provider)
        if not provider.capabilities.forward:
            raise NotSupported(provider.label, f"{provider.label} numbers have no call forwarding the bot can set")
        try:
            await provider.forward(e164, destination)
        except BotError as exc:
            detail = f"to {destination}: {exc.user_message}"
            await self.audit.record(caller.team_id, entry_fields(**audit, outcome="failed", detail=detail))
            raise
        await self.pool.set_forward(caller.team_id, e164, destination)
        await self.accounts.forget(provider.account)
        await self.audit.record(caller.team_id, entry_fields(**audit, detail=f"to {destination}"))
        return Forwarded(e164=e164, destination=destination, provider=provider.name, simulated=self.simulated)

    async def adopt(self, caller: Caller, e164: str, provider_name: str) -> Adopted:
        provider = self.providers.require(provider_name)
        owned = await provider.get(e164)
        if owned is None:
            raise NotFound(f"{provider.label} says the account does not have {e164}, so it cannot be adopted.")
        entry = PoolEntry(
            e164=e164,
            provider=provider.name,
            country=owned.country,
            monthly=owned.monthly,
            bought_by=caller.user_id,
            bought_at=utcnow(),
            adopted=True,
        )
        if not await self.pool.adopt(caller.team_id, entry):
            raise StaleAction(f"{e164} is already in the pool.")
        if owned.forward_to:
            await self.pool.set_forward(caller.team_id, e164, owned.forward_to)
        await self.accounts.forget(provider.account)
        await self.audit.record(
            caller.team_id,
            entry_fields(actor=caller.user_id, action="adopt", number=e164, provider=provider.name, cost=owned.monthly),
        )
        return Adopted(e164=e164, provider=provider.name, simulated=self.simulated)
