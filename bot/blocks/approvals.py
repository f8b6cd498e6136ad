"""Approval requests in the approvals channel, their outcomes, and what the requester sees."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.common import (
    Block,
    actions,
    button,
    context,
    fields,
    header,
    provider_text,
    section,
    when,
)
from bot.blocks.purchase import spend_lines
from bot.budget import BudgetSettings, MonthSpend
from bot.models import Quote, show_money
from bot.phone import national_format
from bot.replies import Reply

__all__ = ["approval_closed", "approval_request", "deny_modal", "requester_notice"]


def _facts(quote: Quote) -> list[tuple[str, str]]:
    offer = quote.offer
    pairs = [
        ("Requested by", f"<@{quote.user_id}>"),
        ("Number", f"{national_format(offer.e164)}\n`{offer.e164}`"),
        ("Provider", provider_text(offer.provider)),
        ("Monthly", show_money(offer.monthly)),
        ("Setup", show_money(offer.setup)),
    ]
    if quote.accepted_charges is not None:
        pairs.append(("Charges to accept", quote.accepted_charges.display()))
    return pairs


def approval_request(quote: Quote, *, settings: BudgetSettings, spend: MonthSpend) -> Reply:
    pairs = [
        *_facts(quote),
        ("This month's spend", spend_lines(quote.charges(), settings, spend)),
        ("Quote expires", when(quote.expires_at)),
    ]
    blocks: list[Block] = [header("Purchase approval requested"), fields(pairs)]
    if quote.approval_reasons:
        blocks.append(section("*Why it needs approval:* " + "; ".join(quote.approval_reasons) + "."))
    blocks.append(
        actions(
            button("Approve", ids.APPROVE, quote.id, style="primary"),
            button("Deny", ids.DENY, quote.id, style="danger"),
            block_id="nb_approval",
        )
    )
    if quote.offer.provider == "sandbox":
        blocks.append(context("Sandbox purchase: simulated, nothing real is bought."))
    text = (
        f"<@{quote.user_id}> asks to buy {quote.offer.e164} from {provider_text(quote.offer.provider)} "
        f"for {show_money(quote.offer.monthly)}/month (setup {show_money(quote.offer.setup)})"
    )
    return Reply(text=text, blocks=blocks)


def approval_closed(quote: Quote, verdict: str) -> Reply:
    """The request after a decision: same facts, the verdict (mrkdwn, already escaped), no buttons."""
    blocks: list[Block] = [header("Purchase approval"), fields(_facts(quote)), section(verdict)]
    text = f"Approval for {quote.offer.e164} requested by <@{quote.user_id}>: {verdict}"
    return Reply(text=text, blocks=blocks, replace_original=True)


def requester_notice(text: str, *, ask_again: str | None = None) -> Reply:
    """`text` is mrkdwn: escape anything a user typed before passing it in."""
    blocks: list[Block] = [section(text)]
    if ask_again is not None:
        blocks.append(actions(button("Ask again", ids.ASK_AGAIN, ask_again, style="primary")))
    return Reply(text=text, blocks=blocks, replace_original=True)


def decided_at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def deny_modal(quote: Quote) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.DENY_MODAL,
        "private_metadata": json.dumps({"quote": quote.id}),
        "title": {"type": "plain_text", "text": "Deny purchase"},
        "submit": {"type": "plain_text", "text": "Deny"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [
            section(
                f"Deny <@{quote.user_id}>'s request for {quote.offer.e164} ({provider_text(quote.offer.provider)})?"
            ),
            {
                "type": "input",
                "block_id": ids.REASON,
                "optional": True,
                "label": {"type": "plain_text", "text": "Reason (the requester sees it)"},
                "element": {"type": "plain_text_input", "action_id": ids.REASON, "max_length": 200},
            },
        ],
    }
