"""Kazoo buy: the charges Kazoo asks for (accepted only as the user saw them), and settling failed answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from bot.errors import ChargesRequired, OutcomeUnknown, ProviderRefused, ProviderUnavailable
from bot.models import Money
from bot.providers.kazoo import KazooProvider
from tests.fakes import StaticProgress
from tests.providers.contract import Account, Listing
from tests.providers.kazoo import US, order_for
from tests.providers.kazoo_wire import KazooWire, error, json_of, plan_charges


def activations(router: respx.MockRouter) -> list[dict[str, Any]]:
    return [json_of(c.request) for c in router.calls if c.request.url.path.endswith("/activate")]


async def test_a_402_is_shown_as_charges_and_nothing_is_accepted(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    wire.charges = plan_charges(rate="2.00", activation="1.50")
    wire.mock_buy()
    with pytest.raises(ChargesRequired) as asked:
        await kazoo.buy(order_for(), StaticProgress())
    assert asked.value.charges == Money(amount=Decimal("3.50"), currency="USD")
    assert asked.value.detail == (
        "Kazoo's service plan: 1.50 USD activation + the first month of phone_numbers did_us 2.00 USD/month × 1."
    )
    assert activations(router) == [{"data": {}}], "one request, and it accepts nothing"
    assert US not in wire.account.owned


async def test_accepted_charges_are_accepted_once_after_asking_again(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    wire.charges = plan_charges(rate="2.00", activation="1.50")
    wire.mock_buy()
    progress = StaticProgress()
    owned = await kazoo.buy(order_for(accepted="3.50"), progress)
    assert owned.e164 == US
    assert activations(router) == [{"data": {}}, {"data": {}, "accept_charges": True}]
    assert progress.state == {"kazoo_accepting": "3.50 USD"}, "recorded before the accepting request"


async def test_charges_that_grew_since_the_user_saw_them_are_asked_again(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    wire.charges = plan_charges(rate="5.00", activation="1.50")
    wire.mock_buy()
    with pytest.raises(ChargesRequired) as asked:
        await kazoo.buy(order_for(accepted="3.50"), StaticProgress())
    assert asked.value.charges == Money(amount=Decimal("6.50"), currency="USD")
    assert all("accept_charges" not in body for body in activations(router))
    assert US not in wire.account.owned


async def test_charges_that_went_away_are_not_accepted(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    wire.mock_buy()  # the plan no longer charges
    await kazoo.buy(order_for(accepted="3.50"), StaticProgress())
    assert activations(router) == [{"data": {}}]


async def test_a_402_without_amounts_cannot_be_accepted(kazoo: KazooProvider, wire: KazooWire) -> None:
    wire.charges = {}
    wire.mock_buy()
    with pytest.raises(ChargesRequired) as asked:
        await kazoo.buy(order_for(accepted="3.50"), StaticProgress())
    assert asked.value.charges is None
    assert "unknown amount" in asked.value.user_message


async def test_an_item_charged_for_zero_units_adds_nothing(kazoo: KazooProvider, wire: KazooWire) -> None:
    wire.charges = plan_charges(rate="2.00", activation="1.50")
    wire.charges["phone_numbers"]["did_us"]["quantity"] = 0
    wire.mock_buy()
    with pytest.raises(ChargesRequired) as asked:
        await kazoo.buy(order_for(), StaticProgress())
    assert asked.value.charges == Money(amount=Decimal("1.50"), currency="USD")


@pytest.mark.parametrize("owned", [True, False])
async def test_number_exists_is_bought_only_when_the_account_has_it(
    kazoo: KazooProvider, wire: KazooWire, account: Account, owned: bool
) -> None:
    if owned:
        wire.mock_buy()  # Kazoo answers 409 number_exists for a number already on an account
        account.own(Listing(e164=US, country="US"))
        assert (await kazoo.buy(order_for(), StaticProgress())).e164 == US
        return
    body = {"cause": US, "code": 409, "error": "number_exists", "message": f"number {US} already exists"}
    wire.router.route(method="PUT", path__regex=r".*/activate$").mock(return_value=error(409, "number_exists", body))
    with pytest.raises(ProviderRefused, match=rf"could not buy \{US}: number exists: number \{US} already exists"):
        await kazoo.buy(order_for(), StaticProgress())


async def test_a_gateway_error_on_a_purchase_stays_unknown(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    route = router.route(method="PUT", path__regex=r".*/activate$").mock(
        return_value=httpx.Response(504, text="gateway")
    )
    with pytest.raises(OutcomeUnknown, match="does not show it yet"):
        await kazoo.buy(order_for(), StaticProgress())
    assert route.call_count == 1


async def test_a_rate_limited_purchase_is_not_looked_up_or_resent(
    kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter
) -> None:
    route = router.route(method="PUT", path__regex=r".*/activate$").mock(
        return_value=error(429, "too_many_requests", {})
    )
    with pytest.raises(ProviderUnavailable, match="rate limited"):
        await kazoo.buy(order_for(), StaticProgress())
    assert route.call_count == 1
    assert not any(c.request.url.path.endswith(US) for c in router.calls)
