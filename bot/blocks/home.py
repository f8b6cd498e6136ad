"""The Home tab, and the modal a Home button opens.

A Home view holds at most 100 blocks (Slack refuses more), so every section that can grow is
summarised (a few rows and a "Show all" button); the one section shown in full gets the blocks
the others leave, and says how many rows still did not fit.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bot.blocks import ids
from bot.blocks.admin import help_view
from bot.blocks.common import (
    SANDBOX_NOTE,
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    fields,
    header,
    provider_text,
    section,
    when,
)
from bot.blocks.money import cents, rate_note
from bot.models import IdleNumber, Money, Quote, Role, Spend, SpendHistory, show_money
from bot.outcomes import Activity, HomeView, Sheet
from bot.phone import national_format

__all__ = ["VIEW_BLOCKS", "history_line", "home_view", "idle_line", "sheet_view", "spent_text"]

VIEW_BLOCKS = 100
SUMMARY = {"approvals": 3, "idle": 5, "mine": 5}  # rows shown before "Show all"
LINES_PER_BLOCK = 10  # "your recent…" rows share a section, ten at a time
LISTED = 25  # names listed in one count field before "and N more"

Rows = Callable[[int], list[Block]]


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


# -- shared with the monthly report ---------------------------------------------------


def spent_text(spend: Spend) -> str:
    """Spent this month in the team currency, against the budget when there is one."""
    amounts = [m for e in spend.month.spent for m in e.charges]
    spent = spend.spent
    if spent is None:
        return f"cannot be totalled: no exchange rate for {', '.join(spend.no_rate(amounts))}"
    budget = spend.settings.budget
    line = cents(spent)
    if budget is not None:
        share = f" ({spent.amount / budget.amount:.0%})" if budget.amount else ""
        line += f" of {budget.display()}{share}"
    if spend.month.unknown:
        line += f" + {spend.month.unknown} of unknown cost"
    return line


def _by_provider(spend: Spend) -> list[tuple[str, str]]:
    shown = []
    for name, (total, unknown) in spend.by_provider().items():
        text = cents(total) if total is not None else "no exchange rate"
        shown.append((name, text + (f" + {unknown} of unknown cost" if unknown else "")))
    return shown


def history_line(history: SpendHistory) -> str:
    """The chart's figures in one line (beside or instead of the picture)."""
    months = " · ".join(f"{m} {t:.2f}" for m, t in zip(history.months, history.totals, strict=True))
    left = []
    if history.no_rate:
        left.append(f"amounts in {', '.join(history.no_rate)} (no exchange rate)")
    if history.unknown:
        left.append(f"{history.unknown} purchase(s) of unknown cost")
    return f"{history.currency} per month: {months}" + (f"; left out: {', '.join(left)}" if left else "")


def idle_line(row: IdleNumber, simulated: frozenset[str]) -> str:
    entry = row.item.entry
    name = f" · _{escape(row.item.name)}_" if row.item.name else ""
    cost = show_money(entry.monthly)
    if row.converted is not None and entry.monthly is not None and row.converted.currency != entry.monthly.currency:
        cost += f" (≈ {cents(row.converted)})"
    return (
        f"*{national_format(entry.e164)}*  `{entry.e164}`{name}\n"
        f"{provider_text(entry.provider, simulated)} · {cost}/month"
    )


def idle_cost(rows: tuple[IdleNumber, ...], currency: str) -> str:
    known = [r.converted for r in rows if r.converted is not None]
    total = Money(amount=sum((m.amount for m in known), Decimal(0)), currency=currency)
    unknown = len(rows) - len(known)
    return f"{cents(total)}/month" + (f" + {unknown} of unknown cost" if unknown else "")


def _counts(counts: dict[str, int]) -> str:
    items = list(counts.items())
    shown = " · ".join(f"{escape(name)} {n}" for name, n in items[:LISTED])
    return shown + (f" · and {len(items) - LISTED} more" if len(items) > LISTED else "") or "none"


# -- the sections ---------------------------------------------------------------------


def _more(view: HomeView, name: str, total: int, limit: int, noun: str) -> list[Block]:
    """Under a section: "Show all" when summarised; "Show less" (and what did not fit) when in full."""
    if view.expanded == name:
        out = []
        if total > limit:
            out.append(context(f"{total - limit} more {noun} do not fit in the Home tab (100 blocks at most)."))
        return [*out, actions(button("Show less", ids.HOME_SHOW, ""))]
    if total > limit:
        return [actions(button(f"Show all {total} {noun}", ids.HOME_SHOW, name))]
    return []


def _request(quote: Quote, view: HomeView) -> list[Block]:
    offer = quote.offer
    text = (
        f"*{national_format(offer.e164)}*  `{offer.e164}` · {provider_text(offer.provider, view.simulated)}\n"
        f"{show_money(offer.monthly)}/month · setup {show_money(offer.setup)} · asked by <@{quote.user_id}> · "
        f"expires {when(quote.expires_at, now=view.at)}"
    )
    if quote.approval_reasons:
        text += "\n_Why it needs approval:_ " + "; ".join(quote.approval_reasons)
    return [
        section(text),
        actions(
            button("Approve", ids.HOME_APPROVE, quote.id, style="primary"),
            button("Deny…", ids.HOME_DENY, quote.id, style="danger"),
        ),
    ]


def _approvals(view: HomeView, limit: int) -> list[Block]:
    rows = view.approvals
    blocks = [header(f"Approval requests for you: {len(rows)}")]
    if not rows:
        return [*blocks, context("Nothing is waiting for you to decide.")]
    for quote in rows[:limit]:
        blocks += _request(quote, view)
    return blocks + _more(view, "approvals", len(rows), limit, "requests")


def _spend(view: HomeView) -> list[Block]:
    spend, history = view.spend, view.history
    assert spend is not None
    assert history is not None
    held = spend.held
    pairs = [
        ("Spent", spent_text(spend)),
        ("Reserved by purchases in flight", cents(held) if held is not None else "cannot be totalled"),
        *_by_provider(spend)[:8],
    ]
    blocks: list[Block] = [header(f"Spend in {spend.month.month} ({spend.currency})"), fields(pairs)]
    notes = [history_line(history), rate_note(spend)]
    if view.chart_file and any(history.totals):
        blocks.append(
            {
                "type": "image",
                "slack_file": {"id": view.chart_file},
                "alt_text": history.describe(),
                "title": _plain(f"Spend per provider, {history.months[0]} to {history.months[-1]}"),
            }
        )
        if view.chart_at is not None:
            notes.insert(1, f"Chart drawn {view.chart_at:%Y-%m-%d %H:%M} UTC (at most once an hour).")
    elif not any(history.totals):
        notes[0] = f"No spend in {history.months[0]} to {history.months[-1]}."
    return [*blocks, context(*notes)]


def _pool(view: HomeView) -> list[Block]:
    total = view.pool_total
    blocks = [header(f"The pool: {total} number{'s' if total != 1 else ''}")]
    if not total:
        return [*blocks, section("The pool is empty. Find numbers with `/number search <CC>`.")]
    pairs = [
        ("By provider", _counts(view.by_provider)),
        ("By country", _counts(view.by_country)),
        ("By type", _counts(view.by_type)),
    ]
    return [*blocks, fields(pairs)]


def _idle(view: HomeView, limit: int) -> list[Block]:
    rows, admin = view.idle, view.role is not None and view.role.allows(Role.admin)
    currency = view.spend.currency if view.spend else "USD"
    blocks = [header(f"No forwarding, no SMS routing: {len(rows)}")]
    if not rows:
        return [*blocks, context("Every number in the pool forwards somewhere." if view.pool_total else "None.")]
    blocks.append(context(f"They cost {idle_cost(rows, currency)}: candidates for release."))
    for row in rows[:limit]:
        e164 = row.item.entry.e164
        info = button("Info", ids.HOME_INFO, e164)
        if not admin:
            blocks.append(section(idle_line(row, view.simulated), accessory=info))
            continue
        dialog = {
            "title": _plain("Release this number?"),
            "text": {
                "type": "mrkdwn",
                "text": f"{e164} goes back to {row.item.entry.provider}. This cannot be undone.",
            },
            "confirm": _plain("Release"),
            "deny": _plain("Keep it"),
            "style": "danger",
        }
        release = button("Release", ids.HOME_RELEASE, e164, style="danger", confirm=dialog)
        blocks += [section(idle_line(row, view.simulated)), actions(info, release)]
    return blocks + _more(view, "idle", len(rows), limit, "numbers")


_BOUGHT = {"bought": "bought", "failed": "not bought", "taken": "not bought: someone else has it"}
_ASKED = {
    "pending": "⏳ waiting for an approver",
    "approved": "✅ approved",
    "denied": "❌ denied",
    "expired": "⌛ expired",
}


def _activity(row: Activity) -> str:
    if row.action == "buy":
        how = _BOUGHT.get(row.outcome, row.outcome or "under way")
        verb = "Bought" if row.outcome == "bought" else "Buying"
    else:
        how = _ASKED.get(row.outcome, row.outcome) + (f" by <@{row.by}>" if row.by else "")
        verb = "Asked for"
    cost = f" · {row.cost}" if row.cost else ""
    return f"{row.at:%Y-%m-%d %H:%M} · {verb} `{row.number}` ({row.provider}){cost} · {how}"


def _mine(view: HomeView, limit: int) -> list[Block]:
    rows = view.mine
    blocks = [header("Your recent purchases and requests")]
    if not rows:
        return [*blocks, context("Nothing yet: what you buy or ask for shows here.")]
    lines = [_activity(r) for r in rows[:limit]]
    for start in range(0, len(lines), LINES_PER_BLOCK):
        blocks.append(section("\n".join(lines[start : start + LINES_PER_BLOCK])))
    return blocks + _more(view, "mine", len(rows), limit, "entries")


# -- the view -------------------------------------------------------------------------


def _head(view: HomeView) -> list[Block]:
    assert view.role is not None
    line = f"Your role: *{view.role.value}* · as of {view.at:%Y-%m-%d %H:%M} UTC"
    if view.simulated and view.pool_total and set(view.by_provider) & view.simulated:
        line += f" · {SANDBOX_NOTE}"
    blocks = [header("numberbot"), context(line)]
    if view.notice:
        blocks.append(section(f"*Last action:* {view.notice}"))
    return blocks


def _blocks(view: HomeView, room: int) -> list[Block]:
    """Every section; the one in full gets `room` rows (blocks for the others come first)."""

    def rows(name: str) -> int:
        return room if view.expanded == name else SUMMARY[name]

    parts: list[list[Block]] = [_head(view)]
    if view.role is not None and view.role.allows(Role.approver):
        parts.append(_approvals(view, rows("approvals")))
    parts += [_spend(view), _pool(view), _idle(view, rows("idle")), _mine(view, rows("mine"))]
    blocks = parts[0]
    for part in parts[1:]:
        blocks += [divider(), *part]
    return blocks


def home_view(view: HomeView) -> dict[str, Any]:
    if view.help is not None or view.role is None:
        blocks = list(help_view(view.help).blocks or []) if view.help else []
        if view.notice:
            blocks.append(section(f"*Last action:* {view.notice}"))
        return {"type": "home", "blocks": blocks or [section("numberbot")]}
    blocks = _blocks(view, 0)
    if view.expanded in SUMMARY:
        # The section in full gets the blocks the others leave: an approval, or an admin's idle
        # number, takes two; a viewer's idle number one; ten of "your recent…" share one.
        left = VIEW_BLOCKS - len(blocks)
        admin = view.role.allows(Role.admin)
        per_block = {"approvals": 0.5, "idle": 0.5 if admin else 1, "mine": LINES_PER_BLOCK}[view.expanded]
        blocks = _blocks(view, int(left * per_block))
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}


def sheet_view(sheet: Sheet) -> dict[str, Any]:
    """A modal showing an answer (Info on a number), or that it is on its way."""
    from bot.blocks import render  # the table of renderers imports this module

    if sheet.content is not None:
        reply = render(sheet.content)
        blocks = list(reply.blocks or [section(reply.text)])
    else:
        blocks = [section(sheet.error or "Loading…")]
    return {"type": "modal", "title": _plain(sheet.title[:24]), "close": _plain("Close"), "blocks": blocks}
