"""Reading a provider's prices leniently: exact decimals, and "unknown" rather than a wrong number.

Providers send prices as decimal strings or JSON numbers (parsed as ``Decimal``, never through a
float). Anything that is not a readable, finite, non-negative amount is unknown (None), never 0:
the bot shows "unknown" instead of pretending a number is free.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from bot.models import Money

__all__ = ["parse_amount", "parse_money"]

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def parse_amount(raw: object) -> Decimal | None:
    """A decimal string or number as an exact Decimal; missing, unreadable, negative,
    non-finite or a bool (JSON true is not a price) is None."""
    if raw is None or isinstance(raw, bool):
        return None
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def parse_money(raw: object, currency: str) -> Money | None:
    """A price as exact Money in `currency` (an ISO code), or None when it is unknown: an
    amount `parse_amount` cannot read, or a currency that is not three capital letters."""
    amount = parse_amount(raw)
    if amount is None or not _CURRENCY.match(currency):
        return None
    return Money(amount=amount, currency=currency)
