"""Monthly budget, per-purchase auto-approve limit, and month-to-date spend, per team.

Amounts are kept per currency and never summed across currencies. Spend is recorded per
purchase (keyed by its operation id, so recording twice counts once) in a hash per calendar
month (UTC) and added up with Decimal when read.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import Field

from bot import keys
from bot.models import Frozen, Money, Offer, Role, sum_by_currency, utcnow

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = [
    "BudgetSettings",
    "BudgetStore",
    "MonthSpend",
    "Spend",
    "approval_reasons",
    "month_of",
    "spend_entry",
]


def month_of(when: datetime | None = None) -> str:
    return (when or utcnow()).strftime("%Y-%m")


class BudgetSettings(Frozen):
    budgets: dict[str, Money] = Field(default_factory=dict)
    auto_approve: dict[str, Money] = Field(default_factory=dict)


class MonthSpend(Frozen):
    month: str
    totals: dict[str, Money] = Field(default_factory=dict)
    unknown: int = 0  # purchases whose cost the provider did not give
    held: dict[str, Money] = Field(default_factory=dict)  # reserved by purchases in flight
    in_flight: int = 0

    def after(self, charges: list[Money]) -> dict[str, Money]:
        """Spent + reserved by purchases in flight + these charges, per currency."""
        return sum_by_currency([*self.totals.values(), *self.held.values(), *charges])


class Spend(Frozen):
    """The team's budget settings and this month's spend, as read for one answer."""

    settings: BudgetSettings
    month: MonthSpend


def spend_entry(charges: list[Money]) -> str:
    """What one purchase adds to the month, as stored (an empty list: cost unknown)."""
    return json.dumps([[str(m.amount), m.currency] for m in charges])


def _entries(stored: dict[str, str]) -> tuple[dict[str, Money], int]:
    """Totals per currency of stored spend entries, and how many had no known cost."""
    amounts: list[Money] = []
    unknown = 0
    for raw in stored.values():
        items = json.loads(raw)
        if not items:
            unknown += 1
        amounts += [Money(amount=Decimal(a), currency=c) for a, c in items]
    return sum_by_currency(amounts), unknown


def _read_spend(month: str, stored: dict[str, str], holds: dict[str, str]) -> MonthSpend:
    totals, unknown = _entries(stored)
    held, _ = _entries(holds)
    return MonthSpend(month=month, totals=totals, unknown=unknown, held=held, in_flight=len(holds))


def _read_settings(stored: dict[str, str]) -> BudgetSettings:
    budgets: dict[str, Money] = {}
    auto: dict[str, Money] = {}
    for field, value in stored.items():
        kind, _, currency = field.partition(":")
        money = Money(amount=Decimal(value), currency=currency)
        (budgets if kind == "budget" else auto)[currency] = money
    return BudgetSettings(budgets=budgets, auto_approve=auto)


class BudgetStore:
    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    async def snapshot(self, team_id: str, when: datetime | None = None) -> tuple[BudgetSettings, MonthSpend]:
        """Settings, this month's spend and what purchases in flight hold, in one round trip."""
        month = month_of(when)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.budget(team_id))
            pipe.hgetall(keys.spend(team_id, month))
            pipe.hgetall(keys.holds(team_id))
            settings, spend, holds = await pipe.execute()
        return _read_settings(settings), _read_spend(month, spend, holds)

    async def read(self, team_id: str, when: datetime | None = None) -> Spend:
        settings, month = await self.snapshot(team_id, when)
        return Spend(settings=settings, month=month)

    async def update(
        self,
        team_id: str,
        *,
        budget: Money | None = None,
        auto_approve: Money | None = None,
        clear_budget: bool = False,
        clear_auto_approve: bool = False,
    ) -> None:
        key = keys.budget(team_id)
        current = await self.redis.hkeys(key)
        async with self.redis.pipeline(transaction=False) as pipe:
            if clear_budget:
                for field in [f for f in current if f.startswith("budget:")]:
                    pipe.hdel(key, field)
            if clear_auto_approve:
                for field in [f for f in current if f.startswith("auto:")]:
                    pipe.hdel(key, field)
            if budget is not None:
                pipe.hset(key, f"budget:{budget.currency}", str(budget.amount))
            if auto_approve is not None:
                pipe.hset(key, f"auto:{auto_approve.currency}", str(auto_approve.amount))
            await pipe.execute()


def approval_reasons(
    *,
    role: Role,
    offer: Offer,
    charges: list[Money],
    settings: BudgetSettings,
    spend: MonthSpend,
) -> list[str]:
    """Why this purchase needs an approver; empty when the caller may just confirm.

    Where a limit is set but cannot be checked (unknown cost, or no limit in the offer's
    currency), approval is required: a limit someone set is never silently skipped.
    """
    reasons: list[str] = []
    if role is Role.requester:
        reasons.append("requesters need an approver for every purchase")
    monthly = offer.monthly
    if settings.auto_approve:
        if monthly is None:
            reasons.append("the monthly cost is unknown, so the auto-approve limit cannot be checked")
        elif monthly.currency not in settings.auto_approve:
            reasons.append(f"no auto-approve limit is set in {monthly.currency}")
        elif monthly.amount > settings.auto_approve[monthly.currency].amount:
            limit = settings.auto_approve[monthly.currency]
            reasons.append(f"{monthly.display()}/month is above the auto-approve limit of {limit.display()}")
    if settings.budgets:
        if not charges:
            reasons.append("the cost is unknown, so the budget cannot be checked")
        for currency in sum_by_currency(charges):
            budget = settings.budgets.get(currency)
            if budget is None:
                reasons.append(f"no monthly budget is set in {currency}")
                continue
            after = spend.after(charges)[currency]
            if after.amount > budget.amount:
                held = spend.held.get(currency)
                flight = f" (with {held.display()} held by purchases in flight)" if held else ""
                reasons.append(
                    f"this month's spend would reach {after.display()}{flight}, over the {budget.display()} budget"
                )
    return reasons
