"""What a purchase that needs approval answers: in the approvals channel, and to the requester."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bot.models import Frozen, Quote, Spend
from bot.outcomes.base import Outcome
from bot.outcomes.purchase import PurchaseResult

__all__ = ["ApprovalClosed", "ApprovalDecision", "ApprovalRequest", "ApprovalRequested", "DenyForm", "RequesterNotice"]


class ApprovalRequest(Outcome):
    """The request in the approvals channel; `approved_*` when charges came after an approval."""

    quote: Quote
    spend: Spend
    approved_by: str | None = None
    approved_at: datetime | None = None


class ApprovalRequested(Outcome):
    channel: str
    e164: str
    provider: str


class ApprovalDecision(Frozen):
    """A decision on a request and, once approved, how the purchase went (None: still buying)."""

    quote: Quote
    decision: Literal["approved", "denied", "expired"]
    by: str | None = None
    at: datetime | None = None
    purchase: PurchaseResult | None = None
    error: str | None = None  # approved, but the purchase could not start
    reason: str = ""  # a denial's reason, as typed


class ApprovalClosed(Outcome):
    """The approval message after a decision."""

    decision: ApprovalDecision


class RequesterNotice(Outcome):
    """What the requester is told about their request."""

    decision: ApprovalDecision


class DenyForm(Outcome):
    quote: Quote
