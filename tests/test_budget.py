"""When a purchase needs an approver, in one team currency with Decimal and fixed ECB rates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from redis.asyncio import Redis

from bot import keys
from bot.budget import BudgetStore, approval_reasons, spend_entry
from bot.models import BudgetSettings, Entry, Money, MonthSpend, NumberType, Offer, Role, Spend
from tests.rates import FIXED, fixed_rates


def m(amount: str, currency: str = "USD") -> Money:
    return Money(amount=Decimal(amount), currency=currency)


def offer(monthly: Money | None) -> Offer:
    return Offer(provider="x", e164="+14155550100", country="US", type=NumberType.local, monthly=monthly)


def spend(
    *, budget: str | None = None, auto: str | None = None, spent: tuple[Money, ...] = (), currency: str = "USD"
) -> Spend:
    settings = BudgetSettings(
        currency=currency,
        budget=m(budget, currency) if budget else None,
        auto_approve=m(auto, currency) if auto else None,
    )
    month = MonthSpend(month="2026-11", spent=(Entry(provider="vonage", charges=spent),) if spent else ())
    return Spend(settings=settings, month=month, rates=FIXED)


def reasons(monthly: Money | None, within: Spend | None = None, role: Role = Role.buyer) -> list[str]:
    charges = [monthly] if monthly else []
    return approval_reasons(role=role, offer=offer(monthly), charges=charges, spend=within or spend())


def test_no_limits_no_approval() -> None:
    assert reasons(m("99")) == []
    assert reasons(None) == []


def test_requester_always_needs_approval() -> None:
    assert reasons(m("0.01"), role=Role.requester) == ["requesters need an approver for every purchase"]


def test_auto_approve_limit_in_the_team_currency() -> None:
    limit = spend(auto="5")
    assert reasons(m("5"), limit) == []
    assert "above the auto-approve limit" in reasons(m("5.01"), limit)[0]
    assert "unknown" in reasons(None, limit)[0]
    # 4.50 EUR ≈ 4.95 USD fits a 5 USD limit; 4.60 EUR ≈ 5.06 USD does not
    assert reasons(m("4.50", "EUR"), limit) == []
    over = reasons(m("4.60", "EUR"), limit)[0]
    assert over == "4.60 EUR/month (≈ 5.06 USD) is above the auto-approve limit of 5.00 USD"


def test_budget_counts_this_month_spend_converted() -> None:
    nearly = spend(budget="10", spent=(m("9.50"),))
    assert reasons(m("0.50"), nearly) == []
    assert "over the 10.00 USD budget" in reasons(m("0.51"), nearly)[0]
    # spend recorded in GBP counts too: 8.50 GBP = 11.00 USD is over a 10 USD budget already
    in_pounds = spend(budget="10", spent=(m("8.50", "GBP"),))
    assert "would reach 11.50 USD, over the 10.00 USD budget" in reasons(m("0.50"), in_pounds)[0]


def test_a_currency_with_no_rate_needs_approval_and_says_why() -> None:
    assert reasons(m("1", "XAU"), spend(budget="10")) == [
        "there is no exchange rate for XAU, so the budget cannot be checked"
    ]
    assert reasons(m("1", "XAU"), spend(auto="10")) == [
        "there is no exchange rate for XAU, so the auto-approve limit cannot be checked"
    ]


def test_decimal_money_is_exact() -> None:
    assert spend(spent=(m("0.10"),)).after([m("0.20")]) == m("0.30")


async def test_spend_is_idempotent_per_purchase_and_kept_in_its_own_currency(redis: Redis) -> None:
    store = BudgetStore(redis, rates=fixed_rates(), default_currency="USD")
    key = keys.spend("T1", "2026-11")
    await redis.hset(key, "op1", spend_entry([m("1.10"), m("0.20")], "vonage"))
    await redis.hset(key, "op1", spend_entry([m("1.10"), m("0.20")], "vonage"))  # recorded twice, counted once
    await redis.hset(key, "op2", spend_entry([m("2", "EUR")], "azure"))
    await redis.hset(key, "op3", spend_entry([], "kazoo"))
    await redis.hset(key, "op4", json.dumps([["1.00", "USD"]]))  # an entry from before providers were kept

    read = await store.read("T1", datetime(2026, 11, 5, tzinfo=UTC))
    assert read.month.totals == {"USD": m("2.30"), "EUR": m("2", "EUR")}
    assert read.month.unknown == 1
    assert read.spent == m("4.50")  # 2.30 USD + 2 EUR (2.20 USD)
    assert read.by_provider() == {
        "azure": (m("2.20"), 0),
        "earlier purchases": (m("1.00"), 0),
        "kazoo": (m("0"), 1),
        "vonage": (m("1.30"), 0),
    }


async def test_budgets_kept_per_currency_by_earlier_versions_become_one_team_currency(redis: Redis) -> None:
    await redis.hset(keys.budget("T1"), mapping={"budget:EUR": "50", "auto:EUR": "5", "budget:GBP": "20"})
    store = BudgetStore(redis, rates=fixed_rates(), default_currency="USD")
    settings = await store.settings("T1")
    assert settings == BudgetSettings(currency="EUR", budget=m("50", "EUR"), auto_approve=m("5", "EUR"))
    assert await redis.hgetall(keys.budget("T1")) == {"currency": "EUR", "budget": "50", "auto": "5"}
