"""What administration answers: roles, the audit log and the budget."""

from __future__ import annotations

from bot.audit import AuditEntry
from bot.models import Role, Spend
from bot.outcomes.base import Outcome

__all__ = ["AuditExport", "AuditLatest", "BudgetStatus", "Granted", "Revoked", "RoleList"]


class RoleList(Outcome):
    members: dict[str, Role]
    bootstrap: frozenset[str]


class Granted(Outcome):
    user_id: str
    role: Role


class Revoked(Outcome):
    user_id: str
    previous: Role | None


class AuditLatest(Outcome):
    entries: tuple[AuditEntry, ...]


class AuditExport(Outcome):
    entries: int
    csv: str
    filename: str


class BudgetStatus(Outcome):
    spend: Spend
    changed: bool = False
    details: bool = False  # also the spend in its original currencies
    note: str | None = None  # e.g. the auto-approve limit converted into a new team currency
