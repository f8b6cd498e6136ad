"""What `e911` and `cnam` answer: a number's emergency address and caller-ID name at its provider."""

from __future__ import annotations

from typing import Literal

from bot.models import CallerName, E911Status
from bot.outcomes.base import Outcome

__all__ = ["CallerIdAnswer", "EmergencyAnswer"]


class EmergencyAnswer(Outcome):
    """`e911`: a number's emergency address, as shown, set or removed at its provider."""

    e164: str
    provider: str
    status: E911Status
    change: Literal["shown", "set", "removed"] = "shown"


class CallerIdAnswer(Outcome):
    """`cnam`: a number's caller-ID name and inbound lookup, as shown or changed at its provider."""

    e164: str
    provider: str
    status: CallerName
    change: Literal["shown", "set", "removed", "lookup"] = "shown"
    lookup: bool = False  # the provider can switch inbound caller-name lookup
