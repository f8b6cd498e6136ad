"""Pool numbers: list, info, name, forward, adopt (each joined with the provider's state)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from bot.audit import AuditLog, entry_fields
from bot.blocks.common import escape, provider_text
from bot.blocks.pool import PoolRow, info_view, pool_page
from bot.errors import BotError, NotFound, NotSupported, StaleAction
from bot.models import Caller, OwnedNumber, PoolEntry, utcnow
from bot.pool import PoolItem, PoolStore
from bot.providers.base import NumberProvider
from bot.replies import Reply
from bot.store import STORAGE_ERRORS

__all__ = ["NumberService"]

log = logging.getLogger(__name__)

READ_TIMEOUT = 10.0


class NumberService:
    def __init__(
        self,
        *,
        providers: Mapping[str, NumberProvider],
        pool: PoolStore,
        audit: AuditLog,
        timeout: float = READ_TIMEOUT,
    ) -> None:
        self.providers = providers
        self.pool = pool
        self.audit = audit
        self.timeout = timeout

    def _provider(self, name: str) -> NumberProvider:
        provider = self.providers.get(name)
        if provider is None:
            raise StaleAction(f"The provider {name} is not enabled on this bot.")
        return provider

    async def _pooled(self, caller: Caller, e164: str) -> PoolItem:
        item = await self.pool.item(caller.team_id, e164)
        if item is None:
            raise NotFound(f"{e164} is not in the pool. `/number list` shows the pool; admins can `/number adopt` it.")
        return item

    async def _account(self, name: str) -> dict[str, OwnedNumber] | str:
        """Everything the provider has, or the one-line reason it could not say."""
        provider = self.providers.get(name)
        if provider is None:
            return f"{name} is not enabled, so its numbers could not be checked"
        try:
            async with asyncio.timeout(self.timeout):
                numbers = await provider.list()
        except BotError as exc:
            return f"{exc.user_message} (showing what the bot recorded)"
        except TimeoutError:
            return f"{provider.label}: no answer within {self.timeout:g} s (showing what the bot recorded)"
        except STORAGE_ERRORS:
            return f"{provider.label}: storage unavailable (showing what the bot recorded)"
        return {n.e164: n for n in numbers}

    async def list_page(self, caller: Caller, *, provider: str | None, page: int) -> Reply:
        items = [i for i in await self.pool.items(caller.team_id) if provider is None or i.entry.provider == provider]
        names = sorted({i.entry.provider for i in items})
        accounts = dict(zip(names, await asyncio.gather(*(self._account(n) for n in names)), strict=True))
        notes = [a for a in accounts.values() if isinstance(a, str)]
        rows = []
        for item in items:
            account = accounts[item.entry.provider]
            known = not isinstance(account, str)
            live = account.get(item.entry.e164) if isinstance(account, dict) else None
            rows.append(PoolRow(item=item, live=live, known=known))
        return pool_page(rows, page=page, provider=provider, notes=notes)

    async def info(self, caller: Caller, e164: str) -> Reply:
        item = await self._pooled(caller, e164)
        note = None
        live = None
        known = False
        try:
            provider = self._provider(item.entry.provider)
            async with asyncio.timeout(self.timeout):
                live = await provider.get(e164)
            known = True
        except BotError as exc:
            note = f"{exc.user_message} (showing what the bot recorded)"
        except TimeoutError:
            note = f"{item.entry.provider}: no answer within {self.timeout:g} s (showing what the bot recorded)"
        return info_view(PoolRow(item=item, live=live, known=known), note)

    async def name(self, caller: Caller, e164: str, label: str) -> Reply:
        item = await self._pooled(caller, e164)
        if not await self.pool.set_name(caller.team_id, e164, label):
            raise NotFound(f"{e164} left the pool meanwhile.")
        note = ""
        provider = self.providers.get(item.entry.provider)
        outcome = "ok"
        if provider is not None and provider.capabilities.rename:
            try:
                await provider.rename(e164, label)
            except BotError as exc:
                note = f" The name is saved in the bot, but {provider.label} was not updated: {exc.user_message}"
                outcome = "saved in bot only"
        await self.audit.record(
            caller.team_id,
            entry_fields(
                actor=caller.user_id,
                action="name",
                number=e164,
                provider=item.entry.provider,
                outcome=outcome,
                detail=label,
            ),
        )
        return Reply(text=f"{e164} is now named “{escape(label)}”.{note}")

    async def forward(self, caller: Caller, e164: str, destination: str) -> Reply:
        item = await self._pooled(caller, e164)
        provider = self._provider(item.entry.provider)
        if not provider.capabilities.forward:
            raise NotSupported(provider.label, f"{provider.label} numbers have no call forwarding the bot can set")
        try:
            await provider.forward(e164, destination)
        except BotError as exc:
            await self.audit.record(
                caller.team_id,
                entry_fields(
                    actor=caller.user_id,
                    action="forward",
                    number=e164,
                    provider=provider.name,
                    outcome="failed",
                    detail=f"to {destination}: {exc.user_message}",
                ),
            )
            raise
        await self.pool.set_forward(caller.team_id, e164, destination)
        await self.audit.record(
            caller.team_id,
            entry_fields(
                actor=caller.user_id, action="forward", number=e164, provider=provider.name, detail=f"to {destination}"
            ),
        )
        where = " (sandbox: simulated)" if provider.name == "sandbox" else ""
        return Reply(text=f"↪️ Calls to {e164} now forward to {destination} via {provider_text(provider.name)}{where}.")

    async def adopt(self, caller: Caller, e164: str, provider_name: str) -> Reply:
        provider = self._provider(provider_name)
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
        await self.audit.record(
            caller.team_id,
            entry_fields(actor=caller.user_id, action="adopt", number=e164, provider=provider.name, cost=owned.monthly),
        )
        return Reply(text=f"📥 Adopted {e164} from {provider_text(provider.name)} into the pool.")
