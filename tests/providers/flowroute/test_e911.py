"""The Flowroute adapter's E911 and CNAM when an answer is lost: it looks, never guesses."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.errors import OutcomeUnknown
from bot.models import EmergencyAddress
from bot.providers.flowroute import FlowrouteProvider
from tests.providers.contract import Listing
from tests.providers.flowroute_wire import FlowrouteAccount, FlowrouteWire

NUMBER = "+12065550123"
ADDRESS = EmergencyAddress(
    street_number="1182", street_name="3rd Ave", city="Seattle", state="WA", postal_code="98101", country="US"
)


@pytest.fixture
def owned(wire: FlowrouteWire, account: FlowrouteAccount) -> FlowrouteWire:
    account.own(Listing(e164=NUMBER, country="US"))
    wire.mock_account()
    return wire


def lose_after(route: respx.Route) -> None:
    """The request reaches Flowroute (which acts on it), and its answer is lost on the way back."""
    act = route.side_effect

    def lost(request: httpx.Request, **kwargs: object) -> httpx.Response:
        act(request, **kwargs)  # type: ignore[operator,misc]
        raise httpx.ReadTimeout("no answer", request=request)

    route.side_effect = lost


async def test_a_record_created_without_an_answer_is_found_and_attached(
    flowroute: FlowrouteProvider, owned: FlowrouteWire, account: FlowrouteAccount
) -> None:
    routes = owned.mock_e911()
    lose_after(routes["create"])
    status = await flowroute.set_e911(NUMBER, ADDRESS, "Front desk")
    (record,) = account.e911s
    assert routes["create"].call_count == 1, "never created twice"
    assert account.e911_of == {NUMBER: record}
    assert status.address == "1182 3rd Ave, Seattle, WA 98101"
    assert account.e911s[record]["first_name"] == "Front"
    assert account.e911s[record]["last_name"] == "desk"


@pytest.mark.parametrize("happened", [True, False])
async def test_an_attachment_without_an_answer_is_read_back(
    flowroute: FlowrouteProvider, owned: FlowrouteWire, account: FlowrouteAccount, happened: bool
) -> None:
    routes = owned.mock_e911()
    if happened:
        lose_after(routes["attach"])
    else:
        routes["attach"].mock(side_effect=httpx.ReadTimeout("no answer"))
    if happened:
        assert (await flowroute.set_e911(NUMBER, ADDRESS, None)).registered
    else:
        with pytest.raises(OutcomeUnknown, match="run the command again"):
            await flowroute.set_e911(NUMBER, ADDRESS, None)
    assert bool(account.e911_of) is happened


async def test_a_cnam_record_created_without_an_answer_is_found_not_created_again(
    flowroute: FlowrouteProvider, owned: FlowrouteWire, account: FlowrouteAccount
) -> None:
    routes = owned.mock_cnam()
    lose_after(routes["create"])
    status = await flowroute.set_cnam(NUMBER, "ACME")
    assert (status.name, status.state) == ("ACME", "pending")
    assert routes["create"].call_count == 1
    assert len(account.cnams) == 1
