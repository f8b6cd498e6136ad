"""settle_buy and settle_forward: a change whose answer failed us is settled by the account."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.errors import OutcomeUnknown, ProviderRefused, ProviderUnavailable
from bot.models import Feature, Money, NumberType, Offer, OwnedNumber
from bot.providers.settle import at_quoted_price, owned_from_offer, settle_buy, settle_forward

OFFER = Offer(
    provider="example",
    e164="+442079460100",
    country="GB",
    type=NumberType.local,
    features=frozenset({Feature.voice}),
    monthly=Money(amount=Decimal("1.25"), currency="EUR"),
)


class Account:
    """An adapter as settling sees it: a label, and what its account shows (or a failure)."""

    label = "Example"

    def __init__(self, owned: OwnedNumber | None = None, *, unreadable: bool = False) -> None:
        self.owned = owned
        self.unreadable = unreadable

    async def get(self, e164: str) -> OwnedNumber | None:
        if self.unreadable:
            raise ProviderUnavailable(self.label, "looking up timed out")
        return self.owned if self.owned is not None and self.owned.e164 == e164 else None

    async def owned_now(self, offer: Offer) -> OwnedNumber | None:
        return await self.get(offer.e164)


def test_owned_from_offer_keeps_what_the_offer_said() -> None:
    owned = owned_from_offer(OFFER, details={"State": "in_service"})
    assert (owned.provider, owned.e164, owned.country, owned.type) == ("example", OFFER.e164, "GB", NumberType.local)
    assert (owned.features, owned.monthly, owned.details) == (OFFER.features, OFFER.monthly, {"State": "in_service"})


def test_the_quoted_price_fills_only_a_missing_one() -> None:
    shown = Money(amount=Decimal("2.00"), currency="EUR")
    assert at_quoted_price(owned_from_offer(OFFER, monthly=None), OFFER).monthly == OFFER.monthly
    assert at_quoted_price(owned_from_offer(OFFER, monthly=shown), OFFER).monthly == shown


@pytest.mark.parametrize("definite", [True, False])
async def test_a_number_the_account_owns_counts_as_bought(definite: bool) -> None:
    account = Account(owned_from_offer(OFFER, monthly=None))
    owned = await settle_buy(account, OFFER, "could not buy it: method failed", definite=definite)
    assert owned.e164 == OFFER.e164
    assert owned.monthly == OFFER.monthly, "the account shows no price: the quoted one is kept"


async def test_not_owned_after_a_definite_refusal_is_refused() -> None:
    with pytest.raises(ProviderRefused) as refused:
        await settle_buy(Account(), OFFER, "could not buy it: no credit", definite=True)
    assert refused.value.user_message == (
        "Example: could not buy it: no credit; the account does not have it, so nothing was bought"
    )


async def test_not_owned_after_a_lost_answer_is_still_unknown() -> None:
    with pytest.raises(OutcomeUnknown, match="buying got no answer; the account does not show it yet"):
        await settle_buy(Account(), OFFER, "buying got no answer", definite=False)


@pytest.mark.parametrize("definite", [True, False])
async def test_an_account_that_cannot_be_read_leaves_the_buy_unknown(definite: bool) -> None:
    with pytest.raises(OutcomeUnknown, match="could not be checked yet"):
        await settle_buy(Account(unreadable=True), OFFER, "buying got no answer", definite=definite)


@pytest.mark.parametrize(
    ("account", "done"),
    [
        (Account(owned_from_offer(OFFER, forward_to="+447400123456")), True),
        (Account(owned_from_offer(OFFER, forward_to="+447400000000")), False),
        (Account(), False),
        (Account(unreadable=True), False),
    ],
    ids=["shown", "another-destination", "not-on-the-account", "unreadable"],
)
async def test_a_lost_forward_is_done_only_when_the_account_shows_it(account: Account, done: bool) -> None:
    if done:
        await settle_forward(account, OFFER.e164, "+447400123456", "forwarding it")
        return
    with pytest.raises(OutcomeUnknown, match=r"forwarding it got no answer .*run the command again"):
        await settle_forward(account, OFFER.e164, "+447400123456", "forwarding it")
