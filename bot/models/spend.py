"""A team's budget and spend: kept in their own currencies, converted only to compare or show."""

from __future__ import annotations

from decimal import Decimal

from bot.models.base import Frozen
from bot.models.money import Money, RateTable, sum_by_currency

__all__ = ["BudgetSettings", "Entry", "MonthSpend", "Spend", "SpendHistory"]


class BudgetSettings(Frozen):
    currency: str  # the team's accounting currency
    budget: Money | None = None  # per calendar month, in `currency`
    auto_approve: Money | None = None  # per purchase (monthly cost), in `currency`


class Entry(Frozen):
    """One purchase's spend (or what a purchase in flight holds), in its own currencies."""

    provider: str = ""  # "" for entries recorded before providers were kept
    charges: tuple[Money, ...] = ()


class MonthSpend(Frozen):
    month: str
    spent: tuple[Entry, ...] = ()
    held: tuple[Entry, ...] = ()  # reserved by purchases in flight

    @property
    def totals(self) -> dict[str, Money]:
        """What was spent, per original currency."""
        return sum_by_currency([m for e in self.spent for m in e.charges])

    @property
    def unknown(self) -> int:
        return sum(1 for e in self.spent if not e.charges)

    @property
    def in_flight(self) -> int:
        return len(self.held)


class Spend(Frozen):
    """The team's settings, this month's spend and holds, and the rates to convert them with."""

    settings: BudgetSettings
    month: MonthSpend
    rates: RateTable

    @property
    def currency(self) -> str:
        return self.settings.currency

    def convert(self, money: Money) -> Money | None:
        """`money` in the team currency, or None when the ECB has no rate for its currency."""
        factor = self.rates.factor(money.currency, self.currency)
        if factor is None:
            return None
        return money if factor == 1 else Money(amount=money.amount * factor, currency=self.currency)

    def total(self, amounts: list[Money]) -> Money | None:
        """The sum in the team currency; None when any amount cannot be converted."""
        converted = [self.convert(m) for m in amounts]
        if any(c is None for c in converted):
            return None
        return Money(amount=sum((c.amount for c in converted if c), Decimal(0)), currency=self.currency)

    def no_rate(self, amounts: list[Money]) -> list[str]:
        return sorted({m.currency for m in amounts if self.rates.factor(m.currency, self.currency) is None})

    @property
    def spent(self) -> Money | None:
        return self.total([m for e in self.month.spent for m in e.charges])

    @property
    def held(self) -> Money | None:
        return self.total([m for e in self.month.held for m in e.charges])

    def by_provider(self) -> dict[str, tuple[Money | None, int]]:
        """Per provider: the known spend in the team currency (None: no rate), and how many
        purchases had no known cost."""
        charges: dict[str, list[Money]] = {}
        unknown: dict[str, int] = {}
        for entry in self.month.spent:
            name = entry.provider or "earlier purchases"
            charges.setdefault(name, []).extend(entry.charges)
            unknown[name] = unknown.get(name, 0) + (0 if entry.charges else 1)
        return {name: (self.total(charges[name]), unknown[name]) for name in sorted(charges)}

    def after(self, charges: list[Money]) -> Money | None:
        """Spent + held by purchases in flight + these charges, in the team currency."""
        amounts = [m for e in (*self.month.spent, *self.month.held) for m in e.charges]
        return self.total([*amounts, *charges])


class SpendHistory(Frozen):
    """Spend per provider over consecutive months in the team currency: the chart's figures.

    Amounts that could not be converted (no ECB rate) or whose cost is unknown are left out,
    and counted, so the chart never shows a guess."""

    currency: str
    months: tuple[str, ...]  # YYYY-MM, oldest first
    series: dict[str, tuple[Decimal, ...]]  # provider → spend in each month
    no_rate: tuple[str, ...] = ()  # currencies left out
    unknown: int = 0  # purchases of unknown cost left out

    @property
    def totals(self) -> tuple[Decimal, ...]:
        return tuple(sum((s[i] for s in self.series.values()), Decimal(0)) for i in range(len(self.months)))

    def describe(self) -> str:
        """The figures in words (the chart's alt text: what a screen reader says)."""
        months = "; ".join(
            f"{month}: {total:.2f}" + "".join(f", {p} {v[i]:.2f}" for p, v in self.series.items() if v[i])
            for i, (month, total) in enumerate(zip(self.months, self.totals, strict=True))
        )
        return f"Spend per provider by month, in {self.currency}. {months}."[:2000]
