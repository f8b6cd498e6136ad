"""Flowroute forward: a number route (reused, or created under the bot's alias) as the primary route."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.errors import OutcomeUnknown, ProviderRefused
from bot.providers.flowroute import FlowrouteProvider, route_alias
from tests.providers.contract import Listing
from tests.providers.flowroute import DESTINATION
from tests.providers.flowroute_wire import FlowrouteAccount, FlowrouteWire, error, json_of, seattle


async def test_forward_reuses_an_identical_route(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(20), country="US"))
    existing = account.add_route("14155550123", alias="front desk")
    wire.mock_account()
    attach = wire.mock_forward()
    await flowroute.forward(seattle(20), DESTINATION)
    assert json_of(attach.calls.last.request) == {"data": {"type": "route", "id": existing}}
    assert not [c for c in router.calls if c.request.method == "POST"], "no second route to the same place"
    assert account.owned[seattle(20)].forward_to == DESTINATION


async def test_forward_creates_a_route_named_for_the_bot(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(21), country="US"))
    for i in range(250):  # two pages of someone else's routes first
        account.add_route(f"1206555{i:04d}", alias=f"other {i}")
    wire.mock_account()
    wire.mock_forward()
    await flowroute.forward(seattle(21), DESTINATION)
    (create,) = [c.request for c in router.calls if c.request.method == "POST"]
    assert create.url.path == "/v2/routes"
    assert json_of(create) == {
        "data": {
            "type": "route",
            "attributes": {"route_type": "number", "value": "14155550123", "alias": "numberbot 14155550123"},
        }
    }
    listed = [c.request for c in router.calls if c.request.url.path == "/v2/routes" and c.request.method == "GET"]
    assert [(r.url.params["route_type"], r.url.params["offset"]) for r in listed] == [
        ("number", "0"),
        ("number", "200"),
    ]


async def test_a_route_created_meanwhile_by_another_process_is_used(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(22), country="US"))
    wire.mock_account()
    attach = wire.mock_forward()

    def taken(request: httpx.Request) -> httpx.Response:
        account.add_route("14155550123", alias=route_alias("14155550123"))
        return error(422, "A route with this alias already exists.")

    router.post("/v2/routes").mock(side_effect=taken)
    await flowroute.forward(seattle(22), DESTINATION)
    assert attach.call_count == 1
    assert account.owned[seattle(22)].forward_to == DESTINATION


async def test_a_forward_already_in_place_changes_nothing(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(23), country="US", forward_to=DESTINATION))
    wire.mock_account()
    attach = wire.mock_forward()
    await flowroute.forward(seattle(23), DESTINATION)
    assert attach.call_count == 0


async def test_forwarding_abroad_is_refused_without_a_call(
    flowroute: FlowrouteProvider, router: respx.MockRouter
) -> None:
    with pytest.raises(ProviderRefused, match=r"forwards only to \+1 numbers, not to \+447400123456"):
        await flowroute.forward(seattle(24), "+447400123456")
    assert not router.calls


@pytest.mark.parametrize("visible", [True, False])
async def test_a_lost_forward_answer_is_checked(
    flowroute: FlowrouteProvider,
    router: respx.MockRouter,
    wire: FlowrouteWire,
    account: FlowrouteAccount,
    visible: bool,
) -> None:
    account.own(Listing(e164=seattle(25), country="US"))

    def lost(request: httpx.Request) -> httpx.Response:
        if visible:
            wire.attach_primary(request)
        raise httpx.ReadTimeout("no answer", request=request)

    router.patch(path__regex=r"/relationships/primary_route$").mock(side_effect=lost)
    wire.mock_account()
    wire.mock_forward()
    if visible:
        await flowroute.forward(seattle(25), DESTINATION)
    else:
        with pytest.raises(OutcomeUnknown, match="run the command again"):
            await flowroute.forward(seattle(25), DESTINATION)


async def test_a_refused_attachment_carries_flowroute_reason(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(26), country="US"))
    router.patch(path__regex=r"/relationships/primary_route$").mock(return_value=error(422, "Route is not valid."))
    wire.mock_account()
    wire.mock_forward()
    with pytest.raises(ProviderRefused, match=rf"Flowroute: could not forward \{seattle(26)}: Route is not valid."):
        await flowroute.forward(seattle(26), DESTINATION)
