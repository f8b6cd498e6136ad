"""Help, roles, the audit log and the budget."""

from __future__ import annotations

from bot.blocks.common import Block, context, escape, fields, header, section
from bot.blocks.money import cents, rate_note
from bot.commands import USAGE
from bot.models import Money, Role, Spend
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


def _or_no_rate(money: Money | None, spend: Spend, amounts: list[Money]) -> str:
    if money is not None:
        return cents(money)
    return f"cannot be totalled: no exchange rate for {', '.join(spend.no_rate(amounts))}"


def budget_view(outcome: BudgetStatus) -> Reply:
    spend = outcome.spend
    settings, month = spend.settings, spend.month
    spent_amounts = [m for e in month.spent for m in e.charges]
    held_amounts = [m for e in month.held for m in e.charges]
    spent = _or_no_rate(spend.spent, spend, spent_amounts)
    budget = settings.budget.display() if settings.budget else "not set (no limit)"
    auto = settings.auto_approve.display() if settings.auto_approve else "not set (no limit)"
    spent_line = spent + (f" of {settings.budget.display()}" if settings.budget else "")
    if month.unknown:
        spent_line += f" + {month.unknown} purchase(s) of unknown cost"
    providers = spend.by_provider()
    if providers:
        shown = []
        for name, (total, unknown) in providers.items():
            known = cents(total) if total is not None else "no rate"
            if unknown:
                known = f"{known} + {unknown} of unknown cost" if total and total.amount else "unknown"
            shown.append(f"{name} {known}")
        spent_line += "\n" + " · ".join(shown)
    if month.in_flight:
        held = _or_no_rate(spend.held, spend, held_amounts) if held_amounts else "cost unknown"
        reserved = f"{held} by {month.in_flight} purchase(s) in flight"
    else:
        reserved = "nothing: no purchase in flight"
    pairs = [
        (f"Spent in {month.month} (UTC)", spent_line),
        ("Reserved", reserved),
        ("Monthly budget", budget),
        ("Auto-approve limit (monthly cost)", auto),
        ("Team currency", settings.currency),
    ]
    title = "Budget updated" if outcome.changed else "Budget"
    notes = [rate_note(spend)]
    if outcome.details:
        originals = ", ".join(m.display() for _, m in sorted(month.totals.items())) or "nothing spent"
        notes.insert(0, f"Spent in original currencies: {originals}")
    if outcome.note:
        notes.insert(0, outcome.note)
    text = f"{title}: spent {spent_line.splitlines()[0]}; reserved {reserved}; budget {budget}; auto-approve {auto}"
    return Reply(text=text, blocks=[header(title), fields(pairs), context(*notes)])
