"""The monthly report posted to REPORT_CHANNEL (its chart follows in the thread)."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.common import SANDBOX_NOTE, Block, context, fields, header, provider_text, section
from bot.blocks.home import history_line, idle_cost, idle_line, spent_text
from bot.blocks.money import cents, rate_note
from bot.outcomes import AuditEntry, MonthlyReport
from bot.replies import Reply

__all__ = ["monthly_report"]

LISTED = 15  # numbers listed per part before "and N more"


def _numbers(entries: tuple[AuditEntry, ...], simulated: frozenset[str]) -> str:
    lines = [f"`{e.number}` · {provider_text(e.provider, simulated)} · <@{e.actor}> · {e.at:%Y-%m-%d}" for e in entries]
    more = f"\n… and {len(lines) - LISTED} more" if len(lines) > LISTED else ""
    return "\n".join(lines[:LISTED]) + more


def monthly_report(outcome: MonthlyReport) -> Reply:
    spend, simulated = outcome.spend, outcome.simulated
    title = datetime.strptime(outcome.month, "%Y-%m").strftime("%B %Y")
    per_provider = [
        f"{name}: {cents(total) if total is not None else 'no exchange rate'}"
        + (f" + {unknown} of unknown cost" if unknown else "")
        for name, (total, unknown) in spend.by_provider().items()
    ]
    idle = outcome.idle
    pairs = [
        (f"Spent ({spend.currency})", spent_text(spend)),
        ("Per provider", "\n".join(per_provider) or "nothing spent"),
        ("Numbers added", str(len(outcome.added))),
        ("Numbers released", str(len(outcome.released))),
        ("In the pool now", str(outcome.pool_total)),
        ("Idle now (no forwarding)", f"{len(idle)} · {idle_cost(idle, spend.currency)}" if idle else "none"),
    ]
    blocks: list[Block] = [header(f"numberbot monthly report: {title}"), fields(pairs)]
    if outcome.added:
        blocks.append(section("*Added*\n" + _numbers(outcome.added, simulated)))
    if outcome.released:
        blocks.append(section("*Released*\n" + _numbers(outcome.released, simulated)))
    if idle:
        lines = [idle_line(row, simulated).replace("\n", " · ") for row in idle[:LISTED]]
        more = f"\n… and {len(idle) - LISTED} more" if len(idle) > LISTED else ""
        blocks.append(section("*Idle numbers: candidates for release*\n" + "\n".join(lines) + more))
    notes = [rate_note(spend)]
    if outcome.history is not None and any(outcome.history.totals):
        notes.insert(0, history_line(outcome.history) + ". The chart follows in the thread.")
    if simulated & set(spend.by_provider()):
        notes.append(SANDBOX_NOTE)
    blocks.append(context(*notes))
    text = (
        f"numberbot monthly report for {title}: spent {spent_text(spend)}; "
        f"{len(outcome.added)} added, {len(outcome.released)} released, {len(idle)} idle"
    )
    return Reply(text=text, blocks=blocks)
