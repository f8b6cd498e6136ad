"""`e911` and `cnam`: a pool number's emergency address and caller-ID name, at its provider.

Input was checked by the grammar (bot/addresses.py); here the number must be in the pool, be a
US or Canadian number (E911 and CNAM exist only there) and its provider must have the feature,
all before any provider is asked. Every change, refused or failed ones included, is audited.

A caller-ID name may need the provider's approval (Flowroute reviews each name, up to 48 hours).
The name asked for is kept in the team's Redis until the provider approved (and the bot attached
it) or rejected it; `cnam <NUMBER>` and `info` ask again, which attaches an approved name.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from bot import keys
from bot.accounts import AccountCache
from bot.audit import AuditLog, entry_fields
from bot.commands import CallerId, Emergency
from bot.errors import BotError, NotFound, NotSupported, ProviderRefused
from bot.models import Caller, CallerName, Frozen, OwnedNumber, PoolItem, utcnow
from bot.outcomes import CallerIdAnswer, EmergencyAnswer, NumberInfo
from bot.phone import country_of
from bot.pool import READ_TIMEOUT, PoolService, PoolStore
from bot.providers.base import NumberProvider, lacks
from bot.providers.registry import ProviderSet

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["CallerIdRequests", "EmergencyService", "NameRequest"]

log = logging.getLogger(__name__)

NORTH_AMERICA = frozenset({"US", "CA"})


class NameRequest(Frozen):
    """A caller-ID name asked for, while the provider has not approved (or rejected) it."""

    name: str
    by: str
    at: datetime


class CallerIdRequests:
    """The names awaiting approval: one hash per team, by number."""

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    async def get(self, team_id: str, e164: str) -> NameRequest | None:
        raw = await self.redis.hget(keys.cnam_requests(team_id), e164)
        return NameRequest.model_validate_json(raw) if raw else None

    async def put(self, team_id: str, e164: str, request: NameRequest) -> None:
        await self.redis.hset(keys.cnam_requests(team_id), e164, request.model_dump_json())

    async def drop(self, team_id: str, e164: str) -> None:
        await self.redis.hdel(keys.cnam_requests(team_id), e164)


T = TypeVar("T")


async def _then(change: Awaitable[None], read: Callable[[], Awaitable[T]]) -> T:
    """Make a change, then read what it left."""
    await change
    return await read()


def _outcome(exc: BotError) -> str:
    return "refused" if isinstance(exc, ProviderRefused | NotSupported) else "failed"


class EmergencyService:
    def __init__(
        self,
        *,
        providers: ProviderSet,
        pool: PoolStore,
        numbers: PoolService,
        audit: AuditLog,
        requests: CallerIdRequests,
        accounts: AccountCache,
        timeout: float = READ_TIMEOUT,
    ) -> None:
        """`numbers` answers `info`, which this service completes with E911 and CNAM details."""
        self.providers = providers
        self.pool = pool
        self.numbers = numbers
        self.audit = audit
        self.requests = requests
        self.accounts = accounts
        self.timeout = timeout

    async def _target(self, caller: Caller, e164: str, what: str, capable: str) -> tuple[PoolItem, NumberProvider]:
        """The pool number and its provider, or one line saying why not (no provider is asked)."""
        item = await self.pool.item(caller.team_id, e164)
        if item is None:
            raise NotFound(f"{e164} is not in the pool. `/number list` shows the pool; admins can `/number adopt` it.")
        if country_of(e164) not in NORTH_AMERICA:
            raise BotError(f"{what} exists for US and Canadian numbers only; {e164} is not one.")
        provider = self.providers.require(item.entry.provider)
        if not getattr(provider.capabilities, capable):
            raise lacks(provider.label, capable)
        return item, provider

    async def _record(self, caller: Caller, action: str, item: PoolItem, outcome: str, detail: str) -> None:
        fields = entry_fields(
            actor=caller.user_id,
            action=action,
            number=item.entry.e164,
            provider=item.entry.provider,
            outcome=outcome,
            detail=detail,
        )
        await self.audit.record(caller.team_id, fields)

    async def _attempt(self, caller: Caller, action: str, item: PoolItem, detail: str, work: Awaitable[T]) -> T:
        """A change at the provider; when it is refused or fails, that is audited with the reason."""
        try:
            done = await work
        except BotError as exc:
            await self._record(caller, action, item, _outcome(exc), f"{detail}: {exc.user_message}")
            raise
        # The account changed: `list` asks it again rather than show its snapshot.
        await self.accounts.forget(self.providers.require(item.entry.provider).account)
        return done

    # -- e911 ----------------------------------------------------------------------------

    async def e911(self, caller: Caller, command: Emergency) -> EmergencyAnswer:
        e164 = command.e164
        item, provider = await self._target(caller, e164, "E911", "e911")
        answer = {"e164": e164, "provider": provider.name, "simulated": self.providers.simulated_names}
        if command.address is None and not command.off:
            return EmergencyAnswer(status=await provider.e911(e164), **answer)
        if command.address is not None:
            detail, work = f"set to {command.address.line()}", provider.set_e911(e164, command.address, item.name)
        else:
            detail, work = "removed", _then(provider.clear_e911(e164), lambda: provider.e911(e164))
        status = await self._attempt(caller, "e911", item, detail, work)
        await self._record(caller, "e911", item, "ok", detail)
        return EmergencyAnswer(status=status, change="removed" if command.off else "set", **answer)

    # -- cnam ----------------------------------------------------------------------------

    async def caller_id(self, caller: Caller, command: CallerId) -> CallerIdAnswer:
        e164 = command.e164
        capable = "cnam_lookup" if command.lookup is not None else "cnam"
        item, provider = await self._target(caller, e164, "Caller-ID name (CNAM)", capable)
        answer = {
            "e164": e164,
            "provider": provider.name,
            "lookup": provider.capabilities.cnam_lookup,
            "simulated": self.providers.simulated_names,
        }
        if command.caller_name is None and not command.off and command.lookup is None:
            return CallerIdAnswer(status=await self._current(caller, item, provider), **answer)
        if command.lookup is not None:
            change, detail = "lookup", f"inbound lookup {'on' if command.lookup else 'off'}"
            work = _then(provider.set_cnam_lookup(e164, command.lookup), lambda: provider.cnam(e164))
        elif command.caller_name is not None:
            change, detail = "set", f"set to {command.caller_name}"
            work = provider.set_cnam(e164, command.caller_name)
        else:
            change, detail = "removed", "removed"
            work = _then(provider.clear_cnam(e164), lambda: provider.cnam(e164))
        status = await self._attempt(caller, "cnam", item, detail, work)
        if command.caller_name is not None and status.state == "pending":
            request = NameRequest(name=command.caller_name, by=caller.user_id, at=utcnow())
            await self.requests.put(caller.team_id, e164, request)
            detail += " (awaiting the provider's approval)"
        elif change != "lookup":
            await self.requests.drop(caller.team_id, e164)
        outcome = "rejected" if status.state == "rejected" else "ok"
        await self._record(caller, "cnam", item, outcome, detail + (f": {status.reason}" if status.reason else ""))
        return CallerIdAnswer(status=status, change=change, **answer)

    async def _current(self, caller: Caller, item: PoolItem, provider: NumberProvider) -> CallerName:
        """The name now; a name awaiting approval is asked for again (attached once approved)."""
        e164 = item.entry.e164
        request = await self.requests.get(caller.team_id, e164)
        if request is None:
            return await provider.cnam(e164)
        status = await provider.set_cnam(e164, request.name)
        if status.state != "pending":
            await self.requests.drop(caller.team_id, e164)
            done = "attached once the provider approved it" if status.state == "active" else "rejected"
            who = caller.model_copy(update={"user_id": request.by})  # the change is the requester's
            outcome = "ok" if status.state == "active" else "rejected"
            reason = f": {status.reason}" if status.reason else ""
            await self._record(who, "cnam", item, outcome, f"{request.name} {done}{reason}")
        return status

    # -- info ----------------------------------------------------------------------------

    async def info(self, caller: Caller, e164: str) -> NumberInfo:
        """`info`, with the emergency address and caller-ID name in full where the provider has them."""
        outcome = await self.numbers.info(caller, e164)
        row, live = outcome.row, outcome.row.live
        provider = self.providers.get(row.item.entry.provider)
        if live is None or provider is None or country_of(e164) not in NORTH_AMERICA:
            return outcome
        reads = {}
        if provider.capabilities.e911 and live.e911 is not None and live.e911.registered and not live.e911.address:
            reads["e911"] = provider.e911(e164)
        if provider.capabilities.cnam:
            pending = await self.requests.get(caller.team_id, e164)
            if pending is not None or (live.cnam is not None and live.cnam.state and not live.cnam.name):
                reads["cnam"] = self._current(caller, row.item, provider)
        if not reads:
            return outcome
        try:
            async with asyncio.timeout(self.timeout):
                found = await asyncio.gather(*reads.values(), return_exceptions=True)
        except TimeoutError:
            found = [TimeoutError()] * len(reads)
        update: dict[str, object] = {}
        notes = [outcome.note] if outcome.note else []
        for what, result in zip(reads, found, strict=True):
            if isinstance(result, BotError):
                notes.append(f"{what.upper()} details: {result.user_message}")
            elif isinstance(result, BaseException):
                log.warning("info details failed", extra={"what": what, "error": type(result).__name__})
                notes.append(f"{what.upper()} details: {provider.label} did not answer in time")
            else:
                update[what] = result
        detailed: OwnedNumber = live.model_copy(update=update)
        return outcome.model_copy(
            update={"row": row.model_copy(update={"live": detailed}), "note": "; ".join(notes) or None}
        )
