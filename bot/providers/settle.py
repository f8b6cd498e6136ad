"""Settling a change whose answer failed us, by asking the account; and the number as bought.

A buy is never sent twice. When the provider refuses it, or its answer is lost, the account
decides: a number the account owns now counts as bought, whoever got it there. Each adapter
says what "owns now" means through ``owned_now`` (``BaseProvider``'s asks ``get``; Kazoo
counts only numbers in service); the rest of the rule is here, once. A forward whose answer
was lost is settled the same way: done if the account shows it.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.errors import OutcomeUnknown, ProviderError, ProviderRefused
from bot.models import Offer, OwnedNumber

__all__ = ["AccountCheck", "at_quoted_price", "owned_from_offer", "settle_buy", "settle_forward"]


class AccountCheck(Protocol):
    """What settling needs of an adapter: its label, `get`, and its "owned now?" hook."""

    @property
    def label(self) -> str: ...

    async def get(self, e164: str) -> OwnedNumber | None: ...

    async def owned_now(self, offer: Offer) -> OwnedNumber | None: ...


def owned_from_offer(offer: Offer, **overrides: Any) -> OwnedNumber:
    """A number just bought, as its offer described it (number, country, type, features,
    quoted monthly price): for when the account's own record is not at hand yet."""
    fields: dict[str, Any] = {
        "provider": offer.provider,
        "e164": offer.e164,
        "country": offer.country,
        "type": offer.type,
        "features": offer.features,
        "monthly": offer.monthly,
    }
    return OwnedNumber(**(fields | overrides))


def at_quoted_price(owned: OwnedNumber, offer: Offer) -> OwnedNumber:
    """The account's record, with the quoted monthly price where the account shows none."""
    return owned if owned.monthly else owned.model_copy(update={"monthly": offer.monthly})


async def settle_buy(provider: AccountCheck, offer: Offer, failure: str, *, definite: bool) -> OwnedNumber:
    """A buy was refused or went unanswered (`failure` says how): ask the account.

    Owned now → bought. Not owned after a `definite` refusal → refused. Not owned after a lost
    answer or a 5xx → still unknown: the provider may be completing it, so the purchase flow
    asks again after its grace period instead of calling it failed. An account that cannot be
    read leaves the outcome unknown too.
    """
    label = provider.label
    try:
        owned = await provider.owned_now(offer)
    except ProviderError:
        raise OutcomeUnknown(label, f"{failure}, and the account could not be checked yet") from None
    if owned is not None:
        return at_quoted_price(owned, offer)
    if not definite:
        raise OutcomeUnknown(label, f"{failure}; the account does not show it yet")
    raise ProviderRefused(label, f"{failure}; the account does not have it, so nothing was bought")


async def settle_forward(provider: AccountCheck, e164: str, destination: str, action: str) -> None:
    """A forward whose answer was lost: done when the account shows it (setting a forward
    twice is harmless, so this looks instead of failing); else unknown, to be run again."""
    try:
        owned = await provider.get(e164)
    except ProviderError:
        owned = None
    if owned is None or owned.forward_to != destination:
        failure = f"{action} got no answer and the change is not visible yet; run the command again"
        raise OutcomeUnknown(provider.label, failure) from None
