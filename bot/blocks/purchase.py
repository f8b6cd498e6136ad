"""The purchase confirmation and its outcomes."""

from __future__ import annotations

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
    when,
)
from bot.budget import BudgetSettings, MonthSpend
from bot.models import Money, OwnedNumber, Quote, show_money
from bot.phone import national_format
from bot.replies import Reply

__all__ = [
    "bought",
    "confirm_label",
    "confirmation",
    "purchase_failed",
    "purchase_pending",
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


def spend_lines(charges: list[Money], settings: BudgetSettings, spend: MonthSpend) -> str:
    """What this month's spend becomes, per currency, against the budget."""
    if not charges:
        return "cost unknown: this month's spend cannot be projected"
    after = spend.after(charges)
    lines = []
    for currency, total in sorted(after.items()):
        before = spend.totals.get(currency)
        budget = settings.budgets.get(currency)
        line = f"{before.display() if before else f'0.00 {currency}'} → {total.display()}"
        line += f" of {budget.display()} budget" if budget else " (no budget set)"
        lines.append(line)
    return "\n".join(lines)


def confirmation(
    quote: Quote, *, settings: BudgetSettings, spend: MonthSpend, charges_note: str | None = None
) -> Reply:
    offer = quote.offer
    sandbox = offer.provider == SANDBOX
    title = "Confirm sandbox purchase (simulated)" if sandbox else "Confirm purchase"
    pairs = [
        ("Number", f"{national_format(offer.e164)}\n`{offer.e164}`"),
        ("Provider", provider_text(offer.provider)),
        ("Type", f"{type_text(offer.type)} · {features_text(offer.features)}"),
        ("Monthly", show_money(offer.monthly)),
        ("Setup", show_money(offer.setup)),
        ("This month's spend", spend_lines(quote.charges(), settings, spend)),
        ("Quote expires", when(quote.expires_at)),
    ]
    if quote.accepted_charges is not None:
        pairs.insert(5, ("Charges to accept", quote.accepted_charges.display()))
    if quote.hold is not None and quote.hold.expires_at is not None:
        pairs.append(("Reserved until", when(quote.hold.expires_at)))
    blocks: list[Block] = [header(title), fields(pairs)]
    notes = []
    if charges_note:
        notes.append(charges_note)
    if quote.hold is not None and quote.hold.note:
        notes.append(escape(quote.hold.note))
    if sandbox:
        notes.append(SANDBOX_NOTE)
    if quote.approval_reasons:
        blocks.append(section("*Approval needed:* " + "; ".join(quote.approval_reasons) + "."))
        blocks.append(
            actions(
                button("Request approval", ids.REQUEST_APPROVAL, quote.id, style="primary"),
                button("Cancel", ids.CANCEL, quote.id),
            )
        )
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
    text = f"{verb} {offer.e164} from {provider_text(offer.provider)}: {costs}"
    return Reply(text=text, blocks=blocks)


def bought(quote: Quote, owned: OwnedNumber | None, buyer: str, *, late: bool = False) -> Reply:
    offer = quote.offer
    where = provider_text(offer.provider)
    lead = "It went through after all: " if late else ""
    text = (
        f"✅ {lead}bought {offer.e164} from {where} for {show_money(offer.monthly)}/month "
        f"(setup {show_money(offer.setup)}). It is in the pool, bought by <@{buyer}>."
    )
    if offer.provider == SANDBOX:
        text += " (sandbox: simulated, nothing real was bought)"
    lines = [section(text)]
    if owned is not None and owned.forward_to:
        lines.append(context(f"Forwarding to {owned.forward_to}"))
    return Reply(text=text, blocks=lines, replace_original=True)


def purchase_failed(quote: Quote | None, reason: str) -> Reply:
    number = f" {quote.offer.e164}" if quote else ""
    text = f"❌ The purchase of{number} did not go through: {reason}"
    return Reply(text=text, blocks=[section(escape(text))], replace_original=True)


def purchase_pending(quote: Quote, message: str) -> Reply:
    text = f"⏳ {quote.offer.e164} ({provider_text(quote.offer.provider)}): {message}"
    return Reply(text=text, blocks=[section(escape(text))], replace_original=True)
