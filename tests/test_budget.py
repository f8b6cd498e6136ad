"""When a purchase needs an approver; spend per currency with Decimal."""

from __future__ import annotations

from decimal import Decimal

from redis.asyncio import Redis

from bot import keys
from bot.budget import BudgetSettings, BudgetStore, MonthSpend, approval_reasons, spend_entry
from bot.models import Money, NumberType, Offer, Role


def m(amount: str, currency: str = "USD") -> Money:
    return Money(amount=Decimal(amount), currency=currency)


def offer(monthly: Money | None) -> Offer:
    return Offer(provider="x", e164="+14155550100", country="US", type=NumberType.local, monthly=monthly)


def reasons(
    role: Role = Role.buyer,
    monthly: Money | None = None,
    settings: BudgetSettings | None = None,
    spend: MonthSpend | None = None,
) -> list[str]:
    o = offer(monthly)
    charges = [monthly] if monthly else []
    return approval_reasons(
        role=role,
        offer=o,
        charges=charges,
        settings=settings or BudgetSettings(),
        spend=spend or MonthSpend(month="2026-11"),
    )


def test_no_limits_no_approval() -> None:
    assert reasons(monthly=m("99")) == []
    assert reasons(monthly=None) == []


def test_requester_always_needs_approval() -> None:
    assert reasons(Role.requester, m("0.01")) == ["requesters need an approver for every purchase"]


def test_auto_approve_limit() -> None:
    settings = BudgetSettings(auto_approve={"USD": m("5")})
    assert reasons(monthly=m("5"), settings=settings) == []
    assert "above the auto-approve limit" in reasons(monthly=m("5.01"), settings=settings)[0]
    assert "unknown" in reasons(monthly=None, settings=settings)[0]
    assert "no auto-approve limit is set in EUR" in reasons(monthly=m("1", "EUR"), settings=settings)[0]


def test_budget_counts_this_month_spend() -> None:
    settings = BudgetSettings(budgets={"USD": m("10")})
    spent = MonthSpend(month="2026-11", totals={"USD": m("9.50")})
    assert reasons(monthly=m("0.50"), settings=settings, spend=spent) == []
    assert "over the 10.00 USD budget" in reasons(monthly=m("0.51"), settings=settings, spend=spent)[0]
    assert "no monthly budget is set in GBP" in reasons(monthly=m("1", "GBP"), settings=settings, spend=spent)[0]


def test_decimal_money_is_exact() -> None:
    spent = MonthSpend(month="2026-11", totals={"USD": m("0.10")})
    assert spent.after([m("0.20")])["USD"].amount == Decimal("0.30")


async def test_spend_is_idempotent_per_purchase_and_per_currency(redis: Redis) -> None:
    store = BudgetStore(redis)
    key = keys.spend("T1", "2026-11")
    await redis.hset(key, "op1", spend_entry([m("1.10"), m("0.20")]))
    await redis.hset(key, "op1", spend_entry([m("1.10"), m("0.20")]))  # recorded twice, counted once
    await redis.hset(key, "op2", spend_entry([m("2", "EUR")]))
    await redis.hset(key, "op3", spend_entry([]))
    from datetime import UTC, datetime

    _, spend = await store.snapshot("T1", datetime(2026, 11, 5, tzinfo=UTC))
    assert spend.totals == {"USD": m("1.30"), "EUR": m("2", "EUR")}
    assert spend.unknown == 1
