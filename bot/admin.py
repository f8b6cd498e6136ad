"""Subcommands that only touch Redis: help, roles, grant, revoke, audit, budget."""

from __future__ import annotations

import csv
import io

from bot.audit import AuditLog, entry_fields
from bot.blocks.admin import audit_view, budget_view, roles_view
from bot.blocks.help import help_view
from bot.budget import BudgetStore
from bot.commands import Budget
from bot.errors import PermissionDenied
from bot.models import Caller, Role, utcnow
from bot.replies import Reply
from bot.roles import RoleStore

__all__ = ["SMALL_EXPORT", "AdminService"]

SMALL_EXPORT = 15  # entries shown inline as a code block; more become a CSV file


class AdminService:
    def __init__(self, *, roles: RoleStore, audit: AuditLog, budget: BudgetStore) -> None:
        self.roles = roles
        self.audit = audit
        self.budget = budget

    def help(self, role: Role | None) -> Reply:
        return help_view(role, sorted(self.roles.bootstrap_admins))

    async def list_roles(self, caller: Caller) -> Reply:
        return roles_view(await self.roles.all(caller.team_id), self.roles.bootstrap_admins)

    async def grant(self, caller: Caller, user_id: str, role: Role) -> Reply:
        if self.roles.is_bootstrap_admin(user_id):
            raise PermissionDenied(f"<@{user_id}> is an admin through BOT_ADMINS; change that setting instead.")
        await self.roles.grant(caller.team_id, user_id, role)
        await self.audit.record(
            caller.team_id, entry_fields(actor=caller.user_id, action="grant", detail=f"{user_id} → {role.value}")
        )
        return Reply(text=f"<@{user_id}> is now a {role.value}.")

    async def revoke(self, caller: Caller, user_id: str) -> Reply:
        if self.roles.is_bootstrap_admin(user_id):
            raise PermissionDenied(f"<@{user_id}> is an admin through BOT_ADMINS; change that setting instead.")
        previous = await self.roles.revoke(caller.team_id, user_id)
        if previous is None:
            return Reply(text=f"<@{user_id}> had no role; nothing changed.")
        await self.audit.record(
            caller.team_id,
            entry_fields(actor=caller.user_id, action="revoke", detail=f"{user_id} was {previous.value}"),
        )
        return Reply(text=f"<@{user_id}> no longer has a role (was {previous.value}).")

    async def show_audit(self, caller: Caller, count: int) -> Reply:
        return audit_view(await self.audit.latest(caller.team_id, count))

    async def export_audit(self, caller: Caller) -> Reply:
        """The whole log as CSV: a code block when small, else a file uploaded to the channel."""
        entries = await self.audit.everything(caller.team_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["time_utc", "actor", "action", "number", "provider", "cost", "outcome", "detail"])
        for e in entries:
            writer.writerow(
                [
                    e.at.isoformat(timespec="seconds"),
                    e.actor,
                    e.action,
                    e.number,
                    e.provider,
                    e.cost,
                    e.outcome,
                    e.detail,
                ]
            )
        content = buffer.getvalue()
        if len(entries) <= SMALL_EXPORT and len(content) < 2500:
            return Reply(text=f"Audit log ({len(entries)} entries):\n```\n{content}```")
        name = f"numberbot-audit-{caller.team_id}-{utcnow():%Y%m%d-%H%M}.csv"
        return Reply(text=f"Audit log export: {len(entries)} entries in {name}.", files=[(name, content)])

    async def show_or_set_budget(self, caller: Caller, command: Budget) -> Reply:
        if command.changes:
            await self.budget.update(
                caller.team_id,
                budget=command.budget,
                auto_approve=command.auto_approve,
                clear_budget=command.clear_budget,
                clear_auto_approve=command.clear_auto_approve,
            )
            changes = []
            if command.clear_budget:
                changes.append("budget cleared")
            if command.budget:
                changes.append(f"budget {command.budget.display()}")
            if command.clear_auto_approve:
                changes.append("auto-approve cleared")
            if command.auto_approve:
                changes.append(f"auto-approve {command.auto_approve.display()}")
            await self.audit.record(
                caller.team_id, entry_fields(actor=caller.user_id, action="budget", detail=", ".join(changes))
            )
        settings, spend = await self.budget.snapshot(caller.team_id)
        return budget_view(settings, spend, changed=command.changes)
