"""Who is asking, and with which role: what the one authorization check hands to services."""

from __future__ import annotations

from enum import StrEnum

from bot.models.base import Frozen

__all__ = ["Caller", "Role"]


class Role(StrEnum):
    viewer = "viewer"
    requester = "requester"
    buyer = "buyer"
    approver = "approver"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


class Caller(Frozen):
    """Who is asking, and where to answer them; built by the Slack handlers.

    `role` is what the one authorization check found (None: no role, which only a request
    that needs none gets past); services read it and never assume one.
    """

    team_id: str
    user_id: str
    channel_id: str | None = None
    response_url: str | None = None
    role: Role | None = None
