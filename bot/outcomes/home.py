"""What the Home tab and the monthly report show: one user's view, and the team's month."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from bot.audit import AuditEntry
from bot.models import Frozen, IdleNumber, Quote, Role, Spend, SpendHistory
from bot.outcomes.base import Outcome
from bot.outcomes.search import Help

__all__ = ["Activity", "HomeView", "MonthlyReport", "Sheet"]


class Activity(Frozen):
    """One of the user's own recent purchases or approval requests, and where it stands."""

    at: datetime
    action: Literal["buy", "request"]
    number: str
    provider: str
    cost: str = ""
    outcome: str = ""  # buy: bought, failed…; request: pending, approved, denied, expired
    by: str = ""  # who decided a request


class HomeView(Outcome):
    """One user's Home tab. Without a role it is the help, which says how to get one."""

    user_id: str
    role: Role | None
    at: datetime
    help: Help | None = None
    pool_total: int = 0
    by_provider: dict[str, int] = Field(default_factory=dict)
    by_country: dict[str, int] = Field(default_factory=dict)
    by_type: dict[str, int] = Field(default_factory=dict)
    idle: tuple[IdleNumber, ...] = ()  # most expensive first
    approvals: tuple[Quote, ...] = ()  # requests this user may decide, soonest expiry first
    spend: Spend | None = None
    history: SpendHistory | None = None
    chart_file: str | None = None  # the uploaded chart (Slack file id), None while there is none
    chart_at: datetime | None = None
    mine: tuple[Activity, ...] = ()
    expanded: str | None = None  # the section shown in full
    notice: str | None = None  # what the user's last click here did (rendered text)


class MonthlyReport(Outcome):
    month: str
    spend: Spend
    added: tuple[AuditEntry, ...] = ()
    released: tuple[AuditEntry, ...] = ()
    idle: tuple[IdleNumber, ...] = ()
    pool_total: int = 0
    history: SpendHistory | None = None


class Sheet(Outcome):
    """A modal opened from the Home tab: `content` once known, `error` if it could not be."""

    title: str
    content: Outcome | None = None
    error: str | None = None
