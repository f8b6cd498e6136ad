"""Buy → quote → confirm → exactly one purchase.

The quote (number, provider, price, requester, expiry) is stored server-side (`QuoteStore`);
buttons carry only its id. Confirming re-checks the clicker, then claims the quote and
records the purchase as in flight in one atomic step (bot.journal) before the provider is
asked. An ambiguous answer is resolved by asking the provider whether the account owns the
number, never by buying again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import keys
from bot.accounts import AccountCache
from bot.audit import quote_fields
from bot.budget import BudgetStore, approval_reasons, month_of, spend_entry
from bot.changes import Changes
from bot.errors import BotError, ChargesRequired, OutcomeUnknown, PermissionDenied, StaleAction
from bot.journal import BudgetHold, Finish, Journal, JournalProgress, NumberMarks
from bot.keys import UnsafeKey
from bot.metrics import PURCHASES
from bot.models import ApprovalRef, Caller, Offer, Operation, OwnedNumber, PoolEntry, Quote, new_id, utcnow
from bot.outcomes import (
    Bought,
    NumberTaken,
    Outcome,
    PurchaseFailed,
    PurchasePending,
    PurchaseResult,
    QuoteCancelled,
    Quoted,
    Requoted,
    Spend,
)
from bot.providers.base import Order
from bot.providers.registry import ProviderSet
from bot.search import SearchStore

if TYPE_CHECKING:
    from bot.balance import BalanceService
    from bot.store import RedisClient

__all__ = ["NOT_OWNED_GRACE", "Progress", "PurchaseService", "QuoteStore"]

log = logging.getLogger(__name__)

Progress = Callable[[Outcome], Awaitable[None]]  # shows how a long click is going

# A lapsed purchase younger than this is not declared "not bought" yet: the provider may
# still be completing a request the dead process sent just before it died.
NOT_OWNED_GRACE = timedelta(seconds=10)

# Change a quote only while it is what was read (a claimed quote stays claimed), keeping its expiry.
_REPLACE_QUOTE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
"""

# Take a quote away from whoever asked for it (cancel), unless a purchase claimed it.
_TAKE_QUOTE = """
local q = redis.call('GET', KEYS[1])
if not q then return false end
redis.call('DEL', KEYS[1])
return q
"""


class QuoteStore:
    """Quotes, each with its expiry; a claim compares the stored JSON, so a changed quote is never bought."""

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis
        self._take = redis.register_script(_TAKE_QUOTE)
        self._replace = redis.register_script(_REPLACE_QUOTE)

    async def save(self, quote: Quote, ttl_seconds: int) -> None:
        await self.redis.set(keys.quote(quote.team_id, quote.id), quote.model_dump_json(), ex=ttl_seconds)

    async def raw(self, team_id: str, quote_id: str) -> str | None:
        return await self.redis.get(keys.quote(team_id, quote_id))  # type: ignore[no-any-return]

    async def get(self, team_id: str, quote_id: str) -> Quote | None:
        raw = await self.raw(team_id, quote_id)
        return Quote.model_validate_json(raw) if raw else None

    async def replace(self, expected: str, quote: Quote) -> bool:
        """Store `quote` in place of the JSON `expected`; False when that changed or is gone."""
        key = keys.quote(quote.team_id, quote.id)
        return bool(await self._replace(keys=[key], args=[expected, quote.model_dump_json()]))

    async def take(self, team_id: str, quote_id: str) -> Quote | None:
        """Remove a quote atomically (cancel, deny); None when it expired or was claimed."""
        raw = await self._take(keys=[keys.quote(team_id, quote_id)])
        return Quote.model_validate_json(raw) if raw else None


async def _quiet(_: Outcome) -> None:
    return None


class PurchaseService:
    def __init__(
        self,
        *,
        providers: ProviderSet,
        searches: SearchStore,
        quotes: QuoteStore,
        journal: Journal,
        budget: BudgetStore,
        marks: NumberMarks,
        accounts: AccountCache,
        quote_ttl: int,
        balances: BalanceService | None = None,
        grace: timedelta = NOT_OWNED_GRACE,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        changes: Changes | None = None,
    ) -> None:
        """`changes`: told when a purchase ends, so the Home tabs that show it are published again."""
        self.providers = providers
        self.searches = searches
        self.quotes = quotes
        self.journal = journal
        self.budget = budget
        self.marks = marks
        self.accounts = accounts
        self.quote_ttl = quote_ttl
        self.balances = balances  # the provider's balance on the confirmation, and going over it
        self.grace = grace
        self.clock = clock
        self.sleep = sleep
        self.changes = changes or Changes()

    def _reasons(self, caller: Caller, quote: Quote, spend: Spend) -> tuple[str, ...]:
        if caller.role is None:  # the gate lets no one without a role this far; never assume one
            raise PermissionDenied("Buying a number needs a numberbot role; ask an admin.")
        return tuple(approval_reasons(role=caller.role, offer=quote.offer, charges=quote.charges(), spend=spend))

    # -- Buy ------------------------------------------------------------------------

    async def quote(self, caller: Caller, offer_ref: str) -> Quoted:
        """The Buy button: price the chosen offer for this user and ask them to confirm."""
        search_id, _, index = offer_ref.partition(":")
        try:
            offer = await self.searches.offer(caller.team_id, search_id, index)
        except UnsafeKey:  # a forged value: it names no search of ours
            offer = None
        if offer is None:
            raise StaleAction("These search results have expired; run the search again.")
        return await self.quote_offer(caller, offer)

    async def quote_offer(self, caller: Caller, offer: Offer) -> Quoted:
        """A fresh quote for an offer the server already holds (search result or earlier quote)."""
        provider = self.providers.require(offer.provider)
        hold = await provider.hold(offer)
        spend = await self.budget.read(caller.team_id)
        now = self.clock()
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
        quote = draft.model_copy(update={"approval_reasons": self._reasons(caller, draft, spend)})
        quote = await self.balances.judge(quote, spend.rates) if self.balances else quote
        await self.quotes.save(quote, max(1, int((expires - now).total_seconds())))
        return Quoted(quote=quote, spend=spend, simulated=self.providers.simulated_names)

    async def cancel(self, caller: Caller, quote_id: str) -> QuoteCancelled:
        quote = await self.quotes.get(caller.team_id, quote_id)
        if quote is None:
            raise await self._stale(caller.team_id, quote_id)
        if quote.user_id != caller.user_id:
            raise PermissionDenied(f"Only <@{quote.user_id}>, who asked for this quote, can cancel it.")
        taken = await self.quotes.take(caller.team_id, quote_id)
        if taken is None:
            raise await self._stale(caller.team_id, quote_id)
        return QuoteCancelled(e164=taken.offer.e164, unhold_error=await self.unhold(taken))

    async def unhold(self, quote: Quote) -> str | None:
        """Give a quote's reservation back; the reason when that failed (it then lapses by itself)."""
        if quote.hold is None:
            return None
        try:
            await self.providers.require(quote.offer.provider).unhold(quote.hold)
        except BotError as exc:
            log.warning("could not give a reservation back", extra={"quote": quote.id})
            return exc.user_message
        return None

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

    async def confirm(self, caller: Caller, quote_id: str, *, progress: Progress) -> PurchaseResult:
        """The Confirm button: re-check, claim exactly once, buy, record."""
        team = caller.team_id
        raw = await self.quotes.raw(team, quote_id)
        if raw is None:
            raise await self._stale(team, quote_id)
        quote = Quote.model_validate_json(raw)
        if quote.user_id != caller.user_id:
            raise PermissionDenied(f"Only <@{quote.user_id}>, who asked for this quote, can confirm it.")
        if quote.expires_at <= self.clock():
            raise StaleAction("This quote has expired; search and press Buy again for a fresh one.")
        spend = await self.budget.read(team)
        reasons = self._reasons(caller, quote, spend)
        if reasons:
            # Spend or limits changed since the quote was made: it needs an approver now.
            if reasons != quote.approval_reasons:
                quote = quote.model_copy(update={"approval_reasons": reasons})
                await self.quotes.save(quote, max(1, int((quote.expires_at - self.clock()).total_seconds())))
            return Requoted(quote=quote, spend=spend, simulated=self.providers.simulated_names)
        judged = await self.balances.judge(quote, spend.rates) if self.balances else quote
        if judged != quote:  # the balance moved since the quote was shown
            if not await self.quotes.replace(raw, judged):
                raise await self._stale(team, quote_id)
            quote, raw = judged, judged.model_dump_json()
        if quote.over_balance_unconfirmed:  # only the "Buy anyway" click records consent
            return Requoted(quote=quote, spend=spend, simulated=self.providers.simulated_names)
        return await self.buy(quote, raw=raw, caller=caller, progress=progress)

    async def buy(
        self,
        quote: Quote,
        *,
        raw: str,
        caller: Caller,
        progress: Progress = _quiet,
        approval: ApprovalRef | None = None,
    ) -> PurchaseResult:
        """Claim the quote and buy; shared by direct confirmation and approval.

        The claim reserves the quote's cost against the month's budget in the same atomic
        step (unless an approver accepted it), then the number is marked on its provider
        account before anything is sent. `approval` is kept with the operation so whoever
        finishes it can say who approved and update the approval message.
        """
        provider = self.providers.require(quote.offer.provider)
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
            started_at=self.clock(),
            approval=approval,
            mark_first=True,
        )
        currency = (await self.budget.settings(quote.team_id)).currency
        hold = BudgetHold(
            entry=spend_entry(quote.charges(), op.provider),
            month=month_of(op.started_at),
            currency=currency,
            factors=self.budget.rates.factors(currency),
            enforce=approval is None,
        )
        claim = await self.journal.claim(
            op,
            source_key=keys.quote(quote.team_id, quote.id),
            expected=raw,
            guard_key=keys.pool(quote.team_id),
            guard="pooled",
            hold=hold,
        )
        if claim == "pooled":
            raise StaleAction(f"{quote.offer.e164} is already in the pool.")
        if claim == "changed":
            raise StaleAction("This quote changed while you clicked; look at it again and confirm.")
        if claim == "over_budget":
            return await self._over_budget(quote, caller)
        if claim != "ok":
            raise await self._stale(quote.team_id, quote.id)
        holder = await self.marks.acquire(provider.account, op)
        if holder is not None:
            detail = f"already {'bought' if holder.status == 'bought' else 'being bought'} by {holder.user}"
            await self._not_bought(op, "taken", "taken", detail=detail)
            return NumberTaken(quote=quote, holder=holder.user, bought=holder.status == "bought")
        tracker = JournalProgress(self.journal, op, {})
        await tracker.save(marked=True)  # from here on a buy request may be on its way
        await progress(PurchasePending(quote=quote, message="buying…", simulated=self.providers.simulated_names))
        result = await self._run(op, tracker)
        PURCHASES.labels(result.status).inc()
        return result

    async def _over_budget(self, quote: Quote, caller: Caller) -> Requoted:
        """Purchases in flight took the room in the budget since the quote was checked: ask an approver."""
        spend = await self.budget.read(quote.team_id)
        reasons = self._reasons(caller, quote, spend) or (
            "purchases in flight would take this month's spend over the budget",
        )
        quote = quote.model_copy(update={"approval_reasons": reasons})
        await self.quotes.save(quote, max(1, int((quote.expires_at - self.clock()).total_seconds())))
        return Requoted(quote=quote, spend=spend, simulated=self.providers.simulated_names)

    def _order(self, op: Operation) -> Order:
        assert op.quote is not None
        quote = op.quote
        return Order(op_id=op.id, offer=quote.offer, hold=quote.hold, accepted_charges=quote.accepted_charges)

    async def _run(self, op: Operation, tracker: JournalProgress) -> PurchaseResult:
        provider = self.providers.require(op.provider)
        order = self._order(op)
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

    def _young(self, op: Operation) -> float:
        """Seconds left of the grace period, during which "not owned" is not believed yet."""
        return (self.grace - (self.clock() - op.started_at)).total_seconds()

    async def _check(self, op: Operation, order: Order, tracker: JournalProgress) -> PurchaseResult:
        """The answer was lost: ask whether the account owns the number now.

        "Not owned" is believed only once the grace period has passed since the request, so a
        buy still being processed at the provider is not declared failed too early.
        """
        assert op.quote is not None
        provider = self.providers.require(op.provider)
        try:
            owned = await provider.check_purchase(order, tracker)
            if owned is None and self._young(op) > 0:
                await self.sleep(self._young(op))
                owned = await provider.check_purchase(order, tracker)
        except BotError as exc:
            log.warning("purchase outcome still unknown", extra={"op": op.id, "reason": exc.user_message})
            message = (
                f"{provider.label} has not said whether the purchase went through; "
                "the bot keeps checking and will report the outcome here."
            )
            return PurchasePending(quote=op.quote, message=message, simulated=self.providers.simulated_names)
        if owned is None:
            return await self._fail(op, f"{provider.label} says the account does not have the number")
        return await self._complete(op, owned)

    async def _complete(self, op: Operation, owned: OwnedNumber | None) -> Bought:
        quote = op.quote
        assert quote is not None
        offer = quote.offer
        now = self.clock()
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
        result = await self.journal.finish(
            op,
            Finish(
                status="bought",
                outcome=f"bought {offer.e164}",
                allowed_from=("inflight", "failed"),  # a buy that really happened always wins
                sets=[
                    (keys.pool(op.team_id), offer.e164, entry.model_dump_json()),
                    (keys.spend(op.team_id, month_of(now)), op.id, spend_entry(quote.charges(), op.provider)),
                ],
                deletes=[(keys.holds(op.team_id), op.id)],  # the reservation becomes spend
                audit=quote_fields(
                    quote,
                    actor=op.user_id,
                    action="buy",
                    outcome="bought",
                    detail=f"approved by {op.approval.approved_by}" if op.approval else None,
                ),
            ),
        )
        log.info("purchase finished", extra={"op": op.id, "result": result, "number": offer.e164})
        provider = self.providers.require(op.provider)
        await self.marks.bought(provider.account, op)
        await self.accounts.forget(provider.account)
        if self.balances is not None:
            await self.balances.forget(provider)
        self.changes.changed(op.team_id, op.user_id, op.approval.approved_by if op.approval else "")
        return Bought(quote=quote, owned=owned, buyer=op.user_id, simulated=self.providers.simulated_names)

    async def _not_bought(
        self, op: Operation, status: str, outcome: str, *, detail: str, cost: list | None = None
    ) -> None:
        """End an operation that bought nothing: recorded once, with its audit entry."""
        assert op.quote is not None
        audit = quote_fields(op.quote, actor=op.user_id, action="buy", outcome=outcome, detail=detail, cost=cost)
        await self.journal.finish(
            op,
            Finish(
                status=status,
                outcome=f"not bought: {detail}",
                deletes=[(keys.holds(op.team_id), op.id)],  # the reservation is given back
                audit=audit,
            ),
        )
        if status != "taken":  # a taken number's mark is the holder's, not ours
            await self.marks.free(self.providers.require(op.provider).account, op)
        self.changes.changed(op.team_id, op.user_id)

    async def _fail(self, op: Operation, reason: str) -> PurchaseFailed:
        assert op.quote is not None
        await self._not_bought(op, "failed", "failed", detail=reason)
        return PurchaseFailed(quote=op.quote, reason=reason, simulated=self.providers.simulated_names)

    async def _ask_for_charges(self, op: Operation, exc: ChargesRequired) -> PurchaseResult:
        """The provider wants charges accepted: nothing bought; a second, priced confirmation."""
        quote = op.quote
        assert quote is not None
        charges = [exc.charges] if exc.charges is not None else []
        await self._not_bought(op, "charges", "charges required", detail=exc.detail or exc.user_message, cost=charges)
        if exc.charges is None:
            return PurchaseFailed(quote=quote, reason=exc.user_message, simulated=self.providers.simulated_names)
        spend = await self.budget.read(op.team_id)
        now = self.clock()
        again = quote.model_copy(
            update={
                "id": new_id(),
                "accepted_charges": exc.charges,
                "created_at": now,
                "expires_at": now + timedelta(seconds=self.quote_ttl),
            }
        )
        again = await self.balances.judge(again, spend.rates) if self.balances else again
        await self.quotes.save(again, self.quote_ttl)
        return Requoted(quote=again, spend=spend, charges_detail=exc.detail, simulated=self.providers.simulated_names)

    # -- Recovery -------------------------------------------------------------------

    async def resume(self, op: Operation, state: dict[str, object]) -> PurchaseResult | None:
        """Resolve a purchase whose process died: ask the provider, never buy again.

        Returns what the buyer is told, or None while the provider still cannot say.
        """
        provider = self.providers.require(op.provider)
        if op.mark_first and not state.get("marked"):
            # The process stopped before marking the number, so no buy request was sent.
            return await self._fail(op, f"the bot stopped before asking {provider.label}; nothing was bought")
        order = self._order(op)
        tracker = JournalProgress(self.journal, op, state)
        async with self.journal.lease(op):
            try:
                owned = await provider.check_purchase(order, tracker)
            except BotError as exc:
                log.warning("lapsed purchase still unresolved", extra={"op": op.id, "reason": exc.user_message})
                return None
            if owned is None:
                if self._young(op) > 0:
                    return None
                return await self._fail(op, f"{provider.label} says the account does not have the number")
            return await self._complete(op, owned)
