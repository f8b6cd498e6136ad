"""Flowroute release: refusals keep the number, errors and lost answers are settled by looking."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.errors import OutcomeUnknown, ProviderRefused
from bot.providers.flowroute import FlowrouteProvider
from tests.fakes import StaticProgress
from tests.providers.contract import Listing
from tests.providers.flowroute_wire import NUMBER, FlowrouteAccount, FlowrouteWire, error, seattle


async def test_a_release_flowroute_refuses_is_kept_with_its_reason(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(40), country="US"))
    wire.mock_account()
    router.delete(path__regex=NUMBER).mock(return_value=error(409, "Number has an active port request."))
    with pytest.raises(ProviderRefused, match=r"could not release .*active port request"):
        await flowroute.release(seattle(40), StaticProgress())


@pytest.mark.parametrize("gone", [True, False])
async def test_a_server_error_on_release_is_settled_by_looking(
    flowroute: FlowrouteProvider,
    router: respx.MockRouter,
    wire: FlowrouteWire,
    account: FlowrouteAccount,
    gone: bool,
) -> None:
    account.own(Listing(e164=seattle(41), country="US"))
    wire.mock_account()

    def failed(request: httpx.Request) -> httpx.Response:
        if gone:
            account.drop(seattle(41))
        return httpx.Response(500)

    router.delete(path__regex=NUMBER).mock(side_effect=failed)
    if gone:
        await flowroute.release(seattle(41), StaticProgress())
    else:
        with pytest.raises(ProviderRefused, match="HTTP 500"):
            await flowroute.release(seattle(41), StaticProgress())


async def test_a_lost_release_answer_is_left_for_the_flow_to_check(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(42), country="US"))
    wire.mock_account()

    def released_silently(request: httpx.Request) -> httpx.Response:
        account.drop(seattle(42))
        raise httpx.ReadTimeout("no answer", request=request)

    route = router.delete(path__regex=NUMBER).mock(side_effect=released_silently)
    with pytest.raises(OutcomeUnknown):
        await flowroute.release(seattle(42), StaticProgress())
    assert await flowroute.check_release(seattle(42), StaticProgress()) is True
    assert route.call_count == 1


async def test_a_number_already_gone_is_released_with_one_call(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire
) -> None:
    route = wire.mock_release()
    await flowroute.release(seattle(43), StaticProgress())
    assert route.call_count == 1
    assert len(router.calls) == 1, "Flowroute's 404 already says it is not on the account"
