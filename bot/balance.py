"""The provider account's remaining credit on the Buy confirmation, and going over it on purpose.

A provider that reports its balance (capabilities.balance) is asked at most once a minute per
account: the answer is shared by every process through Redis (a provider-wide key with an
expiry). A quote records the balance it was judged against (`Quote.balance`); when what the
purchase costs now is more than the balance, Confirm is replaced by "Buy anyway", and only that
click, checked against the stored quote, records the buyer's consent in the quote. Confirm
refuses a quote over the balance without it. A balance that cannot be read is unknown: nothing
is flagged, and the confirmation shows no balance.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from bot import keys
from bot.audit import AuditLog, quote_fields
from bot.errors import BotError, PermissionDenied, StaleAction
from bot.models import BalanceCheck, Caller, Money, Quote, RateTable, utcnow
from bot.outcomes import Requoted

if TYPE_CHECKING:
    from bot.budget import BudgetStore
    from bot.providers.base import NumberProvider
    from bot.providers.registry import ProviderSet
    from bot.purchases import QuoteStore
    from bot.store import RedisClient

__all__ = ["CACHE_SECONDS", "BalanceService", "needed_now"]

log = logging.getLogger(__name__)

CACHE_SECONDS = 60
READ_TIMEOUT = 4.0  # a Buy click waits at most this long for the balance


def needed_now(quote: Quote, currency: str, rates: RateTable) -> Money | None:
    """What completing the purchase takes from the account now, in `currency`; None when a
    part of it is unknown or cannot be converted (then nothing is flagged)."""
    charges = quote.charges()
    if quote.offer.monthly is None and quote.accepted_charges is None:
        return None  # the first month is unknown: what the purchase takes cannot be told
    total = Decimal(0)
    for money in charges:
        factor = rates.factor(money.currency, currency)
        if factor is None:
            return None
        total += money.amount * factor
    return Money(amount=total, currency=currency)


class BalanceService:
    def __init__(
        self,
        *,
        providers: ProviderSet,
        redis: RedisClient,
        quotes: QuoteStore,
        budget: BudgetStore,
        audit: AuditLog,
        clock: Callable[[], datetime] = utcnow,
        timeout: float = READ_TIMEOUT,
    ) -> None:
        self.providers = providers
        self.redis = redis
        self.quotes = quotes
        self.budget = budget
        self.audit = audit
        self.clock = clock
        self.timeout = timeout

    def _key(self, provider: NumberProvider) -> str:
        return keys.provider_cache(provider.name, f"balance-{provider.account}")

    async def forget(self, provider: NumberProvider) -> None:
        """A purchase spent from the account: the next confirmation reads the balance afresh."""
        if provider.capabilities.balance:
            await self.redis.delete(self._key(provider))

    async def read(self, provider: NumberProvider) -> tuple[Money, datetime] | None:
        """The account's balance and when it was read (shared for a minute); None when unknown."""
        key = self._key(provider)
        cached = await self.redis.get(key)
        if cached:
            data = json.loads(cached)
            return Money.parse(data["amount"], data["currency"]), datetime.fromisoformat(data["at"])
        try:
            async with asyncio.timeout(self.timeout):
                money = await provider.balance()
        except (BotError, TimeoutError) as exc:
            log.warning("balance unknown", extra={"provider": provider.name, "error": type(exc).__name__})
            return None
        except Exception:  # a balance that cannot be read never stops a purchase
            log.exception("balance read failed", extra={"provider": provider.name})
            return None
        at = self.clock()
        value = {"amount": str(money.amount), "currency": money.currency, "at": at.isoformat()}
        await self.redis.set(key, json.dumps(value), ex=CACHE_SECONDS)
        return money, at

    async def judge(self, quote: Quote, rates: RateTable) -> Quote:
        """The quote with the provider's balance and whether the purchase goes over it.

        A buyer's earlier consent stays while the purchase costs no more than when it was given.
        """
        provider = self.providers.get(quote.offer.provider)
        if provider is None or not provider.capabilities.balance:
            return quote
        found = await self.read(provider)
        if found is None:
            return quote  # unknown: keep what the quote was judged against, if anything
        balance, at = found
        needed = needed_now(quote, balance.currency, rates)
        before = quote.balance
        kept = (
            before.confirmed_by
            if before is not None
            and before.needed is not None
            and needed is not None
            and needed.amount <= before.needed.amount
            else None
        )
        over = needed is not None and needed.amount > balance.amount
        check = BalanceCheck(balance=balance, at=at, needed=needed, over=over, confirmed_by=kept if over else None)
        return quote if check == before else quote.model_copy(update={"balance": check})

    async def accept(self, caller: Caller, quote_id: str) -> Requoted:
        """ "Buy anyway": the buyer consents to going over the balance; recorded in the stored quote."""
        raw = await self.quotes.raw(caller.team_id, quote_id)
        if raw is None:
            raise StaleAction("This quote has expired or was already used; search and press Buy again.")
        quote = Quote.model_validate_json(raw)
        if quote.user_id != caller.user_id:
            raise PermissionDenied(f"Only <@{quote.user_id}>, who asked for this quote, can buy it.")
        if quote.expires_at <= self.clock():
            raise StaleAction("This quote has expired; search and press Buy again for a fresh one.")
        if quote.balance is not None and quote.over_balance_unconfirmed:
            check = quote.balance.model_copy(update={"confirmed_by": caller.user_id})
            quote = quote.model_copy(update={"balance": check})
            if not await self.quotes.replace(raw, quote):
                raise StaleAction("This quote changed or was used meanwhile; look at it again.")
            detail = f"{quote.offer.provider} balance {check.balance.display()}, chose to buy anyway"
            fields = quote_fields(quote, actor=caller.user_id, action="over balance", outcome="ok", detail=detail)
            await self.audit.record(caller.team_id, fields)
        spend = await self.budget.read(caller.team_id)
        return Requoted(quote=quote, spend=spend, simulated=self.providers.simulated_names)
