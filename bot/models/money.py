"""Amounts with their currency, and the rates that convert them: currencies are never summed together."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field, field_validator

from bot.models.base import Frozen

__all__ = ["Conversion", "Money", "RateTable", "format_costs", "show_money", "sum_by_currency"]


class Money(Frozen):
    amount: Decimal
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]

    @field_validator("amount")
    @classmethod
    def _finite(cls, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("amount must be finite")
        return value

    def display(self) -> str:
        cents = self.amount.quantize(Decimal("0.01"))
        shown = cents if cents == self.amount else self.amount.normalize()
        return f"{shown:f} {self.currency}"

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)

    @classmethod
    def parse(cls, amount: str | Decimal | int, currency: str) -> Money:
        return cls(amount=Decimal(str(amount)), currency=currency.upper())


def sum_by_currency(amounts: Iterable[Money]) -> dict[str, Money]:
    """Totals per currency: mixed currencies are kept apart, never summed."""
    totals: dict[str, Money] = {}
    for money in amounts:
        totals[money.currency] = totals[money.currency] + money if money.currency in totals else money
    return totals


def show_money(money: Money | None) -> str:
    return money.display() if money is not None else "unknown"


def format_costs(monthly: Money | None, setup: Money | None) -> str:
    return f"{show_money(monthly)}/month · setup {show_money(setup)}"


class RateTable(Frozen):
    """Units of each currency per euro on one day (EUR itself is 1)."""

    day: date
    per_euro: dict[str, Decimal]

    def factor(self, source: str, target: str) -> Decimal | None:
        """How many `target` one `source` buys, or None when either has no rate that day."""
        if source == target:
            return Decimal(1)
        a, b = self.per_euro.get(source), self.per_euro.get(target)
        if a is None or b is None or a == 0:
            return None
        return b / a


class Conversion(Frozen):
    """An amount in another currency, and the ECB day its rate is from."""

    money: Money
    day: date
