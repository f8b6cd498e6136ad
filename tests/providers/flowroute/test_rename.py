"""Flowroute rename: the friendly name is the number's Flowroute alias."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from bot.errors import OutcomeUnknown, ProviderRefused
from bot.providers.flowroute import FlowrouteProvider
from tests.providers.contract import Listing
from tests.providers.flowroute_wire import NUMBER, FlowrouteAccount, FlowrouteWire, json_of, seattle


async def test_rename_sets_the_flowroute_alias(
    flowroute: FlowrouteProvider, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(30), country="US"))
    wire.mock_account()
    route = wire.mock_alias()
    await flowroute.rename(seattle(30), "Support line")
    request = route.calls.last.request
    assert (request.method, request.url.path) == ("PATCH", f"/v2/numbers/{seattle(30)[1:]}")
    assert json_of(request) == {"type": "number", "alias": "Support line"}
    owned = await flowroute.get(seattle(30))
    assert owned is not None
    assert owned.details["Flowroute alias"] == "Support line"
    with pytest.raises(ProviderRefused, match="is not on the Flowroute account"):
        await flowroute.rename(seattle(31), "Elsewhere")


async def test_a_lost_rename_answer_is_checked(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(32), country="US"))
    wire.mock_account()

    def lost(request: httpx.Request) -> httpx.Response:
        alias = json.loads(request.content)["alias"]
        if alias == "Night line":  # this one went through; the next one did not
            account.aliases[seattle(32)] = alias
        raise httpx.ReadTimeout("no answer", request=request)

    route = router.patch(path__regex=NUMBER).mock(side_effect=lost)
    await flowroute.rename(seattle(32), "Night line")
    with pytest.raises(OutcomeUnknown, match="name it again"):
        await flowroute.rename(seattle(32), "Day line")
    assert route.call_count == 2, "each rename is sent once"
