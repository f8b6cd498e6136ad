"""Monthly budget, per-purchase auto-approve limit, and month-to-date spend, in one team currency.

Each team has an accounting currency (set with `budget AMOUNT CUR`, else DEFAULT_CURRENCY).
Costs keep their own currency where they are recorded (a purchase's spend entry, or the hold
of a purchase in flight); they are converted into the team currency at ECB reference rates
(bot.rates) when compared with the budget and limits or shown. A currency with no rate is
never guessed: the purchase needs approval, and the reason says so.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from bot import keys
from bot.models import BudgetSettings, Entry, Money, MonthSpend, Offer, Role, Spend, utcnow
from bot.rates import Rates

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = [
    "BudgetStore",
    "approval_reasons",
    "month_of",
    "spend_entry",
]

log = logging.getLogger(__name__)

_CENT = Decimal("0.01")


def month_of(when: datetime | None = None) -> str:
    return (when or utcnow()).strftime("%Y-%m")


def spend_entry(charges: list[Money], provider: str) -> str:
    """An entry as stored (no charges: the cost is unknown)."""
    return json.dumps({"provider": provider, "charges": [[str(m.amount), m.currency] for m in charges]})


def _entry(raw: str) -> Entry:
    data = json.loads(raw)
    if isinstance(data, list):  # the format before providers were kept
        data = {"charges": data}
    charges = tuple(Money(amount=Decimal(a), currency=c) for a, c in data.get("charges", []))
    return Entry(provider=str(data.get("provider", "")), charges=charges)


def _read_settings(stored: dict[str, str], default_currency: str) -> BudgetSettings:
    currency = stored.get("currency") or default_currency

    def money(field: str) -> Money | None:
        return Money(amount=Decimal(stored[field]), currency=currency) if stored.get(field) else None

    return BudgetSettings(currency=currency, budget=money("budget"), auto_approve=money("auto"))


def _legacy(stored: dict[str, str], default_currency: str) -> dict[str, str] | None:
    """Settings kept per currency (`budget:USD`, `auto:EUR`) by earlier versions, as the team's
    one currency: the default's when it has one, else the first such currency."""
    per_currency = {f: v for f, v in stored.items() if ":" in f}
    if not per_currency or "currency" in stored:
        return None
    currencies = sorted({f.partition(":")[2] for f in per_currency})
    currency = default_currency if default_currency in currencies else currencies[0]
    migrated = {"currency": currency}
    for kind, field in (("budget", "budget"), ("auto", "auto")):
        if f"{kind}:{currency}" in per_currency:
            migrated[field] = per_currency[f"{kind}:{currency}"]
    return migrated


class BudgetStore:
    def __init__(self, redis: RedisClient, *, rates: Rates, default_currency: str) -> None:
        self.redis = redis
        self.rates = rates
        self.default_currency = default_currency

    async def settings(self, team_id: str) -> BudgetSettings:
        stored = await self.redis.hgetall(keys.budget(team_id))
        return await self._settings(team_id, stored)

    async def _settings(self, team_id: str, stored: dict[str, str]) -> BudgetSettings:
        migrated = _legacy(stored, self.default_currency)
        if migrated is not None:
            key = keys.budget(team_id)
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.hset(key, mapping=migrated)
                pipe.hdel(key, *[f for f in stored if ":" in f])
                await pipe.execute()
            log.info("budget moved to one team currency", extra={"team": team_id, "currency": migrated["currency"]})
            stored = migrated
        return _read_settings(stored, self.default_currency)

    async def read(self, team_id: str, when: datetime | None = None) -> Spend:
        """Settings, this month's spend and what purchases in flight hold, in one round trip."""
        month = month_of(when)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.budget(team_id))
            pipe.hgetall(keys.spend(team_id, month))
            pipe.hgetall(keys.holds(team_id))
            stored, spent, held = await pipe.execute()
        return Spend(
            settings=await self._settings(team_id, stored),
            month=MonthSpend(
                month=month,
                spent=tuple(_entry(raw) for raw in spent.values()),
                held=tuple(_entry(raw) for raw in held.values()),
            ),
            rates=self.rates.table,
        )

    async def update(
        self,
        team_id: str,
        *,
        currency: str,
        budget: Decimal | None = None,
        auto_approve: Decimal | None = None,
        clear_budget: bool = False,
        clear_auto_approve: bool = False,
    ) -> None:
        """Set what changed, in `currency` (which becomes the team currency)."""
        key = keys.budget(team_id)
        mapping = {"currency": currency}
        if budget is not None:
            mapping["budget"] = str(budget)
        if auto_approve is not None:
            mapping["auto"] = str(auto_approve)
        cleared = [f for f, clear in (("budget", clear_budget), ("auto", clear_auto_approve)) if clear]
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, mapping=mapping)
            if cleared:
                pipe.hdel(key, *cleared)
            await pipe.execute()


def _shown(money: Money) -> str:
    return f"{money.amount.quantize(_CENT)} {money.currency}"


def approval_reasons(*, role: Role, offer: Offer, charges: list[Money], spend: Spend) -> list[str]:
    """Why this purchase needs an approver; empty when the caller may just confirm.

    Where a limit is set but cannot be checked (unknown cost, or no exchange rate for a
    currency), approval is required: a limit someone set is never silently skipped.
    """
    reasons: list[str] = []
    settings = spend.settings
    if role is Role.requester:
        reasons.append("requesters need an approver for every purchase")
    limit, monthly = settings.auto_approve, offer.monthly
    if limit is not None:
        converted = spend.convert(monthly) if monthly is not None else None
        if monthly is None:
            reasons.append("the monthly cost is unknown, so the auto-approve limit cannot be checked")
        elif converted is None:
            why = f"there is no exchange rate for {monthly.currency}"
            reasons.append(f"{why}, so the auto-approve limit cannot be checked")
        elif converted.amount > limit.amount:
            approx = "" if monthly.currency == limit.currency else f" (≈ {_shown(converted)})"
            reasons.append(f"{monthly.display()}/month{approx} is above the auto-approve limit of {limit.display()}")
    budget = settings.budget
    if budget is not None:
        recorded = [m for e in (*spend.month.spent, *spend.month.held) for m in e.charges]
        after = spend.after(charges)
        if not charges:
            reasons.append("the cost is unknown, so the budget cannot be checked")
        elif after is None:
            missing = ", ".join(spend.no_rate([*charges, *recorded]))
            reasons.append(f"there is no exchange rate for {missing}, so the budget cannot be checked")
        elif after.amount > budget.amount:
            held = spend.held
            flight = f" (with {_shown(held)} held by purchases in flight)" if held and held.amount else ""
            reaches = f"this month's spend would reach {_shown(after)}{flight}"
            reasons.append(f"{reaches}, over the {budget.display()} budget")
    return reasons
