"""Judging a quote against the provider's balance: what the purchase takes now, in the balance's
currency, and how long a buyer's "buy anyway" holds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import ClassVar

from redis.asyncio import Redis

from bot.audit import AuditLog
from bot.balance import BalanceService
from bot.budget import BudgetStore
from bot.models import Money, Offer, Quote, utcnow
from bot.providers.base import BaseProvider, Capabilities
from bot.providers.registry import ProviderSet
from bot.purchases import QuoteStore
from bot.rates import Rates


class Prepaid(BaseProvider):
    name: ClassVar[str] = "prepaid"
    label: ClassVar[str] = "Prepaid"
    capabilities: ClassVar[Capabilities] = Capabilities(balance=True)

    def __init__(self, credit: str) -> None:
        self.credit = Money.parse(credit, "EUR")
        self.asked = 0

    async def balance(self) -> Money:
        self.asked += 1
        return self.credit


def quote(monthly: str | None, setup: str | None = None, charges: str | None = None) -> Quote:
    offer = Offer(
        provider="prepaid",
        e164="+442079460123",
        country="GB",
        monthly=Money.parse(monthly, "GBP") if monthly else None,
        setup=Money.parse(setup, "GBP") if setup else None,
    )
    now = utcnow()
    accepted = Money.parse(charges, "GBP") if charges else None
    return Quote(
        id="q1", team_id="T1", user_id="U1", offer=offer, accepted_charges=accepted,
        created_at=now, expires_at=now + timedelta(minutes=5),
    )  # fmt: skip


def service(redis: Redis, provider: Prepaid) -> BalanceService:
    rates = Rates()
    budget = BudgetStore(redis, rates=rates, default_currency="USD")
    providers = ProviderSet({"prepaid": provider})
    return BalanceService(
        providers=providers, redis=redis, quotes=QuoteStore(redis), budget=budget, audit=AuditLog(redis)
    )


async def test_the_first_month_and_setup_are_converted_into_the_balance_currency(redis: Redis) -> None:
    balances, rates = service(redis, Prepaid("10.00")), Rates().table
    judged = await balances.judge(quote("4.00", setup="5.00"), rates)
    assert judged.balance is not None
    factor = rates.factor("GBP", "EUR")
    assert factor is not None
    assert judged.balance.needed == Money(amount=Decimal("9.00") * factor, currency="EUR")
    assert judged.balance.over is (Decimal("9.00") * factor > 10)
    unknown = await balances.judge(quote(None), rates)
    assert unknown.balance is not None
    assert (unknown.balance.needed, unknown.balance.over) == (None, False), "an unknown cost flags nothing"


async def test_consent_to_go_over_holds_only_while_the_purchase_costs_no_more(redis: Redis) -> None:
    balances, rates = service(redis, Prepaid("1.00")), Rates().table
    first = await balances.judge(quote("2.00"), rates)
    assert first.over_balance_unconfirmed
    assert first.balance is not None
    consented = first.model_copy(update={"balance": first.balance.model_copy(update={"confirmed_by": "U1"})})
    assert not (await balances.judge(consented, rates)).over_balance_unconfirmed
    dearer = consented.model_copy(update={"accepted_charges": Money.parse("3.00", "GBP")})
    assert (await balances.judge(dearer, rates)).over_balance_unconfirmed, "more money asks again"
    assert balances.providers["prepaid"].asked == 1, "read once, then shared for a minute"  # type: ignore[attr-defined]
