"""Searching and buying: what providers offer, and the quote one user confirms."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from bot.models.base import Frozen
from bot.models.money import Money

__all__ = ["BalanceCheck", "Feature", "Hold", "NumberType", "Offer", "Quote", "SearchQuery"]


class NumberType(StrEnum):
    local = "local"
    mobile = "mobile"
    tollfree = "tollfree"


class Feature(StrEnum):
    voice = "voice"
    sms = "sms"
    mms = "mms"


class SearchQuery(Frozen):
    country: str
    pattern: str | None = None  # digits the national number starts with
    type: NumberType | None = None
    features: frozenset[Feature] = frozenset()
    limit: int = 10


class Offer(Frozen):
    """A number a provider offers for sale, as shown in search results."""

    provider: str
    e164: str
    country: str
    type: NumberType | None = None
    features: frozenset[Feature] = frozenset()
    monthly: Money | None = None
    setup: Money | None = None
    ref: dict[str, str] = Field(default_factory=dict)  # opaque provider data


class Hold(Frozen):
    """What a provider reserved for a quote (e.g. an Azure reservation)."""

    ref: dict[str, str] = Field(default_factory=dict)
    expires_at: datetime | None = None
    note: str | None = None


class BalanceCheck(Frozen):
    """The provider account's credit when a quote was made, and whether the purchase goes over it.

    `confirmed_by` is set by the server when the buyer clicks "buy anyway", never by a button value.
    """

    balance: Money
    at: datetime
    needed: Money | None = None  # what completing the purchase costs now, in the balance's currency
    over: bool = False
    confirmed_by: str | None = None


class Quote(Frozen):
    """A priced offer for one user, stored server-side; buttons carry only its id."""

    id: str
    team_id: str
    user_id: str
    channel_id: str | None = None
    offer: Offer
    hold: Hold | None = None
    accepted_charges: Money | None = None  # charges the user saw and agreed to pay
    approval_reasons: tuple[str, ...] = ()
    created_at: datetime
    expires_at: datetime
    balance: BalanceCheck | None = None  # None: the provider reports no balance

    @property
    def over_balance_unconfirmed(self) -> bool:
        """Over the provider balance and not yet confirmed by the buyer's explicit click."""
        return self.balance is not None and self.balance.over and self.balance.confirmed_by is None

    def charges(self) -> list[Money]:
        """What completing this purchase spends this month (known parts only)."""
        return [m for m in (self.offer.monthly, self.offer.setup, self.accepted_charges) if m is not None]
