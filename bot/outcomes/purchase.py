"""What buying answers: a quote to confirm, then how the purchase went (`PurchaseResult`)."""

from __future__ import annotations

from typing import ClassVar

from bot.models import OwnedNumber, Quote, Spend
from bot.outcomes.base import Outcome

__all__ = [
    "Bought",
    "NumberTaken",
    "PurchaseFailed",
    "PurchasePending",
    "PurchaseResult",
    "QuoteCancelled",
    "Quoted",
    "Requoted",
]


class Quoted(Outcome):
    """A fresh confirmation, as a new message (the search results stay for other picks)."""

    quote: Quote
    spend: Spend


class Requoted(Outcome):
    """The confirmation again, in place: approval became necessary, or the provider asked for
    charges (`quote.accepted_charges`, with the provider's `charges_detail`)."""

    status: ClassVar[str] = "charges"
    quote: Quote
    spend: Spend
    charges_detail: str | None = None


class QuoteCancelled(Outcome):
    e164: str
    unhold_error: str | None = None


class Bought(Outcome):
    status: ClassVar[str] = "bought"
    quote: Quote
    owned: OwnedNumber | None
    buyer: str


class PurchaseFailed(Outcome):
    status: ClassVar[str] = "failed"
    quote: Quote
    reason: str


class PurchasePending(Outcome):
    status: ClassVar[str] = "pending"
    quote: Quote
    message: str


class NumberTaken(Outcome):
    """Another operation on the same provider account is buying, or bought, this number."""

    status: ClassVar[str] = "taken"
    quote: Quote
    holder: str  # the user who is buying or bought it
    bought: bool


PurchaseResult = Bought | PurchaseFailed | PurchasePending | Requoted | NumberTaken
