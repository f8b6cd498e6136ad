"""Roles, audit log and budget views."""

from __future__ import annotations

from bot.audit import AuditEntry
from bot.blocks.common import Block, context, escape, fields, header, section
from bot.budget import BudgetSettings, MonthSpend
from bot.models import Role
from bot.replies import Reply

__all__ = ["audit_view", "budget_view", "roles_view"]


def roles_view(members: dict[str, Role], bootstrap: frozenset[str]) -> Reply:
    lines = [
        f"<@{user}> · {role.value}" + (" (BOT_ADMINS)" if user in bootstrap else "") for user, role in members.items()
    ]
    body = "\n".join(lines) or "Nobody has a role yet."
    return Reply(
        text="Roles:\n" + body,
        blocks=[header("Roles"), section(body), context("viewer < requester < buyer < approver < admin")],
    )


def audit_view(entries: list[AuditEntry]) -> Reply:
    if not entries:
        return Reply(text="The audit log is empty.")
    lines = []
    for e in entries:
        parts = [e.at.strftime("%Y-%m-%d %H:%M:%S"), f"<@{e.actor}>", e.action]
        parts += [p for p in (e.number, e.provider, e.cost) if p]
        line = " · ".join(parts) + f" → {e.outcome}"
        if e.detail:
            line += f" ({escape(e.detail)})"
        lines.append(line)
    blocks: list[Block] = [header(f"Audit log: latest {len(entries)}")]
    chunk: list[str] = []
    for line in lines:  # sections hold 3000 characters
        if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return Reply(text="Audit log:\n" + "\n".join(lines), blocks=blocks[:50])


def budget_view(settings: BudgetSettings, spend: MonthSpend, *, changed: bool = False) -> Reply:
    currencies = sorted(set(settings.budgets) | set(spend.totals) | set(settings.auto_approve))
    spend_lines = [
        f"{spend.totals[c].display() if c in spend.totals else f'0.00 {c}'}"
        + (f" of {settings.budgets[c].display()}" if c in settings.budgets else " (no budget)")
        for c in currencies
        if c in spend.totals or c in settings.budgets
    ] or ["nothing spent, no budget set"]
    if spend.unknown:
        spend_lines.append(f"+ {spend.unknown} purchase(s) of unknown cost")
    auto = ", ".join(m.display() for _, m in sorted(settings.auto_approve.items())) or "not set (no limit)"
    budgets = ", ".join(m.display() for _, m in sorted(settings.budgets.items())) or "not set (no limit)"
    pairs = [
        (f"Spent in {spend.month} (UTC)", "\n".join(spend_lines)),
        ("Monthly budget", budgets),
        ("Auto-approve limit (monthly cost)", auto),
    ]
    title = "Budget updated" if changed else "Budget"
    text = f"{title}: spent {'; '.join(spend_lines)}; budget {budgets}; auto-approve {auto}"
    return Reply(text=text, blocks=[header(title), fields(pairs)])
