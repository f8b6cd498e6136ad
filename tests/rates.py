"""A fixed ECB rate table for tests: 1 EUR = 1.10 USD = 0.85 GBP, on 2026-10-30."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.models import RateTable
from bot.rates import Rates

__all__ = ["DAY", "FIXED", "fixed_rates"]

DAY = date(2026, 10, 30)
FIXED = RateTable(day=DAY, per_euro={"EUR": Decimal(1), "USD": Decimal("1.10"), "GBP": Decimal("0.85")})


def fixed_rates() -> Rates:
    return Rates(FIXED)
