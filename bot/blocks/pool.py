"""The pool: list pages, one number in full, and release confirmations."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.blocks import ids
from bot.blocks.common import (
    SANDBOX,
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
from bot.models import OwnedNumber, show_money
from bot.phone import national_format
from bot.pool import PoolItem
from bot.replies import Reply

__all__ = [
    "PAGE_SIZE",
    "PoolRow",
    "info_view",
    "pool_page",
    "release_confirmation",
    "released",
]

PAGE_SIZE = 10  # 10 rows + header, notes and buttons stay far below Slack's 50 blocks


@dataclass(frozen=True)
class PoolRow:
    """A pool number joined with what its provider says now."""

    item: PoolItem
    live: OwnedNumber | None
    known: bool  # False when the provider could not be asked

    @property
    def gone(self) -> bool:
        return self.known and self.live is None

    @property
    def forward_to(self) -> str | None:
        return self.live.forward_to if self.live is not None else self.item.forward_to


def _row_text(row: PoolRow) -> str:
    entry = row.item.entry
    name = f" · _{escape(row.item.name)}_" if row.item.name else ""
    forward = f"forwards to {row.forward_to}" if row.forward_to else "not forwarded"
    monthly = row.live.monthly if row.live is not None and row.live.monthly is not None else entry.monthly
    how = "adopted" if entry.adopted else "bought"
    lines = [
        f"*{national_format(entry.e164)}*  `{entry.e164}`{name}",
        f"{provider_text(entry.provider)} · {forward} · {show_money(monthly)}/month",
        f"{how} by <@{entry.bought_by}> on {entry.bought_at.strftime('%Y-%m-%d %H:%M UTC')}",
    ]
    if row.gone:
        lines.append(f"⚠️ *no longer on the {entry.provider} account*")
    if row.item.releasing:
        lines.append("⏳ release in progress")
    return "\n".join(lines)


def pool_page(rows: list[PoolRow], *, page: int, provider: str | None, notes: list[str]) -> Reply:
    total = len(rows)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    scope = f" on {provider}" if provider else ""
    blocks: list[Block] = [header(f"Number pool{scope}: {total} number{'s' if total != 1 else ''}")]
    blocks += [section(_row_text(row)) for row in shown]
    if not rows:
        blocks.append(section("The pool is empty. Find numbers with `/number search <CC>`."))
    extra = list(notes)
    if any(row.item.entry.provider == SANDBOX for row in shown):
        extra.append(SANDBOX_NOTE)
    if pages > 1:
        extra.append(f"Page {page + 1} of {pages}")
    if extra:
        blocks.append(context(*extra))
    buttons = []
    if page > 0:
        buttons.append(button("◀ Previous", ids.LIST_PAGE, json.dumps({"page": page - 1, "provider": provider})))
    if page < pages - 1:
        buttons.append(button("Next ▶", ids.LIST_PAGE, json.dumps({"page": page + 1, "provider": provider})))
    if buttons:
        blocks.append(actions(*buttons, block_id="nb_list_nav"))
    text_rows = [
        f"{r.item.entry.e164} ({provider_text(r.item.entry.provider)})" + (" [gone]" if r.gone else "") for r in shown
    ]
    text = f"Number pool{scope}: {total}" + ("\n" + "\n".join(text_rows) if text_rows else "")
    return Reply(text=text, blocks=blocks, replace_original=True)


def info_view(row: PoolRow, note: str | None = None) -> Reply:
    entry = row.item.entry
    live = row.live
    pairs = [
        ("Number", f"{national_format(entry.e164)}\n`{entry.e164}`"),
        ("Provider", provider_text(entry.provider)),
        ("Name", escape(row.item.name) if row.item.name else "not named"),
        ("Forwarding", row.forward_to or "not forwarded"),
        ("Monthly", show_money(live.monthly if live and live.monthly else entry.monthly)),
        ("Setup", show_money(entry.setup)),
        ("Bought by" if not entry.adopted else "Adopted by", f"<@{entry.bought_by}>"),
        ("Since", entry.bought_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    if live is not None:
        pairs.append(("Type", f"{type_text(live.type)} · {features_text(live.features)}"))
    blocks: list[Block] = [header(f"{entry.e164}"), fields(pairs)]
    extra = []
    if live is not None and live.details:
        blocks.append(section("\n".join(f"*{escape(k)}:* {escape(v)}" for k, v in live.details.items())))
    if row.gone:
        extra.append(f"⚠️ {entry.e164} is no longer on the {entry.provider} account.")
    if row.item.releasing:
        extra.append("⏳ A release is in progress.")
    if note:
        extra.append(note)
    if entry.provider == SANDBOX:
        extra.append(SANDBOX_NOTE)
    if extra:
        blocks.append(context(*extra))
    text = f"{entry.e164} ({provider_text(entry.provider)}): " + ", ".join(f"{k.lower()} {v}" for k, v in pairs[2:5])
    return Reply(text=text, blocks=blocks, replace_original=True)


def release_confirmation(e164: str, provider: str, intent_id: str, name: str | None) -> Reply:
    label = f" ({escape(name)})" if name else ""
    where = provider_text(provider)
    warning = (
        f"Release *{e164}*{label} back to {where}? The number leaves the account and the pool; "
        "it may not be possible to get it back."
    )
    dialog = {
        "title": {"type": "plain_text", "text": "Release this number?"},
        "text": {"type": "mrkdwn", "text": f"{e164} goes back to {where}. This cannot be undone."},
        "confirm": {"type": "plain_text", "text": "Release"},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger",
    }
    blocks: list[Block] = [
        section(warning),
        actions(
            button(f"Release {e164}", ids.RELEASE, intent_id, style="danger", confirm=dialog),
            button("Cancel", ids.RELEASE_CANCEL, intent_id),
        ),
    ]
    if provider == SANDBOX:
        blocks.append(context(SANDBOX_NOTE))
    return Reply(text=f"Release {e164} ({where})? Confirm with the button.", blocks=blocks)


def released(e164: str, provider: str, note: str | None = None) -> Reply:
    text = f"🗑️ Released {e164} back to {provider_text(provider)}; it has left the pool."
    if note:
        text += f" {note}"
    return Reply(text=text, blocks=[section(escape(text))], replace_original=True)
