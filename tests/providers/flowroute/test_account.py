"""Flowroute list and get: a number's document with its routes, links.next on our own host."""

from __future__ import annotations

from typing import Any

import respx

from bot.models import Feature
from bot.providers.flowroute import FlowrouteProvider
from tests.fakes import StaticProgress
from tests.providers.contract import Listing
from tests.providers.flowroute_wire import (
    BASE_URL,
    JSON_API,
    NUMBER,
    FlowrouteAccount,
    FlowrouteWire,
    answer,
    error,
    seattle,
)


def number_doc(digits: str, *, relationships: dict[str, Any], included: list[dict[str, Any]], **attributes: Any) -> Any:
    base = {"alias": None, "number_type": "longcode", "rate_center": "seattle", "state": "wa", "value": digits}
    return {
        "data": {"type": "number", "id": digits, "attributes": base | attributes, "relationships": relationships},
        "included": included,
    }


async def test_get_shows_alias_primary_and_failover_routes(
    flowroute: FlowrouteProvider, router: respx.MockRouter
) -> None:
    relationships = {
        "primary_route": {"data": {"type": "route", "id": "83834"}},
        "failover_route": {"data": {"type": "route", "id": "45986"}},
    }
    included = [
        {
            "type": "route",
            "id": "83834",
            "attributes": {"route_type": "number", "alias": "desk", "value": "14155550123"},
        },
        {
            "type": "route",
            "id": "45986",
            "attributes": {"route_type": "uri", "alias": "pbx", "value": "sip:desk@pbx.example"},
        },
    ]
    attributes = {"alias": "Support line", "messaging_enabled": True}
    body = number_doc("12065550100", relationships=relationships, included=included, **attributes)
    route = router.get("/v2/numbers/12065550100").mock(return_value=answer(200, body))
    owned = await flowroute.get("+12065550100")
    assert owned is not None
    assert owned.forward_to == "+14155550123"
    assert owned.name == "Support line"
    assert owned.features == frozenset({Feature.voice, Feature.sms, Feature.mms})
    assert owned.country == "US"
    assert owned.details == {
        "Flowroute alias": "Support line",
        "Primary route": "number +14155550123 “desk”",
        "Failover route": "uri sip:desk@pbx.example “pbx”",
        "Rate center": "SEATTLE, WA",
    }
    assert route.calls.last.request.headers["accept"] == JSON_API


async def test_a_sip_route_is_not_shown_as_forwarding_and_v21_names_are_read(
    flowroute: FlowrouteProvider, router: respx.MockRouter
) -> None:
    relationships = {"voice_primary_route": {"data": {"type": "route", "id": "0"}}}
    included = [
        {"type": "route", "id": "0", "attributes": {"route_type": "sip-reg", "alias": "sip-reg", "value": None}}
    ]
    body = number_doc("12065550100", relationships=relationships, included=included)
    router.get("/v2/numbers/12065550100").mock(return_value=answer(200, body))
    owned = await flowroute.get("+12065550100")
    assert owned is not None
    assert owned.forward_to is None
    assert owned.details["Primary route"] == "registered SIP device (sip-reg)"
    assert owned.details["Failover route"] == "none"


async def test_numbers_of_any_country_are_listed_looked_up_and_released(
    flowroute: FlowrouteProvider, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    """Flowroute keeps numbers of any country on an account; none is dropped for not being +1."""
    london = Listing(e164="+442079460123", country="GB", features=frozenset({Feature.voice}))
    account.own(london, Listing(e164=seattle(1), country="US"))
    wire.mock_account()
    wire.mock_release()

    assert sorted(n.e164 for n in await flowroute.list()) == [seattle(1), london.e164]
    owned = await flowroute.get(london.e164)
    assert owned is not None
    assert (owned.country, owned.forward_to) == ("GB", None)
    assert "Rate center" not in owned.details
    await flowroute.release(london.e164, StaticProgress())
    assert london.e164 not in account.owned


async def test_list_follows_links_next_on_its_own_host_only(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(1), country="US"), Listing(e164=seattle(2), country="US"))
    router.get(path__regex=NUMBER).mock(side_effect=wire.details)
    first, second = (wire.resource(account.owned[seattle(i)]) for i in (1, 2))
    pages = [
        {"data": [first], "links": {"next": "https://elsewhere.example/v2/numbers?limit=200&offset=1"}},
        {"data": [second], "links": {"next": f"{BASE_URL}/v2/numbers?limit=200&offset=1"}},  # no progress: stop
    ]
    listing = router.get("/v2/numbers").mock(side_effect=[answer(200, page) for page in pages])
    numbers = await flowroute.list()
    assert sorted(n.e164 for n in numbers) == [seattle(1), seattle(2)]
    assert [c.request.url.host for c in listing.calls] == ["api.flowroute.com"] * 2
    assert [dict(c.request.url.params) for c in listing.calls] == [
        {"limit": "200", "offset": "0"},
        {"limit": "200", "offset": "1"},
    ]


async def test_a_number_released_while_listing_is_left_out(
    flowroute: FlowrouteProvider, router: respx.MockRouter, wire: FlowrouteWire, account: FlowrouteAccount
) -> None:
    account.own(Listing(e164=seattle(1), country="US"), Listing(e164=seattle(2), country="US"))
    router.get(f"/v2/numbers/{seattle(2)[1:]}").mock(return_value=error(404, "Could not find that resource."))
    wire.mock_account()  # routes match in the order they were added: the 404 above comes first
    assert [n.e164 for n in await flowroute.list()] == [seattle(1)]
