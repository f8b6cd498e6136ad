"""Buy → quote → confirm → exactly one purchase.

The quote (number, provider, price, requester, expiry) is stored server-side. Confirming
re-checks the clicker, then claims the quote and records the purchase as in flight in one
atomic step (bot.journal) before the provider is asked. An ambiguous answer is resolved by
asking the provider whether the account owns the number, never by buying again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from bot import keys
from bot.audit import quote_fields
from bot.blocks.common import provider_text
from bot.blocks.purchase import bought, confirmation, purchase_failed, purchase_pending
from bot.budget import BudgetStore, approval_reasons, month_of, spend_entry
from bot.errors import BotError, ChargesRequired, OutcomeUnknown, PermissionDenied, StaleAction
from bot.journal import Finish, Journal, JournalProgress
from bot.models import Caller, Offer, Operation, OwnedNumber, PoolEntry, Quote, Role, utcnow
from bot.providers.base import NumberProvider, Order
from bot.quotes import QuoteStore, new_id
from bot.replies import Reply

__all__ = ["Outcome", "PurchaseService"]

log = logging.getLogger(__name__)

Progress = Callable[[Reply], Awaitable[None]]


@dataclass(frozen=True)
class Outcome:
    """How a purchase attempt ended, and what to tell the buyer."""

    status: Literal["bought", "failed", "pending", "charges"]
    reply: Reply
    quote: Quote
    new_quote: Quote | None = None  # "charges": the priced second confirmation
    reason: str = ""


# A lapsed purchase younger than this is not declared "not bought" yet: the provider may
# still be completing a request the dead process sent just before it died.
NOT_OWNED_GRACE = timedelta(seconds=10)


class PurchaseService:
    def __init__(
        self,
        *,
        providers: Mapping[str, NumberProvider],
        quotes: QuoteStore,
        journal: Journal,
        budget: BudgetStore,
        quote_ttl: int,
    ) -> None:
        self.providers = providers
        self.quotes = quotes
        self.journal = journal
        self.budget = budget
        self.quote_ttl = quote_ttl

    def _provider(self, name: str) -> NumberProvider:
        provider = self.providers.get(name)
        if provider is None:
            raise StaleAction(f"The provider {name} is not enabled on this bot any more.")
        return provider

    # -- Buy ------------------------------------------------------------------------

    async def quote(self, caller: Caller, role: Role, offer_ref: str) -> Reply:
        """The Buy button: price the chosen offer for this user and ask them to confirm."""
        search_id, _, index = offer_ref.partition(":")
        try:
            offer = await self.quotes.offer(caller.team_id, search_id, index)
        except ValueError:
            offer = None
        if offer is None:
            raise StaleAction("These search results have expired; run the search again.")
        return await self.quote_offer(caller, role, offer)

    async def quote_offer(self, caller: Caller, role: Role, offer: Offer) -> Reply:
        """A fresh quote for an offer the server already holds (search result or earlier quote)."""
        provider = self._provider(offer.provider)
        hold = await provider.hold(offer)
        settings, spend = await self.budget.snapshot(caller.team_id)
        now = utcnow()
        expires = now + timedelta(seconds=self.quote_ttl)
        if hold is not None and hold.expires_at is not None:
            expires = min(expires, hold.expires_at)
        draft = Quote(
            id=new_id(),
            team_id=caller.team_id,
            user_id=caller.user_id,
            channel_id=caller.channel_id,
            offer=offer,
            hold=hold,
            created_at=now,
            expires_at=expires,
        )
        quote = draft.model_copy(
            update={
                "approval_reasons": tuple(
                    approval_reasons(role=role, offer=offer, charges=draft.charges(), settings=settings, spend=spend)
                )
            }
        )
        ttl = max(1, int((expires - now).total_seconds()))
        await self.quotes.save_quote(quote, ttl)
        return confirmation(quote, settings=settings, spend=spend)

    async def cancel(self, caller: Caller, quote_id: str) -> Reply:
        quote = await self.quotes.quote(caller.team_id, quote_id)
        if quote is None:
            raise await self._stale(caller.team_id, quote_id)
        if quote.user_id != caller.user_id:
            raise PermissionDenied(f"Only <@{quote.user_id}>, who asked for this quote, can cancel it.")
        taken = await self.quotes.take(caller.team_id, quote_id)
        if taken is None:
            raise await self._stale(caller.team_id, quote_id)
        note = ""
        if taken.hold is not None:
            try:
                await self._provider(taken.offer.provider).unhold(taken.hold)
            except BotError as exc:
                note = f" (the reservation could not be given back: {exc.user_message}; it expires by itself)"
        text = f"Cancelled: {taken.offer.e164} was not bought{note}."
        return Reply(text=text, replace_original=True)

    async def _stale(self, team_id: str, quote_id: str) -> BotError:
        """Why a quote is no longer there: already used (and how it went) or expired."""
        known = await self.journal.status(team_id, quote_id)
        if known is None:
            return StaleAction("This quote has expired; search and press Buy again for a fresh one.")
        status, outcome = known
        if status == "inflight":
            return StaleAction("This purchase is already under way; its outcome will appear here.")
        return StaleAction(f"This quote was already used: {outcome or status}.")

    # -- Confirm --------------------------------------------------------------------

    async def confirm(self, caller: Caller, role: Role, quote_id: str, *, progress: Progress) -> Reply:
        """The Confirm button: re-check, claim exactly once, buy, record."""
        team = caller.team_id
        raw = await self.quotes.raw_quote(team, quote_id)
        if raw is None:
            raise await self._stale(team, quote_id)
        quote = Quote.model_validate_json(raw)
        if quote.user_id != caller.user_id:
            raise PermissionDenied(f"Only <@{quote.user_id}>, who asked for this quote, can confirm it.")
        if quote.expires_at <= utcnow():
            raise StaleAction("This quote has expired; search and press Buy again for a fresh one.")
        settings, spend = await self.budget.snapshot(team)
        reasons = approval_reasons(
            role=role, offer=quote.offer, charges=quote.charges(), settings=settings, spend=spend
        )
        if reasons:
            # Spend or limits changed since the quote was made: it needs an approver now.
            if tuple(reasons) != quote.approval_reasons:
                quote = quote.model_copy(update={"approval_reasons": tuple(reasons)})
                ttl = max(1, int((quote.expires_at - utcnow()).total_seconds()))
                await self.quotes.save_quote(quote, ttl)
            return confirmation(quote, settings=settings, spend=spend).replacing()
        outcome = await self.buy(quote, raw=raw, caller=caller, progress=progress)
        return outcome.reply

    async def buy(
        self,
        quote: Quote,
        *,
        raw: str,
        caller: Caller,
        progress: Progress,
        approval: dict[str, str] | None = None,
    ) -> Outcome:
        """Claim the quote and buy; shared by direct confirmation and approval.

        `approval` (approved_by, and where the approval message is) is kept with the
        operation so whoever finishes it can say who approved and update that message.
        """
        op = Operation(
            id=quote.id,
            kind="purchase",
            team_id=quote.team_id,
            user_id=quote.user_id,
            e164=quote.offer.e164,
            provider=quote.offer.provider,
            quote=quote,
            channel_id=caller.channel_id or quote.channel_id,
            response_url=caller.response_url,
            started_at=utcnow(),
            state=dict(approval or {}),
        )
        claim = await self.journal.claim(
            op,
            source_key=keys.quote(quote.team_id, quote.id),
            expected=raw,
            guard_key=keys.pool(quote.team_id),
            guard="pooled",
        )
        if claim == "pooled":
            raise StaleAction(f"{quote.offer.e164} is already in the pool.")
        if claim == "changed":
            raise StaleAction("This quote changed while you clicked; look at it again and confirm.")
        if claim != "ok":
            raise await self._stale(quote.team_id, quote.id)
        await progress(purchase_pending(quote, "buying…"))
        return await self._run(op, {})

    async def _run(self, op: Operation, state: dict[str, Any]) -> Outcome:
        assert op.quote is not None
        provider = self._provider(op.provider)
        order = Order(op_id=op.id, offer=op.quote.offer, hold=op.quote.hold, accepted_charges=op.quote.accepted_charges)
        tracker = JournalProgress(self.journal, op, state)
        async with self.journal.lease(op):
            try:
                owned = await provider.buy(order, tracker)
            except ChargesRequired as exc:
                return await self._ask_for_charges(op, exc)
            except OutcomeUnknown:
                return await self._check(op, order, tracker)
            except BotError as exc:
                return await self._fail(op, exc.user_message)
            except Exception:
                # Not a mapped provider answer: it may have happened, so find out.
                log.exception("purchase raised unexpectedly", extra={"op": op.id, "provider": op.provider})
                return await self._check(op, order, tracker)
            return await self._complete(op, owned)

    async def _check(self, op: Operation, order: Order, tracker: JournalProgress) -> Outcome:
        """The answer was lost: ask whether the account owns the number now.

        "Not owned" is believed only once the grace period has passed since the request, so a
        buy still being processed at the provider is not declared failed too early.
        """
        assert op.quote is not None
        provider = self._provider(op.provider)
        try:
            owned = await provider.check_purchase(order, tracker)
            young = NOT_OWNED_GRACE - (utcnow() - op.started_at)
            if owned is None and young.total_seconds() > 0:
                await asyncio.sleep(young.total_seconds())
                owned = await provider.check_purchase(order, tracker)
        except BotError as exc:
            log.warning("purchase outcome still unknown", extra={"op": op.id, "reason": exc.user_message})
            reply = purchase_pending(
                op.quote,
                f"{provider.label} has not said whether the purchase went through; "
                "the bot keeps checking and will report the outcome here.",
            )
            return Outcome("pending", reply, op.quote, reason=exc.user_message)
        if owned is None:
            return await self._fail(op, f"{provider.label} says the account does not have the number")
        return await self._complete(op, owned)

    async def _complete(self, op: Operation, owned: OwnedNumber | None) -> Outcome:
        quote = op.quote
        assert quote is not None
        offer = quote.offer
        now = utcnow()
        entry = PoolEntry(
            e164=offer.e164,
            provider=offer.provider,
            country=offer.country,
            monthly=offer.monthly or (owned.monthly if owned else None),
            setup=offer.setup,
            bought_by=op.user_id,
            bought_at=now,
            op_id=op.id,
        )
        charges = quote.charges()
        outcome = f"bought {offer.e164}"
        result = await self.journal.finish(
            op,
            Finish(
                status="bought",
                outcome=outcome,
                allowed_from=("inflight", "failed"),  # a buy that really happened always wins
                sets=[
                    (keys.pool(op.team_id), offer.e164, entry.model_dump_json()),
                    (keys.spend(op.team_id, month_of(now)), op.id, spend_entry(charges)),
                ],
                audit=quote_fields(
                    quote,
                    actor=op.user_id,
                    action="buy",
                    outcome="bought",
                    detail=f"approved by {op.state['approved_by']}" if op.state.get("approved_by") else None,
                ),
            ),
        )
        log.info("purchase finished", extra={"op": op.id, "result": result, "number": offer.e164})
        return Outcome("bought", bought(quote, owned, op.user_id), quote)

    async def _not_bought(self, op: Operation, status: str, outcome: str, *, detail: str, cost: Any = None) -> None:
        """End an operation that bought nothing: recorded once, with its audit entry."""
        assert op.quote is not None
        audit = quote_fields(op.quote, actor=op.user_id, action="buy", outcome=outcome, detail=detail, cost=cost)
        await self.journal.finish(op, Finish(status=status, outcome=f"not bought: {detail}", audit=audit))

    async def _fail(self, op: Operation, reason: str) -> Outcome:
        assert op.quote is not None
        await self._not_bought(op, "failed", "failed", detail=reason)
        return Outcome("failed", purchase_failed(op.quote, reason), op.quote, reason=reason)

    async def _ask_for_charges(self, op: Operation, exc: ChargesRequired) -> Outcome:
        """The provider wants charges accepted: nothing bought; a second, priced confirmation."""
        quote = op.quote
        assert quote is not None
        await self._not_bought(
            op, "charges", "charges required", detail=exc.detail or exc.user_message, cost=exc.charges or []
        )
        if exc.charges is None:
            return Outcome("failed", purchase_failed(quote, exc.user_message), quote, reason=exc.user_message)
        settings, spend = await self.budget.snapshot(op.team_id)
        now = utcnow()
        again = quote.model_copy(
            update={
                "id": new_id(),
                "accepted_charges": exc.charges,
                "created_at": now,
                "expires_at": now + timedelta(seconds=self.quote_ttl),
            }
        )
        await self.quotes.save_quote(again, self.quote_ttl)
        where = provider_text(op.provider)
        note = f"{where} asks for {exc.charges.display()} to activate this number. {exc.detail}".strip()
        reply = confirmation(again, settings=settings, spend=spend, charges_note=note).replacing()
        return Outcome("charges", reply, quote, new_quote=again, reason=note)

    # -- Recovery -------------------------------------------------------------------

    async def resume(self, op: Operation, state: dict[str, Any]) -> Outcome | None:
        """Resolve a purchase whose process died: ask the provider, never buy again.

        Returns the message for the buyer, or None while the provider still cannot say.
        """
        assert op.quote is not None
        provider = self._provider(op.provider)
        order = Order(op_id=op.id, offer=op.quote.offer, hold=op.quote.hold, accepted_charges=op.quote.accepted_charges)
        tracker = JournalProgress(self.journal, op, state)
        async with self.journal.lease(op):
            try:
                owned = await provider.check_purchase(order, tracker)
            except BotError as exc:
                log.warning("lapsed purchase still unresolved", extra={"op": op.id, "reason": exc.user_message})
                return None
            if owned is None:
                if utcnow() - op.started_at < NOT_OWNED_GRACE:
                    return None
                return await self._fail(op, f"{provider.label} says the account does not have the number")
            return await self._complete(op, owned)
