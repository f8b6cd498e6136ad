"""Approval requests in the approvals channel, their outcomes, and what the requester sees."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.balance import balance_pair
from bot.blocks.common import (
    Block,
    actions,
    button,
    context,
    escape,
    fields,
    header,
    provider_text,
    section,
    when,
)
from bot.blocks.purchase import spend_lines
from bot.models import Quote, show_money
from bot.outcomes import (
    ApprovalClosed,
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRequested,
    Bought,
    DenyForm,
    NumberTaken,
    PurchaseFailed,
    PurchasePending,
    RequesterNotice,
)
from bot.phone import national_format
from bot.replies import Reply

__all__ = ["approval_closed", "approval_request", "approval_requested", "deny_form", "requester_notice"]


def decided_at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _facts(quote: Quote, simulated: frozenset[str]) -> list[tuple[str, str]]:
    offer = quote.offer
    pairs = [
        ("Requested by", f"<@{quote.user_id}>"),
        ("Number", f"{national_format(offer.e164)}\n`{offer.e164}`"),
        ("Provider", provider_text(offer.provider, simulated)),
        ("Monthly", show_money(offer.monthly)),
        ("Setup", show_money(offer.setup)),
    ]
    if quote.accepted_charges is not None:
        pairs.append(("Charges to accept", quote.accepted_charges.display()))
    return pairs + list(filter(None, [balance_pair(quote)]))


def approval_request(outcome: ApprovalRequest) -> Reply:
    """The request with Approve / Deny; in place of the approval message when charges followed one."""
    quote, simulated = outcome.quote, outcome.simulated
    pairs = [
        *_facts(quote, simulated),
        ("This month's spend", spend_lines(quote.charges(), outcome.spend)),
        ("Quote expires", when(quote.expires_at)),
    ]
    blocks: list[Block] = [header("Purchase approval requested"), fields(pairs)]
    text = (
        f"<@{quote.user_id}> asks to buy {quote.offer.e164} from {provider_text(quote.offer.provider, simulated)} "
        f"for {show_money(quote.offer.monthly)}/month (setup {show_money(quote.offer.setup)})"
    )
    if outcome.approved_by is not None and quote.accepted_charges is not None:
        stamp = f" at {decided_at(outcome.approved_at)}" if outcome.approved_at else ""
        note = (
            f"Approved by <@{outcome.approved_by}>{stamp}, but {provider_text(quote.offer.provider, simulated)} "
            f"asks for {quote.accepted_charges.display()} to activate it: that needs approving too."
        )
        blocks.insert(1, section(note))
        text = f"{note} {text}"
    if quote.approval_reasons:
        blocks.append(section("*Why it needs approval:* " + "; ".join(quote.approval_reasons) + "."))
    blocks.append(
        actions(
            button("Approve", ids.APPROVE, quote.id, style="primary"),
            button("Deny", ids.DENY, quote.id, style="danger"),
            block_id=ids.APPROVAL_BUTTONS,
        )
    )
    if quote.offer.provider in simulated:
        blocks.append(context("Sandbox purchase: simulated, nothing real is bought."))
    return Reply(text=text, blocks=blocks, replace_original=True)


def approval_requested(outcome: ApprovalRequested) -> Reply:
    text = (
        f"🙋 Approval requested in <#{outcome.channel}> for {outcome.e164} "
        f"({provider_text(outcome.provider, outcome.simulated)}). You will hear back here."
    )
    return Reply(text=text, replace_original=True)


def _result(decision: ApprovalDecision) -> str:
    """How the approved purchase went, as the end of a sentence."""
    match decision.purchase:
        case Bought():
            return f"bought {decision.quote.offer.e164}"
        case PurchaseFailed(reason=reason):
            return f"the purchase failed: {escape(reason)}"
        case PurchasePending():
            return "the provider has not confirmed yet; the outcome will follow"
        case NumberTaken(holder=holder, bought=done):
            return f"nothing was bought: it is {'already bought' if done else 'already being bought'} by <@{holder}>"
    return "the provider asks for charges first"


def _approved(decision: ApprovalDecision) -> str:
    stamp = f" at {decided_at(decision.at)}" if decision.at else ""
    return f"✅ Approved by <@{decision.by}>{stamp}"


def _because(decision: ApprovalDecision) -> str:
    return f": {escape(decision.reason)}" if decision.reason else ""


def _verdict(decision: ApprovalDecision) -> str:
    if decision.decision == "expired":
        return "⌛ The quote expired before a decision; nothing was bought."
    if decision.decision == "denied":
        stamp = f" at {decided_at(decision.at)}" if decision.at else ""
        return f"❌ Denied by <@{decision.by}>{stamp}{_because(decision)}"
    if decision.error is not None:
        return f"{_approved(decision)}, but {escape(decision.error)}"
    if decision.purchase is None:
        return f"{_approved(decision)}; buying…"
    return f"{_approved(decision)}: {_result(decision)}."


def approval_closed(outcome: ApprovalClosed) -> Reply:
    """The request after a decision: same facts, the verdict, no buttons."""
    quote = outcome.decision.quote
    verdict = _verdict(outcome.decision)
    blocks: list[Block] = [header("Purchase approval"), fields(_facts(quote, outcome.simulated)), section(verdict)]
    text = f"Approval for {quote.offer.e164} requested by <@{quote.user_id}>: {verdict}"
    return Reply(text=text, blocks=blocks, replace_original=True)


def requester_notice(outcome: RequesterNotice) -> Reply:
    decision = outcome.decision
    e164 = decision.quote.offer.e164
    blocks: list[Block] = []
    if decision.decision == "expired":
        text = f"⌛ Your request for {e164} expired before anyone approved it; nothing was bought."
        blocks = [section(text), actions(button("Ask again", ids.ASK_AGAIN, decision.quote.id, style="primary"))]
    elif decision.decision == "denied":
        text = f"<@{decision.by}> denied your request for {e164}{_because(decision)}. Nothing was bought."
    elif decision.error is not None or decision.purchase is None:
        text = _verdict(decision)
    else:
        text = f"<@{decision.by}> approved your request: {_result(decision)}."
    return Reply(text=text, blocks=blocks or [section(text)], replace_original=True)


def deny_form(outcome: DenyForm) -> dict[str, Any]:
    quote = outcome.quote
    where = provider_text(quote.offer.provider, outcome.simulated)
    return {
        "type": "modal",
        "callback_id": ids.DENY_MODAL,
        "private_metadata": json.dumps({"quote": quote.id}),
        "title": {"type": "plain_text", "text": "Deny purchase"},
        "submit": {"type": "plain_text", "text": "Deny"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [
            section(f"Deny <@{quote.user_id}>'s request for {quote.offer.e164} ({where})?"),
            {
                "type": "input",
                "block_id": ids.REASON,
                "optional": True,
                "label": {"type": "plain_text", "text": "Reason (the requester sees it)"},
                "element": {"type": "plain_text_input", "action_id": ids.REASON, "max_length": 200},
            },
        ],
    }
