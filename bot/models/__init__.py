"""Pydantic models that cross module boundaries.

Money is ``Decimal`` with a currency; an unknown cost is ``None`` and is shown as unknown,
never as 0. Models serialise to JSON for Redis with ``model_dump_json`` (Decimals as
strings, so nothing is rounded on the way).

One submodule per area; import from here (``from bot.models import Quote``).
"""

from __future__ import annotations

from bot.models.access import Caller, Role
from bot.models.base import Frozen as Frozen
from bot.models.base import new_id, utcnow
from bot.models.emergency import CallerName, E911Status, EmergencyAddress
from bot.models.journal import ApprovalRef, Operation
from bot.models.money import Conversion, Money, RateTable, format_costs, sum_by_currency
from bot.models.money import show_money as show_money
from bot.models.offers import BalanceCheck, Feature, Hold, NumberType, Offer, Quote, SearchQuery
from bot.models.pool import IdleNumber, OwnedNumber, PoolEntry, PoolItem, SmsRouting
from bot.models.spend import BudgetSettings, Entry, MonthSpend, Spend, SpendHistory

__all__ = [
    "ApprovalRef",
    "BalanceCheck",
    "BudgetSettings",
    "Caller",
    "CallerName",
    "Conversion",
    "E911Status",
    "EmergencyAddress",
    "Entry",
    "Feature",
    "Hold",
    "IdleNumber",
    "Money",
    "MonthSpend",
    "NumberType",
    "Offer",
    "Operation",
    "OwnedNumber",
    "PoolEntry",
    "PoolItem",
    "Quote",
    "RateTable",
    "Role",
    "SearchQuery",
    "SmsRouting",
    "Spend",
    "SpendHistory",
    "format_costs",
    "new_id",
    "sum_by_currency",
    "utcnow",
]
