"""parse_money: a provider's price as exact Money, or unknown (None), never 0 or a float."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.models import Money
from bot.providers.money import parse_amount, parse_money


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("0.8500", Decimal("0.8500")),
        (" 1.25 ", Decimal("1.25")),
        (Decimal("1.000000000000000001"), Decimal("1.000000000000000001")),
        (3, Decimal(3)),
        ("0", Decimal(0)),
    ],
)
def test_a_readable_amount_is_kept_exactly(raw: object, amount: Decimal) -> None:
    assert parse_money(raw, "EUR") == Money(amount=amount, currency="EUR")
    assert str(parse_amount(raw)) == str(amount), "digit for digit, trailing zeros too"


@pytest.mark.parametrize(
    "raw",
    [None, "", "n/a", "-0.01", Decimal("-1"), "NaN", "Infinity", Decimal("sNaN"), True, False, [], {"amount": 1}],
)
def test_missing_unreadable_negative_non_finite_or_boolean_is_unknown(raw: object) -> None:
    assert parse_amount(raw) is None
    assert parse_money(raw, "USD") is None, "unknown, never 0"


@pytest.mark.parametrize("currency", ["", "usd", "US", "EURO"])
def test_a_price_in_no_readable_currency_is_unknown(currency: str) -> None:
    assert parse_money("1.00", currency) is None
