"""Flowroute's side of the wire, for respx: real paths, JSON:API payloads, an account behind them.

Shared by the contract subclass (tests/providers/flowroute/test_contract.py) and the signed-request
scenarios (tests/handlers/test_flowroute_flow.py). Shapes follow Flowroute's Numbers v2 and
Routes v2 reference: numbers are resources ``{"type": "number", "id": "1206…", "attributes":
{...}}`` whose id is the 11-digit number; ``GET /v2/numbers`` pages with ``limit``/``offset``
and an absolute ``links.next``; a single number's document carries ``relationships``
(primary_route, failover_route) and its routes in ``included``; costs are JSON numbers; errors
are ``{"errors": [{"detail", "id", "status", "title"}]}``; 204 answers have no body.

Requests are checked as Flowroute and JSON:API check them, and refused with that error body
(never with an assertion the adapter could swallow): a body that is not
``application/vnd.api+json`` gets 415, a resource of the wrong ``type`` 409 (JSON:API), a
route that is not an 11-digit ``number`` route 422, a ``limit`` above 200 400. Numbers of
any country live on the account and in the inventory; search filters by ``iso_country``,
``number_type`` and ``starts_with`` (digits after a default country code 1, or ``+`` and
another country code).

Messaging: ``POST /v2/numbers/{id}/relationships/sms_callback`` with ``{"data": {"attributes":
{"callback_url": …}}}`` sets a number's inbound SMS callback and ``DELETE`` removes it (204
both; 404 for a number not on the account, 422 for a callback_url that is not an http(s) URL);
``POST /v2.1/messages`` sends ``{"data": {"type": "message", "attributes": {"to", "from",
"body"}}}`` (11-digit North American numbers, ``from`` on the account) and answers 202 with
``{"data": {"id": "mdr2-…", "type": "message", "links": {"self": …}}}``.
"""

from __future__ import annotations

import base64
import itertools
import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import httpx
import respx

from bot.models import Feature, NumberType
from bot.phone import to_e164
from tests.providers.contract import Account, Listing
from tests.providers.flowroute_e911_wire import FlowrouteE911Wire

__all__ = [
    "ACCESS_KEY",
    "BASE_URL",
    "JSON_API",
    "SECRET_KEY",
    "FlowrouteAccount",
    "FlowrouteWire",
    "basic_auth",
    "json_of",
    "seattle",
]

BASE_URL = "https://api.flowroute.com"
ACCESS_KEY = "fr-contract-access"
SECRET_KEY = "fr-contract-secret-7c1d"
JSON_API = "application/vnd.api+json"
SIP_REG = "0"  # the route every number starts with: calls go to a registered SIP device

NUMBER = r"^/v2/numbers/\d+$"
PRIMARY_ROUTE = r"^/v2/numbers/\d+/relationships/primary_route$"
SMS_CALLBACK = r"^/v2/numbers/\d+/relationships/sms_callback$"
_ids = itertools.count(83000)


def seattle(i: int) -> str:
    """A possible Seattle number (206-555-0100…0199 is the fiction range; 555-0xxx all parse)."""
    return f"+1206555{i:04d}"


def basic_auth(key: str = ACCESS_KEY, secret: str = SECRET_KEY) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def authorised(request: httpx.Request) -> None:
    """Every Flowroute call carries HTTP Basic credentials and asks for JSON:API."""
    assert request.headers["authorization"] == basic_auth()
    assert request.headers["accept"] == JSON_API


def json_of(request: httpx.Request) -> Any:
    """The JSON:API body of a request (asserting its content type)."""
    assert request.headers["content-type"] == JSON_API
    return json.loads(request.content)


def answer(status: int, body: Any = None) -> httpx.Response:
    if body is None:
        return httpx.Response(status)
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"Content-Type": JSON_API})


def error(status: int, detail: str, title: str = "") -> httpx.Response:
    item = {"detail": detail, "id": "7fc8c70a-ca58-430c-b383-b89df84f8083", "status": status}
    if title:
        item["title"] = title
    return answer(status, {"errors": [item]})


def not_found() -> httpx.Response:
    return error(404, "Could not find that resource on your account.")


def _cost(amount: Decimal | None) -> float | None:
    return float(amount) if amount is not None else None  # a JSON number, as Flowroute sends it


def _digits(request: httpx.Request) -> str:
    return request.url.path.split("/")[3]


def _body(request: httpx.Request) -> dict[str, Any] | None:
    """A JSON:API request body, or None when it is not one (Flowroute answers 415)."""
    if request.headers.get("content-type") != JSON_API:
        return None
    try:
        body = json.loads(request.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def unsupported() -> httpx.Response:
    return error(415, "Request bodies must be application/vnd.api+json.", "Unsupported Media Type")


def _starts(listing: Listing, starts_with: str | None) -> bool:
    """Flowroute's starts_with: digits after a default country code 1, or `+` and a country code."""
    if not starts_with:
        return True
    wanted = starts_with if starts_with.startswith("+") else f"+1{starts_with.removeprefix('1')}"
    return listing.e164.startswith(wanted)


@dataclass
class FlowrouteAccount(Account):
    """An Account with Flowroute's inbound routes and number aliases beside it."""

    routes: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {SIP_REG: {"route_type": "sip-reg", "alias": "sip-reg", "value": None}}
    )
    aliases: dict[str, str] = field(default_factory=dict)
    e911s: dict[str, dict[str, Any]] = field(default_factory=dict)  # E911 records by id
    e911_of: dict[str, str] = field(default_factory=dict)  # number → its E911 record
    cnams: dict[str, dict[str, Any]] = field(default_factory=dict)  # CNAM records by id
    cnam_of: dict[str, str] = field(default_factory=dict)  # number → its CNAM record
    lookups: dict[str, bool] = field(default_factory=dict)  # cnam_lookups_enabled (default true)
    unplaceable: set[str] = field(default_factory=set)  # streets ("1 nowhere rd") the geocoder cannot place
    include_records: bool = True  # a number's document carries its e911/cnam objects in `included`

    def approve(self, cnam_id: str) -> None:
        """Flowroute's review approves a CNAM record."""
        self.cnams[cnam_id].update(is_approved=True, approval_datetime="2026-06-02 16:20:32.939166+00:00")

    def reject(self, cnam_id: str, reason: str) -> None:
        self.cnams[cnam_id].update(rejection_reason=reason)

    sms_callbacks: dict[str, str] = field(default_factory=dict)  # number → its own SMS callback URL
    sent: list[dict[str, Any]] = field(default_factory=list)  # messages accepted by /v2.1/messages

    def add_route(self, digits: str, alias: str) -> str:
        route_id = str(next(_ids))
        self.routes[route_id] = {"route_type": "number", "alias": alias, "value": digits}
        return route_id


class FlowrouteWire(FlowrouteE911Wire):
    """Installs Flowroute routes on a respx router; every answer renders `account` when asked."""

    answer = staticmethod(answer)
    error = staticmethod(error)
    not_found = staticmethod(not_found)
    body_of = staticmethod(_body)

    def __init__(self, router: respx.MockRouter, account: Account | None = None) -> None:
        self.router = router
        self.account = account if isinstance(account, FlowrouteAccount) else FlowrouteAccount()
        if account is not None and account is not self.account:
            self.account.owned = account.owned  # a plain Account: share what it owns

    # -- rendering -------------------------------------------------------------------------

    def resource(self, listing: Listing) -> dict[str, Any]:
        digits = listing.digits
        return {
            "type": "number",
            "id": digits,
            "attributes": {
                "alias": self.account.aliases.get(listing.e164),
                "cnam_lookups_enabled": self.account.lookups.get(listing.e164, True),
                "iso_country": listing.country,
                "messaging_enabled": Feature.sms in listing.features,
                "number_type": "toll-free" if listing.type is NumberType.tollfree else "longcode",
                "rate_center": "seattle" if digits.startswith("1") else None,
                "state": "wa" if digits.startswith("1") else None,
                "value": digits,
            },
            "links": {"self": f"{BASE_URL}/v2/numbers/{digits}"},
        }

    def primary_route(self, listing: Listing) -> str:
        """The id of the number's primary route (a forward set elsewhere gets a route too)."""
        if listing.forward_to is None:
            return SIP_REG
        digits = listing.forward_to.removeprefix("+")
        for route_id, route in self.account.routes.items():
            if route["route_type"] == "number" and route["value"] == digits:
                return route_id
        return self.account.add_route(digits, alias=f"desk {digits}")

    def route(self, route_id: str) -> dict[str, Any]:
        return {
            "type": "route",
            "id": route_id,
            "attributes": dict(self.account.routes[route_id]),
            "links": {"self": f"{BASE_URL}/v2/routes/{route_id}"},
        }

    def document(self, listing: Listing, **extra: Any) -> dict[str, Any]:
        data = self.resource(listing)
        data["attributes"].update(extra)
        primary = self.primary_route(listing)
        related, records = self.related(listing.e164)
        data["relationships"] = {
            **related,
            "failover_route": {"data": None},
            "primary_route": {"data": {"type": "route", "id": primary}},
        }
        included = [self.route(primary), *records]
        return {"data": data, "included": included, "links": {"self": data["links"]["self"]}}

    def page(self, path: str, request: httpx.Request, items: list[dict[str, Any]]) -> httpx.Response:
        params = request.url.params
        limit, offset = int(params.get("limit", "10")), int(params.get("offset", "0"))
        if not 0 < limit <= 200:
            return error(400, "limit must be between 1 and 200.", "Bad Request")
        links = {"self": f"{BASE_URL}{path}?limit={limit}&offset={offset}"}
        if offset + limit < len(items):
            links["next"] = f"{BASE_URL}{path}?limit={limit}&offset={offset + limit}"
        return answer(200, {"data": items[offset : offset + limit], "links": links})

    # -- reads -----------------------------------------------------------------------------

    def account_page(self, request: httpx.Request) -> httpx.Response:
        return self.page("/v2/numbers", request, [self.resource(n) for n in self.account.numbers()])

    def details(self, request: httpx.Request) -> httpx.Response:
        listing = self.account.owned.get(to_e164(_digits(request)) or "")
        return answer(200, self.document(listing)) if listing is not None else not_found()

    def mock_account(self) -> respx.Route:
        """Listing pages and single-number documents; returns the listing route."""
        self.router.get(path__regex=NUMBER).mock(side_effect=self.details)
        return self.router.get(path__regex=r"^/v2/numbers$").mock(side_effect=self.account_page)

    def mock_search(self, listings: list[Listing]) -> respx.Route:
        def found(request: httpx.Request) -> httpx.Response:
            params = request.url.params
            kind = params.get("number_type")
            items = []
            for listing in listings:
                if params.get("iso_country") not in (None, listing.country) or not _starts(
                    listing, params.get("starts_with")
                ):
                    continue
                if kind is not None and kind != ("toll-free" if listing.type is NumberType.tollfree else "longcode"):
                    continue
                item = self.resource(listing)
                attributes = item["attributes"]
                for key in ("alias", "cnam_lookups_enabled", "messaging_enabled"):
                    attributes.pop(key)
                attributes["monthly_cost"] = _cost(listing.monthly)
                attributes["setup_cost"] = _cost(listing.setup)
                item["links"] = {"related": item["links"]["self"]}
                items.append(item)
            return self.page("/v2/numbers/available", request, items)

        return self.router.get("/v2/numbers/available").mock(side_effect=found)

    # -- buying ----------------------------------------------------------------------------

    def mock_buy(self, listing: Listing | None = None) -> respx.Route:
        """Buying succeeds (201 with the number's document): the account owns it from then on."""

        def buy(request: httpx.Request) -> httpx.Response:
            e164 = to_e164(_digits(request))
            assert e164 is not None
            if e164 in self.account.owned:
                return error(400, "This number is not available for purchase.", "Bad Request")
            bought = listing if listing is not None else Listing(e164=e164, country="US")
            self.account.own(bought)
            costs = {"monthly_cost": _cost(bought.monthly), "setup_cost": _cost(bought.setup), "status": "PURCHASED"}
            return answer(201, self.document(bought, **costs))

        return self.router.post(path__regex=NUMBER).mock(side_effect=buy)

    def mock_buy_refused(self, reason: str, status: int = 422) -> respx.Route:
        return self.router.post(path__regex=NUMBER).mock(return_value=error(status, reason, "Unprocessable Entity"))

    def mock_buy_lost(self, listing: Listing, *, happened: bool) -> respx.Route:
        def lost(request: httpx.Request) -> httpx.Response:
            if happened:
                self.account.own(listing)
            raise httpx.ReadTimeout("no answer", request=request)

        return self.router.post(path__regex=NUMBER).mock(side_effect=lost)

    # -- routes and forwarding -------------------------------------------------------------

    def routes_page(self, request: httpx.Request) -> httpx.Response:
        kind = request.url.params.get("route_type")
        chosen = [self.route(i) for i, r in self.account.routes.items() if kind in (None, r["route_type"])]
        return self.page("/v2/routes", request, chosen)

    def create_route(self, request: httpx.Request) -> httpx.Response:
        body = _body(request)
        if body is None:
            return unsupported()
        data = body.get("data") or {}
        attributes = data.get("attributes") or {}
        if data.get("type") != "route":
            return error(409, "The resource type must be route.", "Conflict")
        value = str(attributes.get("value") or "")
        if attributes.get("route_type") != "number" or not (len(value) == 11 and value.startswith("1")):
            return error(
                422, "A number route's value must be an 11-digit North American number.", "Unprocessable Entity"
            )
        if any(r["alias"] == attributes["alias"] for r in self.account.routes.values()):
            return error(422, "A route with this alias already exists.", "Unprocessable Entity")
        route_id = self.account.add_route(attributes["value"], attributes["alias"])
        return answer(201, {"data": self.route(route_id), "links": {"self": f"{BASE_URL}/v2/routes/{route_id}"}})

    def attach_primary(self, request: httpx.Request) -> httpx.Response:
        e164 = to_e164(_digits(request)) or ""
        body = _body(request)
        if body is None:
            return unsupported()
        data = body.get("data") or {}
        if e164 not in self.account.owned or data.get("id") not in self.account.routes:
            return not_found()
        if data.get("type") != "route":
            return error(409, "The resource type must be route.", "Conflict")
        route = self.account.routes[data["id"]]
        forward_to = to_e164(route["value"]) if route["route_type"] == "number" else None
        self.account.owned[e164] = replace(self.account.owned[e164], forward_to=forward_to)
        return answer(204)

    def mock_forward(self) -> respx.Route:
        """Routes can be listed and created, and attached as a primary route; returns the PATCH route."""
        self.router.get("/v2/routes").mock(side_effect=self.routes_page)
        self.router.post("/v2/routes").mock(side_effect=self.create_route)
        return self.router.patch(path__regex=PRIMARY_ROUTE).mock(side_effect=self.attach_primary)

    def mock_alias(self) -> respx.Route:
        """`PATCH /v2/numbers/{id}`: the alias, or cnam_lookups_enabled (a boolean, or "true"/"false"
        as the reference's example sends it)."""

        def alias(request: httpx.Request) -> httpx.Response:
            e164 = to_e164(_digits(request)) or ""
            if e164 not in self.account.owned:
                return not_found()
            body = _body(request)
            if body is None:
                return unsupported()
            lookup = body.get("cnam_lookups_enabled", "unset")
            if body.get("type") != "number" or (lookup == "unset" and not isinstance(body.get("alias"), str)):
                return error(422, "alias must be a string.", "Unprocessable Entity")
            if lookup != "unset":
                if lookup not in (True, False, "true", "false"):
                    return error(422, "cnam_lookups_enabled must be true or false.", "Unprocessable Entity")
                self.account.lookups[e164] = lookup in (True, "true")
            if "alias" in body:
                self.account.aliases[e164] = body["alias"]
            return answer(200, self.document(self.account.owned[e164]))

        return self.router.patch(path__regex=NUMBER).mock(side_effect=alias)

    def mock_release(self) -> respx.Route:
        def release(request: httpx.Request) -> httpx.Response:
            e164 = to_e164(_digits(request)) or ""
            return answer(204) if self.account.drop(e164) is not None else not_found()

        return self.router.delete(path__regex=NUMBER).mock(side_effect=release)

    # -- messaging -------------------------------------------------------------------------

    def sms_callback(self, request: httpx.Request) -> httpx.Response:
        e164 = to_e164(_digits(request)) or ""
        if e164 not in self.account.owned:
            return not_found()
        if request.method == "DELETE":
            self.account.sms_callbacks.pop(e164, None)
            return answer(204)
        body = _body(request)
        if body is None:
            return unsupported()
        url = str(((body.get("data") or {}).get("attributes") or {}).get("callback_url") or "")
        if not url.startswith(("https://", "http://")):
            return error(422, "callback_url must be a valid URL.", "Unprocessable Entity")
        self.account.sms_callbacks[e164] = url
        return answer(204)

    def mock_sms_callback(self) -> respx.Route:
        """Set (POST) and remove (DELETE) a number's SMS callback; returns the route for both."""
        return self.router.route(method__in=["POST", "DELETE"], path__regex=SMS_CALLBACK).mock(
            side_effect=self.sms_callback
        )

    def send_message(self, request: httpx.Request) -> httpx.Response:
        body = _body(request)
        if body is None:
            return unsupported()
        data = body.get("data") or {}
        if data.get("type") != "message":
            return error(409, "The resource type must be message.", "Conflict")
        attributes = data.get("attributes") or {}
        to, sender = str(attributes.get("to") or ""), str(attributes.get("from") or "")
        if not all(len(v) == 11 and v.startswith("1") and v.isdigit() for v in (to, sender)):
            return error(422, "to and from must be 11-digit North American numbers.", "Unprocessable Entity")
        if not attributes.get("body"):
            return error(422, "body is required.", "Unprocessable Entity")
        if to_e164(sender) not in self.account.owned:
            return error(403, "The from number is not on your account.", "Forbidden")
        message_id = f"mdr2-{len(self.account.sent) + 1:032x}"
        self.account.sent.append({"id": message_id, **attributes})
        links = {"self": f"{BASE_URL}/v2.1/messages/{message_id}"}
        return answer(202, {"data": {"id": message_id, "type": "message", "links": links}})

    def mock_messages(self) -> respx.Route:
        return self.router.post("/v2.1/messages").mock(side_effect=self.send_message)

    # -- failures --------------------------------------------------------------------------

    def mock_auth_failure(self) -> respx.Route:
        return self.router.route().mock(return_value=error(401, "Authentication failed.", "Unauthorized"))
