"""How a purchase ends, written once whichever road got there (a click, an approval, the reconciler).

Bought: the pool entry, the month's spend (the budget hold becomes spend) and the audit entry in
the journal's one finishing step, then the number's mark on its account and the cached account
state. Not bought: the hold given back, the audit entry, the mark freed (unless another purchase
holds it). Either way the Home tabs that show it are published again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot import keys
from bot.accounts import AccountCache
from bot.audit import quote_fields
from bot.budget import month_of, spend_entry
from bot.changes import Changes
from bot.journal import Finish, Journal
from bot.models import Operation, OwnedNumber, PoolEntry
from bot.number_marks import NumberMarks
from bot.outcomes import Bought, PurchaseFailed
from bot.providers.registry import ProviderSet

if TYPE_CHECKING:
    from bot.balance import BalanceService

__all__ = ["PurchaseEnds"]

log = logging.getLogger(__name__)


class PurchaseEnds:
    def __init__(
        self,
        *,
        providers: ProviderSet,
        journal: Journal,
        marks: NumberMarks,
        accounts: AccountCache,
        balances: BalanceService | None,
        changes: Changes,
        clock: Callable[[], datetime],
    ) -> None:
        self.providers = providers
        self.journal = journal
        self.marks = marks
        self.accounts = accounts
        self.balances = balances
        self.changes = changes
        self.clock = clock

    async def bought(self, op: Operation, owned: OwnedNumber | None) -> Bought:
        """Record the number as bought: pool, spend (the hold becomes it), audit, the mark, caches."""
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

    async def not_bought(
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

    async def failed(self, op: Operation, reason: str) -> PurchaseFailed:
        assert op.quote is not None
        await self.not_bought(op, "failed", "failed", detail=reason)
        return PurchaseFailed(quote=op.quote, reason=reason, simulated=self.providers.simulated_names)
