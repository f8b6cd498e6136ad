"""The Kazoo adapter's number-document features when an answer is lost, and its balance."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from bot.errors import OutcomeUnknown
from bot.models import EmergencyAddress, Money
from bot.providers.kazoo import KazooProvider
from bot.providers.kazoo_features import kazoo_cnam, kazoo_e911
from tests.providers.contract import Account, Listing
from tests.providers.kazoo import US
from tests.providers.kazoo_wire import KazooWire

ADDRESS = EmergencyAddress(
    street_number="116", street_name="Natoma St", city="San Francisco", state="CA", postal_code="94105", country="US"
)


@pytest.fixture
def owned(wire: KazooWire, account: Account) -> KazooWire:
    account.own(Listing(e164=US, country="US"))
    return wire


@pytest.mark.parametrize("happened", [True, False])
async def test_a_save_without_an_answer_is_read_back(kazoo: KazooProvider, owned: KazooWire, happened: bool) -> None:
    def lost(request: httpx.Request, number: str) -> httpx.Response:
        if happened:
            owned.save_number(request, number)  # Kazoo saved it; the answer is lost on the way back
        raise httpx.ReadTimeout("no answer", request=request)

    owned.save_route.side_effect = lost
    if happened:
        assert (await kazoo.set_e911(US, ADDRESS, None)).registered
    else:
        with pytest.raises(OutcomeUnknown, match="run the command again"):
            await kazoo.set_e911(US, ADDRESS, None)
    assert ("e911" in owned.public.get(US, {})) is happened


async def test_the_balance_comes_from_transactions_or_else_the_ledgers(kazoo: KazooProvider, owned: KazooWire) -> None:
    owned.balance = Decimal("-2.75")  # postpaid accounts go below zero
    assert await kazoo.balance() == Money(amount=Decimal("-2.75"), currency="USD")
    owned.kazoo5 = True
    owned.balance = Decimal("9.18")
    assert await kazoo.balance() == Money(amount=Decimal("9.18"), currency="USD")


def test_documents_and_listings_are_read_as_kazoo_writes_them() -> None:
    legacy = {"dash_e911": {"street_address": "116 NATOMA ST", "locality": "SAN FRANCISCO", "region": "CA",
                            "postal_code": "94105", "status": "GEOCODED"}}  # fmt: skip
    assert kazoo_e911(legacy).address == "116 NATOMA ST, SAN FRANCISCO, CA 94105"
    assert kazoo_e911(legacy).state == "GEOCODED"
    listed = {"features": ["local", "e911", "outbound_cnam"]}  # a listing names active features only
    assert kazoo_e911(listed).registered
    assert (kazoo_cnam(listed).state, kazoo_cnam(listed).inbound_lookup) == ("active", False)
    assert not kazoo_e911({"features": ["local"]}).registered
