"""The operation journal's records: a provider change written down before the provider is asked."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from bot.models.base import Frozen
from bot.models.offers import Quote

__all__ = ["ApprovalRef", "Operation"]


class ApprovalRef(Frozen):
    """Who approved a purchase and where the approval message is (to update it later)."""

    approved_by: str
    channel: str = ""
    ts: str = ""


class Operation(Frozen):
    """A provider change recorded in Redis before the provider is asked (SPEC 4)."""

    id: str
    kind: Literal["purchase", "release"]
    team_id: str
    user_id: str
    e164: str
    provider: str
    quote: Quote | None = None
    channel_id: str | None = None
    response_url: str | None = None
    started_at: datetime
    approval: ApprovalRef | None = None  # an approved purchase
    # Purchases that mark their number first send the buy only once their checkpoint says
    # "marked"; an operation without it (recorded before marks existed) may have sent it.
    mark_first: bool = False
    state: dict[str, Any] = Field(default_factory=dict)  # the provider's checkpoint
