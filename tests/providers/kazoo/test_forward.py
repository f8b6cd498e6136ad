"""Kazoo forward: the number's callflow sends calls out to the destination; others' callflows are respected."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.errors import OutcomeUnknown, ProviderRefused
from bot.providers.kazoo import KazooProvider
from tests.providers.contract import Account, Listing, london
from tests.providers.kazoo import DESTINATION, A
from tests.providers.kazoo_wire import KazooWire, callflow_id, error, forward_flow, json_of


async def test_forward_changes_the_bots_callflow_in_place(
    kazoo: KazooProvider, wire: KazooWire, account: Account
) -> None:
    account.own(Listing(e164=london(1), forward_to="+447400000001"))
    create, change = wire.mock_forward()

    await kazoo.forward(london(1), DESTINATION)

    assert create.call_count == 0
    assert change.calls.last.request.url.path == f"{A}/callflows/{callflow_id(london(1))}"
    assert json_of(change.calls.last.request)["data"]["flow"] == forward_flow(DESTINATION)
    owned = await kazoo.get(london(1))
    assert owned is not None
    assert owned.forward_to == DESTINATION
    assert owned.details["Kazoo callflow"] == f"numberbot: forward {london(1)}"


async def test_a_forward_the_bot_made_on_local_carriers_follows_the_setting_again(
    kazoo: KazooProvider, wire: KazooWire, account: Account
) -> None:
    """Callflows made before KAZOO_USE_LOCAL_RESOURCES said `true`: calls went nowhere on an
    account without carriers of its own. Forwarding again puts them on the system's carriers."""
    account.own(Listing(e164=london(6)))
    doc = {
        "name": f"numberbot: forward {london(6)}",
        "numbers": [london(6)],
        "flow": forward_flow("+447400000006", local=True),
    }
    wire.others["0ld"] = {"id": "0ld", "patterns": [], **doc}
    assert wire.dial(london(6)) is None
    _, change = wire.mock_forward()

    await kazoo.forward(london(6), DESTINATION)

    assert json_of(change.calls.last.request)["data"]["flow"] == forward_flow(DESTINATION)
    assert wire.dial(london(6)) == DESTINATION


async def test_a_hand_made_resources_forward_keeps_its_carrier_choice(
    kazoo: KazooProvider, wire: KazooWire, account: Account
) -> None:
    account.own(Listing(e164=london(7)))
    flow = {"module": "resources", "data": {"to_did": "+447400000007"}, "children": {}}  # Kazoo's default: local
    wire.others["cafe"] = {"id": "cafe", "name": "Out to Ann", "numbers": [london(7)], "patterns": [], "flow": flow}
    wire.local_carriers = True
    _, change = wire.mock_forward()
    await kazoo.forward(london(7), DESTINATION)
    assert json_of(change.calls.last.request)["data"]["flow"]["data"] == {"to_did": DESTINATION}
    assert wire.dial(london(7)) == DESTINATION


async def test_forward_keeps_a_hand_made_forwards_module_and_name(
    kazoo: KazooProvider, wire: KazooWire, account: Account
) -> None:
    account.own(Listing(e164=london(2)))
    flow = {"module": "offnet", "data": {"to_did": "+447400000002", "timeout": 20}, "children": {}}
    wire.others["c0ffee"] = {"id": "c0ffee", "name": "Out to Bob", "numbers": [london(2)], "patterns": [], "flow": flow}
    _, change = wire.mock_forward()

    await kazoo.forward(london(2), DESTINATION)

    sent = json_of(change.calls.last.request)["data"]
    assert sent == {
        "name": "Out to Bob",
        "numbers": [london(2)],
        "flow": {"module": "offnet", "data": {"to_did": DESTINATION, "timeout": 20}, "children": {}},
    }
    owned = await kazoo.get(london(2))
    assert owned is not None
    assert owned.forward_to == DESTINATION


async def test_forward_keeps_numbers_someone_added_to_the_bots_callflow(
    kazoo: KazooProvider, wire: KazooWire, account: Account
) -> None:
    account.own(Listing(e164=london(10)))
    doc = {
        "name": f"numberbot: forward {london(10)}",
        "numbers": [london(10), "2000"],
        "flow": forward_flow("+447400000010"),
    }
    wire.others["f00d"] = {"id": "f00d", "patterns": [], **doc}
    _, change = wire.mock_forward()
    await kazoo.forward(london(10), DESTINATION)
    sent = json_of(change.calls.last.request)["data"]
    assert sent["numbers"] == [london(10), "2000"]
    assert sent["flow"] == forward_flow(DESTINATION)


async def test_forward_leaves_a_callflow_that_does_more_alone(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    account.own(Listing(e164=london(3)))
    flow = {"module": "user", "data": {"id": "u1"}, "children": {"_": {"module": "voicemail", "data": {}}}}
    wire.others["beef"] = {
        "id": "beef",
        "name": "Reception",
        "numbers": [london(3), "1000"],
        "patterns": [],
        "flow": flow,
    }
    create, change = wire.mock_forward()

    with pytest.raises(ProviderRefused) as refused:
        await kazoo.forward(london(3), DESTINATION)

    assert "routed by the Kazoo callflow “Reception”" in refused.value.user_message
    assert create.call_count == change.call_count == 0
    owned = await kazoo.get(london(3))
    assert owned is not None
    assert owned.forward_to is None
    assert owned.details["Kazoo callflow"] == "Reception"


@pytest.mark.parametrize("visible", [True, False])
async def test_a_lost_forward_answer_is_checked(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter, visible: bool
) -> None:
    account.own(Listing(e164=london(4)))

    def lost(request: httpx.Request) -> httpx.Response:
        if visible:
            account.forward(london(4), DESTINATION)
        raise httpx.ReadTimeout("no answer", request=request)

    route = router.route(method="PUT", path__regex=rf"^{A}/callflows$").mock(side_effect=lost)
    if visible:
        await kazoo.forward(london(4), DESTINATION)
    else:
        with pytest.raises(OutcomeUnknown, match="run the command again"):
            await kazoo.forward(london(4), DESTINATION)
    assert route.call_count == 1


async def test_a_callflow_kazoo_refuses_carries_the_validation_message(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    account.own(Listing(e164=london(5)))
    invalid = {"flow": {"required": {"message": "Field is required but missing; see https://docs.example/x"}}}
    router.route(method="PUT", path__regex=rf"^{A}/callflows$").mock(return_value=error(400, "invalid data", invalid))
    with pytest.raises(ProviderRefused) as refused:
        await kazoo.forward(london(5), DESTINATION)
    assert refused.value.user_message == (
        f"Kazoo: forwarding {london(5)} failed: invalid data: flow: Field is required but missing; see [link]"
    )
