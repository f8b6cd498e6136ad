"""The provider balance on purchase confirmations and approval requests, and "Buy anyway"."""

from __future__ import annotations

from bot.blocks import ids
from bot.blocks.common import Block, actions, button, section
from bot.models import Quote, show_money

__all__ = ["balance_pair", "over_balance_blocks"]


def balance_pair(quote: Quote) -> tuple[str, str] | None:
    """("Vonage balance", "42.00 EUR (14:02 UTC)"), flagged when the purchase goes over it."""
    check = quote.balance
    if check is None:
        return None
    text = f"{check.balance.display()} (as of {check.at.strftime('%H:%M UTC')})"
    if check.over:
        text = f"⚠️ {text}: less than the {show_money(check.needed)} this purchase takes now"
        if check.confirmed_by:
            text += f"; <@{check.confirmed_by}> chose to buy anyway"
    return f"{quote.offer.provider} balance", text


def over_balance_blocks(quote: Quote) -> list[Block]:
    """In place of Confirm while the buyer has not chosen to go over the balance: why, and the
    button whose click (checked against the stored quote) records that choice."""
    check = quote.balance
    assert check is not None
    why = (
        f"*Over the {quote.offer.provider} balance:* this purchase takes {show_money(check.needed)} now and the "
        f"account has {check.balance.display()}. The provider may refuse it, or bill it on credit."
    )
    return [
        section(why),
        actions(
            button("Buy anyway (over the balance)", ids.OVER_BALANCE, quote.id, style="danger"),
            button("Cancel", ids.CANCEL, quote.id),
        ),
    ]
