"""Subcommands that only touch Redis: help, roles, grant, revoke, audit, budget."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from bot.access import RoleStore, usable_commands
from bot.audit import AuditLog, entry_fields
from bot.budget import BudgetStore
from bot.commands import Budget
from bot.errors import InputError, PermissionDenied
from bot.models import Caller, Role, utcnow
from bot.outcomes import AuditExport, AuditLatest, BudgetStatus, Granted, Help, Revoked, RoleList

__all__ = ["AdminService"]

# What a spreadsheet reads as the start of a formula (=HYPERLINK(…), +cmd|…, @SUM(…)), tab and CR
# included (OWASP's CSV injection list). defusedcsv misses tab and CR, so this is kept here.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_cell(value: str) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs: a leading apostrophe when needed."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


class AdminService:
    def __init__(self, *, roles: RoleStore, audit: AuditLog, budget: BudgetStore) -> None:
        self.roles = roles
        self.audit = audit
        self.budget = budget

    def help(self, role: Role | None) -> Help:
        return Help(role=role, usable=usable_commands(role), admins=tuple(sorted(self.roles.bootstrap_admins)))

    async def list_roles(self, caller: Caller) -> RoleList:
        return RoleList(members=await self.roles.all(caller.team_id), bootstrap=self.roles.bootstrap_admins)

    def _not_bootstrap(self, user_id: str) -> None:
        if self.roles.is_bootstrap_admin(user_id):
            raise PermissionDenied(f"<@{user_id}> is an admin through BOT_ADMINS; change that setting instead.")

    async def grant(self, caller: Caller, user_id: str, role: Role) -> Granted:
        self._not_bootstrap(user_id)
        await self.roles.grant(caller.team_id, user_id, role)
        await self.audit.record(
            caller.team_id, entry_fields(actor=caller.user_id, action="grant", detail=f"{user_id} → {role.value}")
        )
        return Granted(user_id=user_id, role=role)

    async def revoke(self, caller: Caller, user_id: str) -> Revoked:
        self._not_bootstrap(user_id)
        previous = await self.roles.revoke(caller.team_id, user_id)
        if previous is not None:
            await self.audit.record(
                caller.team_id,
                entry_fields(actor=caller.user_id, action="revoke", detail=f"{user_id} was {previous.value}"),
            )
        return Revoked(user_id=user_id, previous=previous)

    async def show_audit(self, caller: Caller, count: int) -> AuditLatest:
        return AuditLatest(entries=tuple(await self.audit.latest(caller.team_id, count)))

    async def export_audit(self, caller: Caller) -> AuditExport:
        """The whole log as CSV, every cell neutralised for spreadsheets (names are user-typed)."""
        entries = await self.audit.everything(caller.team_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["time_utc", "actor", "action", "number", "provider", "cost", "outcome", "detail"])
        for e in entries:
            at = e.at.isoformat(timespec="seconds")
            row = [at, e.actor, e.action, e.number, e.provider, e.cost, e.outcome, e.detail]
            writer.writerow([_spreadsheet_cell(cell) for cell in row])
        name = f"numberbot-audit-{caller.team_id}-{utcnow():%Y%m%d-%H%M}.csv"
        return AuditExport(entries=len(entries), csv=buffer.getvalue(), filename=name)

    async def budget_status(self, caller: Caller, command: Budget) -> BudgetStatus:
        """Show the budget; with changes (admins, checked by the gate) set it first."""
        note = None
        if command.changes:
            note = await self._set_budget(caller, command)
        spend = await self.budget.read(caller.team_id)
        return BudgetStatus(spend=spend, changed=command.changes, details=command.details, note=note)

    async def _set_budget(self, caller: Caller, command: Budget) -> str | None:
        """Apply `budget …`; a currency given with the amount becomes the team currency."""
        current = await self.budget.settings(caller.team_id)
        currency = (command.budget.currency if command.budget else None) or current.currency
        rates = self.budget.rates
        if not rates.has(currency):
            raise InputError(f"There is no ECB reference rate for {currency}, so it cannot be the team currency.")
        auto = command.auto_approve
        if auto is not None and auto.currency not in (None, currency):
            raise InputError(
                f"The auto-approve limit is in the team currency ({currency}); "
                f"to change that currency, set the budget in it: /number budget <AMOUNT> {auto.currency}"
            )
        auto_value = auto.value if auto is not None else None
        note = None
        kept = current.auto_approve
        if currency != current.currency and kept is not None and auto is None and not command.clear_auto_approve:
            converted = rates.convert(kept, currency)
            if converted is not None:
                auto_value = converted.money.amount.quantize(Decimal("0.01"))
                note = (
                    f"The auto-approve limit moved to {currency}: {kept.display()} ≈ {auto_value} {currency} "
                    f"(ECB rate of {converted.day.isoformat()})."
                )
        await self.budget.update(
            caller.team_id,
            currency=currency,
            budget=command.budget.value if command.budget else None,
            auto_approve=auto_value,
            clear_budget=command.clear_budget,
            clear_auto_approve=command.clear_auto_approve,
        )
        changes = [f"team currency {currency}"] if currency != current.currency else []
        if command.clear_budget:
            changes.append("budget cleared")
        if command.budget:
            changes.append(f"budget {command.budget.value} {currency}")
        if command.clear_auto_approve:
            changes.append("auto-approve cleared")
        if auto_value is not None:
            changes.append(f"auto-approve {auto_value} {currency}")
        await self.audit.record(
            caller.team_id, entry_fields(actor=caller.user_id, action="budget", detail=", ".join(changes))
        )
        return note
