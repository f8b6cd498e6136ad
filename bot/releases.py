"""`release`: a confirmation, then the provider's release, then the number leaves the pool.

The release is journaled like a purchase: the intent (`IntentStore`) is claimed and
recorded in flight in one step (the number is marked as releasing), so a double click
releases once, and a process that dies half-way leaves something the reconciler can finish
by asking the provider.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot import keys
from bot.accounts import AccountCache
from bot.audit import entry_fields
from bot.changes import Changes
from bot.errors import BotError, NotFound, NotSupported, OutcomeUnknown, PermissionDenied, StaleAction
from bot.journal import Finish, Journal, JournalProgress, NumberMarks
from bot.models import Caller, Frozen, Operation, new_id, utcnow
from bot.outcomes import ReleaseCancelled, Released, ReleaseFailed, ReleasePending, ReleasePrompt, Releasing
from bot.pool import PoolStore
from bot.providers.base import NumberProvider
from bot.providers.registry import ProviderSet
from bot.purchases import Progress

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["INTENT_TTL", "IntentStore", "ReleaseIntent", "ReleaseService"]

log = logging.getLogger(__name__)

INTENT_TTL = 10 * 60

ReleaseResult = Released | ReleaseFailed | ReleasePending


class ReleaseIntent(Frozen):
    """What the Release button will release; the button carries only its id."""

    id: str
    team_id: str
    user_id: str
    e164: str
    provider: str


class IntentStore:
    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    async def save(self, intent: ReleaseIntent) -> None:
        await self.redis.set(keys.intent(intent.team_id, intent.id), intent.model_dump_json(), ex=INTENT_TTL)

    async def raw(self, team_id: str, intent_id: str) -> str | None:
        return await self.redis.get(keys.intent(team_id, intent_id))  # type: ignore[no-any-return]

    async def get(self, team_id: str, intent_id: str) -> ReleaseIntent | None:
        raw = await self.raw(team_id, intent_id)
        return ReleaseIntent.model_validate_json(raw) if raw else None

    async def drop(self, team_id: str, intent_id: str) -> bool:
        return bool(await self.redis.delete(keys.intent(team_id, intent_id)))


class ReleaseService:
    def __init__(
        self,
        *,
        providers: ProviderSet,
        pool: PoolStore,
        intents: IntentStore,
        journal: Journal,
        marks: NumberMarks,
        accounts: AccountCache,
        changes: Changes | None = None,
    ) -> None:
        """`changes`: told when a release ends, so the Home tabs that show the pool are published again."""
        self.providers = providers
        self.pool = pool
        self.intents = intents
        self.journal = journal
        self.marks = marks
        self.accounts = accounts
        self.changes = changes or Changes()

    @property
    def simulated(self) -> frozenset[str]:
        return self.providers.simulated_names

    async def prompt(self, caller: Caller, e164: str) -> ReleasePrompt:
        item = await self.pool.item(caller.team_id, e164)
        if item is None:
            raise NotFound(
                f"{e164} is not in the pool; only numbers bought or adopted through the bot can be released."
            )
        provider = self.providers.require(item.entry.provider)
        if not provider.capabilities.release:
            raise NotSupported(provider.label, f"{provider.label} does not let the bot release numbers")
        if item.releasing:
            raise StaleAction(f"A release of {e164} is already in progress.")
        intent = ReleaseIntent(
            id=new_id(), team_id=caller.team_id, user_id=caller.user_id, e164=e164, provider=item.entry.provider
        )
        await self.intents.save(intent)
        return ReleasePrompt(
            e164=e164, provider=intent.provider, intent_id=intent.id, name=item.name, simulated=self.simulated
        )

    async def cancel(self, caller: Caller, intent_id: str) -> ReleaseCancelled:
        intent = await self.intents.get(caller.team_id, intent_id)
        if intent is None:
            raise StaleAction("This release button expired or was already used.")
        if intent.user_id != caller.user_id:
            raise PermissionDenied(f"Only <@{intent.user_id}>, who asked for this release, can cancel it.")
        if not await self.intents.drop(caller.team_id, intent_id):
            raise StaleAction("This release button was already used.")
        return ReleaseCancelled(e164=intent.e164)

    async def confirm(self, caller: Caller, intent_id: str, *, progress: Progress) -> ReleaseResult:
        raw = await self.intents.raw(caller.team_id, intent_id)
        if raw is None:
            raise StaleAction("This release button expired or was already used; run /number release again.")
        intent = ReleaseIntent.model_validate_json(raw)
        if intent.user_id != caller.user_id:
            raise PermissionDenied(f"Only <@{intent.user_id}>, who asked for this release, can confirm it.")
        provider = self.providers.require(intent.provider)
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
        await progress(Releasing(e164=intent.e164, provider=intent.provider, simulated=self.simulated))
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

    def _pending(self, op: Operation) -> ReleasePending:
        return ReleasePending(e164=op.e164, provider=op.provider, simulated=self.simulated)

    async def _check(
        self, op: Operation, provider: NumberProvider, tracker: JournalProgress
    ) -> Released | ReleaseFailed | None:
        try:
            gone = await provider.check_release(op.e164, tracker)
        except BotError as exc:
            log.warning("release outcome still unknown", extra={"op": op.id, "reason": exc.user_message})
            return None
        if gone:
            return await self._complete(op)
        return await self._kept(op, f"{provider.label} still has the number on the account")

    async def _complete(self, op: Operation) -> Released:
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
                    (keys.sms_routes(team), op.e164),  # its SMS stop with it (queued ones are dropped)
                ],
                audit=entry_fields(
                    actor=op.user_id, action="release", number=op.e164, provider=op.provider, outcome="released"
                ),
            ),
        )
        provider = self.providers.get(op.provider)
        if provider is not None:  # the number left the account: nobody holds it any more
            await self.marks.released(provider.account, team, op.e164)
            await self.accounts.forget(provider.account)
        self.changes.changed(team, op.user_id)
        return Released(e164=op.e164, provider=op.provider, simulated=self.simulated)

    async def _kept(self, op: Operation, reason: str) -> ReleaseFailed:
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
        self.changes.changed(op.team_id, op.user_id)
        return ReleaseFailed(e164=op.e164, reason=reason)

    async def resume(self, op: Operation, state: dict[str, Any]) -> Released | ReleaseFailed | None:
        """Finish a release whose process died, by asking the provider whether it is gone."""
        provider = self.providers.require(op.provider)
        tracker = JournalProgress(self.journal, op, state)
        async with self.journal.lease(op):
            return await self._check(op, provider, tracker)
