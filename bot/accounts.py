"""What each provider account holds, cached in Redis for a short time, shared by every process.

`list` joins the pool with each provider's account; asking every provider for every number on
each page turn would make listing cost as much as the accounts are large (Flowroute even needs
one request per number). So a snapshot of an account's numbers is kept for a while: pages and
repeated lists read only the numbers they show from it (one HMGET), a snapshot older than
FRESH is refreshed in the background (one process at a time), and the page says how old it is.
A change the bot makes (a purchase, a forward, a release, an adoption) drops the snapshot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot import keys
from bot.models import OwnedNumber

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["FRESH", "KEEP", "AccountCache", "Snapshot"]

log = logging.getLogger(__name__)

FRESH = 60.0  # seconds a snapshot is shown without refreshing it behind the page
KEEP = 15 * 60  # seconds a snapshot is kept at all; older, the account is asked again
_STAMP = "__fetched_at__"  # a field no E.164 number can be


class Snapshot:
    """Some numbers of one account as they were `age` seconds ago (None: not on the account)."""

    def __init__(self, numbers: dict[str, OwnedNumber | None], age: float) -> None:
        self.numbers = numbers
        self.age = age


class AccountCache:
    def __init__(self, redis: RedisClient, *, clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.clock = clock
        self._refreshing: set[asyncio.Task[None]] = set()

    async def numbers(
        self, account: str, wanted: list[str], fetch: Callable[[], Awaitable[list[OwnedNumber]]]
    ) -> Snapshot:
        """`wanted` numbers from the account's snapshot, fetched with `fetch` when there is none."""
        key = keys.account_state(account)
        raw = await self.redis.hmget(key, [_STAMP, *wanted])
        if raw[0] is None:
            everything = {n.e164: n for n in await fetch()}
            await self._store(key, everything)
            return Snapshot({e164: everything.get(e164) for e164 in wanted}, 0.0)
        age = max(0.0, self.clock() - float(raw[0]))
        if age > FRESH:
            self._refresh_later(account, fetch)
        found = {
            e164: OwnedNumber.model_validate_json(r) if r else None for e164, r in zip(wanted, raw[1:], strict=True)
        }
        return Snapshot(found, age)

    async def forget(self, account: str) -> None:
        """The bot changed something on the account: the next list asks it again."""
        await self.redis.delete(keys.account_state(account))

    async def _store(self, key: str, numbers: dict[str, OwnedNumber]) -> None:
        mapping = {e164: n.model_dump_json() for e164, n in numbers.items()}
        async with self.redis.pipeline(transaction=False) as pipe:  # one slot: the account's
            pipe.delete(key)
            pipe.hset(key, mapping={_STAMP: str(self.clock()), **mapping})
            pipe.expire(key, KEEP)
            await pipe.execute()

    def _refresh_later(self, account: str, fetch: Callable[[], Awaitable[list[OwnedNumber]]]) -> None:
        task = asyncio.create_task(self._refresh(account, fetch), name=f"refresh:{account}")
        self._refreshing.add(task)
        task.add_done_callback(self._refreshing.discard)

    async def _refresh(self, account: str, fetch: Callable[[], Awaitable[list[OwnedNumber]]]) -> None:
        if not await self.redis.set(keys.account_refreshing(account), "1", nx=True, ex=30):
            return  # another process is at it
        try:
            await self._store(keys.account_state(account), {n.e164: n for n in await fetch()})
        except Exception as exc:  # noqa: BLE001 - the old snapshot stays; the next list tries again
            log.warning("account snapshot not refreshed", extra={"error": type(exc).__name__})
        finally:
            await self.redis.delete(keys.account_refreshing(account))
