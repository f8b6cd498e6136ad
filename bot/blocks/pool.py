"""The pool: list pages, one number in full, and the answers to name, forward and adopt."""

from __future__ import annotations

import json

from bot.blocks import ids
from bot.blocks.common import (
    SANDBOX_NOTE,
    Block,
    actions,
    button,
    context,
    escape,
    features_text,
    fields,
    header,
    provider_text,
    section,
    type_text,
)
from bot.blocks.emergency import e911_line, number_lines
from bot.models import SmsRouting, show_money
from bot.outcomes import Adopted, Forwarded, Named, NumberInfo, PoolPage, PoolRow
from bot.phone import national_format
from bot.replies import Reply

__all__ = ["adopted", "forwarded", "info_view", "named", "pool_page"]


def _row_text(row: PoolRow, simulated: frozenset[str]) -> str:
    entry = row.item.entry
    name = f" · _{escape(row.item.name)}_" if row.item.name else ""
    forward = f"forwards to {row.forward_to}" if row.forward_to else "not forwarded"
    monthly = row.live.monthly if row.live is not None and row.live.monthly is not None else entry.monthly
    how = "adopted" if entry.adopted else "bought"
    lines = [
        f"*{national_format(entry.e164)}*  `{entry.e164}`{name}",
        f"{provider_text(entry.provider, simulated)} · {forward} · {show_money(monthly)}/month",
        f"{how} by <@{entry.bought_by}> on {entry.bought_at.strftime('%Y-%m-%d %H:%M UTC')}",
    ]
    if row.item.sms is not None:
        lines.append(_sms_text(row.item.sms))
    if row.gone:
        lines.append(f"⚠️ *no longer on the {entry.provider} account*")
    if row.item.releasing:
        lines.append("⏳ release in progress")
    lines += filter(None, [e911_line(row)])
    return "\n".join(lines)


def _sms_text(routing: SmsRouting) -> str:
    return f"📨 SMS to <#{routing.channel}>" + (" (private: sender and time only)" if routing.private else "")


def pool_page(outcome: PoolPage) -> Reply:
    """A page of the pool; a page turned by Previous/Next replaces the page it was turned from."""
    shown, provider, simulated = outcome.rows, outcome.provider, outcome.simulated
    total = outcome.total
    pages = max(1, -(-total // outcome.page_size))
    page = min(max(outcome.page, 0), pages - 1)
    scope = f" on {provider}" if provider else ""
    blocks: list[Block] = [header(f"Number pool{scope}: {total} number{'s' if total != 1 else ''}")]
    blocks += [section(_row_text(row, simulated)) for row in shown]
    if not total:
        blocks.append(section("The pool is empty. Find numbers with `/number search <CC>`."))
    extra = list(outcome.notes)
    if any(row.item.entry.provider in simulated for row in shown):
        extra.append(SANDBOX_NOTE)
    if pages > 1:
        extra.append(f"Page {page + 1} of {pages}")
    if extra:
        blocks.append(context(*extra))
    buttons = []
    if page > 0:
        buttons.append(button("◀ Previous", ids.LIST_PREVIOUS, json.dumps({"page": page - 1, "provider": provider})))
    if page < pages - 1:
        buttons.append(button("Next ▶", ids.LIST_NEXT, json.dumps({"page": page + 1, "provider": provider})))
    if buttons:
        blocks.append(actions(*buttons, block_id=ids.LIST_NAV))
    text_rows = [
        f"{r.item.entry.e164} ({provider_text(r.item.entry.provider, simulated)})" + (" [gone]" if r.gone else "")
        for r in shown
    ]
    text = f"Number pool{scope}: {total}" + ("\n" + "\n".join(text_rows) if text_rows else "")
    return Reply(text=text, blocks=blocks, replace_original=outcome.turned)


def info_view(outcome: NumberInfo) -> Reply:
    row, simulated = outcome.row, outcome.simulated
    entry = row.item.entry
    live = row.live
    pairs = [
        ("Number", f"{national_format(entry.e164)}\n`{entry.e164}`"),
        ("Provider", provider_text(entry.provider, simulated)),
        ("Name", escape(row.item.name) if row.item.name else "not named"),
        ("Forwarding", row.forward_to or "not forwarded"),
        ("Monthly", show_money(live.monthly if live and live.monthly else entry.monthly)),
        ("Setup", show_money(entry.setup)),
        ("Bought by" if not entry.adopted else "Adopted by", f"<@{entry.bought_by}>"),
        ("Since", entry.bought_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    if live is not None:
        pairs.append(("Type", f"{type_text(live.type)} · {features_text(live.features)}"))
    blocks: list[Block] = [header(f"{entry.e164}"), fields(pairs), *number_lines(live)]
    extra = []
    if live is not None and live.details:
        blocks.append(section("\n".join(f"*{escape(k)}:* {escape(v)}" for k, v in live.details.items())))
    if row.gone:
        extra.append(f"⚠️ {entry.e164} is no longer on the {entry.provider} account.")
    if row.item.releasing:
        extra.append("⏳ A release is in progress.")
    if row.item.sms is not None:
        extra.append(_sms_text(row.item.sms))
    if outcome.note:
        extra.append(escape(outcome.note))
    if entry.provider in simulated:
        extra.append(SANDBOX_NOTE)
    if extra:
        blocks.append(context(*extra))
    text = f"{entry.e164} ({provider_text(entry.provider, simulated)}): " + ", ".join(
        f"{k.lower()} {v}" for k, v in pairs[2:5]
    )
    return Reply(text=text, blocks=blocks)


def named(outcome: Named) -> Reply:
    note = ""
    if outcome.provider_note:
        note = f" The name is saved in the bot, but {escape(outcome.provider_note)}"
    return Reply(text=f"{outcome.e164} is now named “{escape(outcome.name)}”.{note}")


def forwarded(outcome: Forwarded) -> Reply:
    where = provider_text(outcome.provider, outcome.simulated)
    note = " (sandbox: simulated)" if outcome.provider in outcome.simulated else ""
    return Reply(text=f"↪️ Calls to {outcome.e164} now forward to {outcome.destination} via {where}{note}.")


def adopted(outcome: Adopted) -> Reply:
    where = provider_text(outcome.provider, outcome.simulated)
    return Reply(text=f"📥 Adopted {outcome.e164} from {where} into the pool.")
