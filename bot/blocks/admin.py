"""Help, roles, the audit log and the budget."""

from __future__ import annotations

from bot.blocks.common import Block, context, escape, fields, header, section
from bot.commands import USAGE
from bot.models import Role
from bot.mrkdwn import code_text
from bot.outcomes import AuditExport, AuditLatest, BudgetStatus, Granted, Help, Revoked, RoleList
from bot.replies import Reply

__all__ = [
    "SMALL_EXPORT",
    "audit_export",
    "audit_view",
    "budget_view",
    "granted",
    "help_view",
    "revoked",
    "roles_view",
]

SMALL_EXPORT = 15  # entries shown inline as a code block; more become a CSV file


def help_view(outcome: Help) -> Reply:
    role = outcome.role
    lines = [f"`{escape(USAGE[name])}`" for name in outcome.usable]
    if role is not None and role.allows(Role.viewer):
        lines.insert(1, "`/number` opens a search form")
    if role is None:
        who = ", ".join(f"<@{a}>" for a in outcome.admins) or "a workspace admin"
        access = f"You have no role yet, so you can only see this help. Ask {who} to run `/number grant @you viewer`."
    else:
        access = f"Your role: *{role.value}*."
        if role is Role.requester:
            access += " Purchases you ask for go to an approver."
    body = "\n".join(lines)
    return Reply(
        text=f"{access}\n{body}",
        blocks=[
            header("numberbot"),
            section(access),
            section(body),
            context("Roles: viewer < requester < buyer < approver < admin"),
        ],
    )


def roles_view(outcome: RoleList) -> Reply:
    lines = [
        f"<@{user}> · {role.value}" + (" (BOT_ADMINS)" if user in outcome.bootstrap else "")
        for user, role in outcome.members.items()
    ]
    body = "\n".join(lines) or "Nobody has a role yet."
    return Reply(
        text="Roles:\n" + body,
        blocks=[header("Roles"), section(body), context("viewer < requester < buyer < approver < admin")],
    )


def granted(outcome: Granted) -> Reply:
    return Reply(text=f"<@{outcome.user_id}> is now a {outcome.role.value}.")


def revoked(outcome: Revoked) -> Reply:
    if outcome.previous is None:
        return Reply(text=f"<@{outcome.user_id}> had no role; nothing changed.")
    return Reply(text=f"<@{outcome.user_id}> no longer has a role (was {outcome.previous.value}).")


def audit_view(outcome: AuditLatest) -> Reply:
    entries = outcome.entries
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


def audit_export(outcome: AuditExport) -> Reply:
    """A code block when small (only the caller sees it), otherwise a CSV file sent to them alone.

    Names and reasons in the log are typed by users: in the code block they are escaped and
    cannot close it; the file's cells are neutralised for spreadsheets by the service.
    """
    if outcome.entries <= SMALL_EXPORT and len(outcome.csv) < 2500:
        return Reply(text=f"Audit log ({outcome.entries} entries):\n```\n{code_text(outcome.csv)}```")
    return Reply(
        text=f"Audit log export: {outcome.entries} entries in {outcome.filename}, sent to you in a direct message.",
        files=[(outcome.filename, outcome.csv)],
    )


def budget_view(outcome: BudgetStatus) -> Reply:
    settings, spend = outcome.spend.settings, outcome.spend.month
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
    title = "Budget updated" if outcome.changed else "Budget"
    text = f"{title}: spent {'; '.join(spend_lines)}; budget {budgets}; auto-approve {auto}"
    return Reply(text=text, blocks=[header(title), fields(pairs)])
