"""The purchase confirmation and its outcomes."""

from __future__ import annotations

from bot.blocks import ids
from bot.blocks.balance import balance_pair, over_balance_blocks
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
    when,
)
from bot.blocks.money import cents, with_team_currency
from bot.models import Money, Quote, show_money
from bot.outcomes import (
    Bought,
    NumberTaken,
    PurchaseFailed,
    PurchasePending,
    QuoteCancelled,
    Quoted,
    Requoted,
    Spend,
)
from bot.phone import national_format
from bot.replies import Reply

__all__ = [
    "bought",
    "confirm_label",
    "confirmation",
    "number_taken",
    "purchase_failed",
    "purchase_pending",
    "quote_cancelled",
    "requoted",
    "spend_lines",
]


def confirm_label(quote: Quote) -> str:
    """The Confirm button's text, with the cost the click commits to."""
    offer = quote.offer
    parts = [f"{show_money(offer.monthly)}/mo"]
    if offer.setup is not None and offer.setup.amount:
        parts.append(f"{offer.setup.display()} setup")
    elif offer.setup is None:
        parts.append("setup unknown")
    if quote.accepted_charges is not None:
        parts.append(f"{quote.accepted_charges.display()} charges")
    return f"Confirm purchase ({' + '.join(parts)})"


def spend_lines(charges: list[Money], spend: Spend) -> str:
    """What this month's spend becomes, in the team currency, against the budget."""
    if not charges:
        return "cost unknown: this month's spend cannot be projected"
    before, held, after = spend.spent, spend.held, spend.after(charges)
    if before is None or held is None or after is None:
        recorded = [m for e in (*spend.month.spent, *spend.month.held) for m in e.charges]
        missing = ", ".join(spend.no_rate([*charges, *recorded]))
        return f"cannot be projected: there is no exchange rate for {missing}"
    line = cents(before) + (f" + {cents(held)} in flight" if held.amount else "") + f" → {cents(after)}"
    budget = spend.settings.budget
    return line + (f" of {budget.display()} budget" if budget else " (no budget set)")


def _confirmation(
    quote: Quote, spend: Spend, simulated: frozenset[str], *, charges_note: str | None, replace: bool
) -> Reply:
    offer = quote.offer
    is_simulated = offer.provider in simulated
    title = "Confirm sandbox purchase (simulated)" if is_simulated else "Confirm purchase"
    pairs = [
        ("Number", f"{national_format(offer.e164)}\n`{offer.e164}`"),
        ("Provider", provider_text(offer.provider, simulated)),
        ("Type", f"{type_text(offer.type)} · {features_text(offer.features)}"),
        ("Monthly", with_team_currency(offer.monthly, spend.currency, spend.rates)),
        ("Setup", with_team_currency(offer.setup, spend.currency, spend.rates)),
        ("This month's spend", spend_lines(quote.charges(), spend)),
        ("Quote expires", when(quote.expires_at)),
    ]
    if quote.accepted_charges is not None:
        pairs.insert(5, ("Charges to accept", quote.accepted_charges.display()))
    if quote.hold is not None and quote.hold.expires_at is not None:
        pairs.append(("Reserved until", when(quote.hold.expires_at)))
    pairs += filter(None, [balance_pair(quote)])
    blocks: list[Block] = [header(title), fields(pairs)]
    notes = []
    if charges_note:
        notes.append(escape(charges_note))
    if quote.hold is not None and quote.hold.note:
        notes.append(escape(quote.hold.note))
    if is_simulated:
        notes.append(SANDBOX_NOTE)
    if quote.approval_reasons:
        blocks.append(section("*Approval needed:* " + "; ".join(quote.approval_reasons) + "."))
        blocks.append(
            actions(
                button("Request approval", ids.REQUEST_APPROVAL, quote.id, style="primary"),
                button("Cancel", ids.CANCEL, quote.id),
            )
        )
    elif quote.over_balance_unconfirmed:
        blocks += over_balance_blocks(quote)
    else:
        blocks.append(
            actions(
                button(confirm_label(quote), ids.CONFIRM, quote.id, style="primary"),
                button("Cancel", ids.CANCEL, quote.id),
            )
        )
    if notes:
        blocks.append(context(*notes))
    verb = "Approval needed for" if quote.approval_reasons else "Confirm purchase of"
    costs = f"{show_money(offer.monthly)}/month, setup {show_money(offer.setup)}"
    text = f"{verb} {offer.e164} from {provider_text(offer.provider, simulated)}: {costs}"
    return Reply(text=text, blocks=blocks, replace_original=replace)


def confirmation(outcome: Quoted) -> Reply:
    """A new message: the search results stay for other picks."""
    return _confirmation(outcome.quote, outcome.spend, outcome.simulated, charges_note=None, replace=False)


def requoted(outcome: Requoted) -> Reply:
    """The confirmation the user clicked, replaced by what it needs now."""
    quote = outcome.quote
    note = None
    if outcome.charges_detail is not None and quote.accepted_charges is not None:
        where = provider_text(quote.offer.provider, outcome.simulated)
        note = f"{where} asks for {quote.accepted_charges.display()} to activate this number. {outcome.charges_detail}"
    return _confirmation(quote, outcome.spend, outcome.simulated, charges_note=note and note.strip(), replace=True)


def quote_cancelled(outcome: QuoteCancelled) -> Reply:
    note = ""
    if outcome.unhold_error:
        note = f" (the reservation could not be given back: {outcome.unhold_error}; it expires by itself)"
    return Reply(text=f"Cancelled: {outcome.e164} was not bought{note}.", replace_original=True)


def bought(outcome: Bought) -> Reply:
    offer = outcome.quote.offer
    where = provider_text(offer.provider, outcome.simulated)
    text = (
        f"✅ bought {offer.e164} from {where} for {show_money(offer.monthly)}/month "
        f"(setup {show_money(offer.setup)}). It is in the pool, bought by <@{outcome.buyer}>."
    )
    if offer.provider in outcome.simulated:
        text += " (sandbox: simulated, nothing real was bought)"
    lines = [section(text)]
    if outcome.owned is not None and outcome.owned.forward_to:
        lines.append(context(f"Forwarding to {outcome.owned.forward_to}"))
    return Reply(text=text, blocks=lines, replace_original=True)


def purchase_failed(outcome: PurchaseFailed) -> Reply:
    text = f"❌ The purchase of {outcome.quote.offer.e164} did not go through: {outcome.reason}"
    return Reply(text=text, blocks=[section(escape(text))], replace_original=True)


def purchase_pending(outcome: PurchasePending) -> Reply:
    quote = outcome.quote
    text = f"⏳ {quote.offer.e164} ({provider_text(quote.offer.provider, outcome.simulated)}): {outcome.message}"
    return Reply(text=text, blocks=[section(escape(text))], replace_original=True)


def number_taken(outcome: NumberTaken) -> Reply:
    e164 = outcome.quote.offer.e164
    doing = "already bought" if outcome.bought else "already being bought"
    text = f"⛔ {e164} is {doing} by <@{outcome.holder}>; nothing was bought and nothing was spent."
    return Reply(text=text, blocks=[section(text)], replace_original=True)
