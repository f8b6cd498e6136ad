"""`release`: a confirmation, then the provider's release, then the number leaves the pool.

The release is journaled like a purchase: the intent is claimed and recorded in flight in one
step (the number is marked as releasing), so a double click releases once, and a process
that dies half-way leaves something the reconciler can finish by asking the provider.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot import keys
from bot.audit import entry_fields
from bot.blocks.common import provider_text
from bot.blocks.pool import release_confirmation, released
from bot.errors import BotError, NotFound, NotSupported, OutcomeUnknown, PermissionDenied, StaleAction
from bot.journal import Finish, Journal, JournalProgress
from bot.models import Caller, Operation, utcnow
from bot.pool import PoolStore
from bot.providers.base import NumberProvider
from bot.quotes import QuoteStore, ReleaseIntent, new_id
from bot.replies import Reply

__all__ = ["ReleaseService"]

log = logging.getLogger(__name__)

Progress = Callable[[Reply], Awaitable[None]]


class ReleaseService:
    def __init__(
        self,
        *,
        providers: Mapping[str, NumberProvider],
        pool: PoolStore,
        quotes: QuoteStore,
        journal: Journal,
    ) -> None:
        self.providers = providers
        self.pool = pool
        self.quotes = quotes
        self.journal = journal

    def _provider(self, name: str) -> NumberProvider:
        provider = self.providers.get(name)
        if provider is None:
            raise StaleAction(
                f"The provider {name} is not enabled on this bot, so its numbers cannot be released here."
            )
        return provider

    async def prompt(self, caller: Caller, e164: str) -> Reply:
        item = await self.pool.item(caller.team_id, e164)
        if item is None:
            raise NotFound(
                f"{e164} is not in the pool; only numbers bought or adopted through the bot can be released."
            )
        provider = self._provider(item.entry.provider)
        if not provider.capabilities.release:
            raise NotSupported(provider.label, f"{provider.label} does not let the bot release numbers")
        if item.releasing:
            raise StaleAction(f"A release of {e164} is already in progress.")
        intent = ReleaseIntent(
            id=new_id(), team_id=caller.team_id, user_id=caller.user_id, e164=e164, provider=item.entry.provider
        )
        await self.quotes.save_intent(intent)
        return release_confirmation(e164, item.entry.provider, intent.id, item.name)

    async def cancel(self, caller: Caller, intent_id: str) -> Reply:
        intent = await self.quotes.intent(caller.team_id, intent_id)
        if intent is None:
            raise StaleAction("This release button expired or was already used.")
        if intent.user_id != caller.user_id:
            raise PermissionDenied(f"Only <@{intent.user_id}>, who asked for this release, can cancel it.")
        if not await self.quotes.drop_intent(caller.team_id, intent_id):
            raise StaleAction("This release button was already used.")
        return Reply(text=f"Kept {intent.e164}; nothing was released.", replace_original=True)

    async def confirm(self, caller: Caller, intent_id: str, *, progress: Progress) -> Reply:
        raw = await self.quotes.raw_intent(caller.team_id, intent_id)
        if raw is None:
            raise StaleAction("This release button expired or was already used; run /number release again.")
        intent = ReleaseIntent.model_validate_json(raw)
        if intent.user_id != caller.user_id:
            raise PermissionDenied(f"Only <@{intent.user_id}>, who asked for this release, can confirm it.")
        provider = self._provider(intent.provider)
        op = Operation(
            id=intent.id,
            kind="release",
            team_id=caller.team_id,
            user_id=caller.user_id,
            e164=intent.e164,
            provider=intent.provider,
            channel_id=caller.channel_id,
            response_url=caller.response_url,
            started_at=utcnow(),
        )
        claim = await self.journal.claim(
            op,
            source_key=keys.intent(caller.team_id, intent_id),
            expected=raw,
            guard_key=keys.releasing(caller.team_id),
            guard="busy",
        )
        if claim == "busy":
            raise StaleAction(f"A release of {intent.e164} is already in progress.")
        if claim != "ok":
            raise StaleAction("This release button was already used.")
        await progress(
            Reply(
                text=f"⏳ Releasing {intent.e164} at {provider_text(intent.provider)}… the outcome will appear here.",
                replace_original=True,
            )
        )
        tracker = JournalProgress(self.journal, op)
        async with self.journal.lease(op):
            try:
                await provider.release(op.e164, tracker)
            except OutcomeUnknown:
                return await self._check(op, provider, tracker) or self._pending(op)
            except BotError as exc:
                return await self._kept(op, exc.user_message)
            except Exception:
                log.exception("release raised unexpectedly", extra={"op": op.id})
                return await self._check(op, provider, tracker) or self._pending(op)
            return await self._complete(op)

    def _pending(self, op: Operation) -> Reply:
        return Reply(
            text=f"⏳ {op.e164}: {op.provider} has not confirmed the release yet; "
            "the bot keeps checking and will report here.",
            replace_original=True,
        )

    async def _check(self, op: Operation, provider: NumberProvider, tracker: JournalProgress) -> Reply | None:
        try:
            gone = await provider.check_release(op.e164, tracker)
        except BotError as exc:
            log.warning("release outcome still unknown", extra={"op": op.id, "reason": exc.user_message})
            return None
        if gone:
            return await self._complete(op)
        return await self._kept(op, f"{provider.label} still has the number on the account")

    async def _complete(self, op: Operation) -> Reply:
        team = op.team_id
        await self.journal.finish(
            op,
            Finish(
                status="released",
                outcome=f"released {op.e164}",
                deletes=[
                    (keys.pool(team), op.e164),
                    (keys.names(team), op.e164),
                    (keys.forwards(team), op.e164),
                    (keys.releasing(team), op.e164),
                ],
                audit=entry_fields(
                    actor=op.user_id, action="release", number=op.e164, provider=op.provider, outcome="released"
                ),
            ),
        )
        return released(op.e164, op.provider)

    async def _kept(self, op: Operation, reason: str) -> Reply:
        await self.journal.finish(
            op,
            Finish(
                status="kept",
                outcome=f"not released: {reason}",
                deletes=[(keys.releasing(op.team_id), op.e164)],
                audit=entry_fields(
                    actor=op.user_id,
                    action="release",
                    number=op.e164,
                    provider=op.provider,
                    outcome="failed",
                    detail=reason,
                ),
            ),
        )
        return Reply(text=f"❌ {op.e164} was not released: {reason}", replace_original=True)

    async def resume(self, op: Operation, state: dict[str, Any]) -> Reply | None:
        """Finish a release whose process died, by asking the provider whether it is gone."""
        provider = self._provider(op.provider)
        tracker = JournalProgress(self.journal, op, state)
        async with self.journal.lease(op):
            return await self._check(op, provider, tracker)
