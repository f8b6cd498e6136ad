"""Money as people read it: a cost in its own currency, and what it is in the team currency."""

from __future__ import annotations

from decimal import Decimal

from bot.models import Money, RateTable, Spend

__all__ = ["cents", "converted", "rate_note", "with_team_currency"]

_CENT = Decimal("0.01")


def cents(money: Money) -> str:
    return f"{money.amount.quantize(_CENT)} {money.currency}"


def converted(money: Money, team: str, rates: RateTable) -> Money | None:
    factor = rates.factor(money.currency, team)
    return None if factor is None else Money(amount=money.amount * factor, currency=team)


def with_team_currency(money: Money | None, team: str, rates: RateTable, *, dated: bool = True) -> str:
    """`1.17 EUR (≈ 1.31 USD, ECB rate of 2026-10-30)`; a cost in the team currency as it is."""
    if money is None:
        return "unknown"
    if money.currency == team:
        return money.display()
    other = converted(money, team, rates)
    if other is None:
        return f"{money.display()} (no exchange rate to {team})"
    when = f", ECB rate of {rates.day.isoformat()}" if dated else ""
    return f"{money.display()} (≈ {cents(other)}{when})"


def rate_note(spend: Spend) -> str:
    day = spend.rates.day.isoformat()
    return f"Amounts in other currencies are converted into {spend.currency} at the ECB rate of {day}."
