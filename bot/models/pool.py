"""Numbers on a provider account and in the pool, with what the bot keeps beside them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from bot.models.base import Frozen
from bot.models.emergency import CallerName, E911Status
from bot.models.money import Money
from bot.models.offers import Feature, NumberType

__all__ = ["IdleNumber", "OwnedNumber", "PoolEntry", "PoolItem", "SmsRouting"]


class OwnedNumber(Frozen):
    """A number as the provider sees it on the account now."""

    provider: str
    e164: str
    country: str | None = None
    type: NumberType | None = None
    features: frozenset[Feature] = frozenset()
    forward_to: str | None = None
    monthly: Money | None = None
    name: str | None = None
    details: dict[str, str] = Field(default_factory=dict)  # extra lines shown by `info`
    e911: E911Status | None = None  # None: the provider does not say (or has no E911)
    cnam: CallerName | None = None  # None: the provider does not say (or has no CNAM)


class PoolEntry(Frozen):
    """A number bought or adopted through the bot (the pool); names live beside it."""

    e164: str
    provider: str
    country: str | None = None
    monthly: Money | None = None
    setup: Money | None = None
    bought_by: str
    bought_at: datetime
    adopted: bool = False
    op_id: str | None = None


class SmsRouting(BaseModel):
    """Where a pool number's SMS are posted, as `list` and `info` show it (the stored route has more)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    channel: str
    private: bool = False


class PoolItem(Frozen):
    """A pool number with what the bot keeps beside it."""

    entry: PoolEntry
    name: str | None = None
    forward_to: str | None = None
    releasing: bool = False
    sms: SmsRouting | None = None


class IdleNumber(Frozen):
    """A pool number with no forwarding and no SMS routing: a candidate for release."""

    item: PoolItem
    converted: Money | None = None  # its monthly cost in the team currency (None: unknown or no rate)
