"""Kazoo's side of the wire, for respx: crossbar paths and envelopes, an Account behind them.

Shared by the contract subclass (tests/providers/kazoo/test_contract.py) and the signed-request
scenarios (tests/handlers/test_kazoo_flow.py). Shapes follow Kazoo's crossbar reference:
``PUT /v2/api_auth`` answers ``auth_token`` and ``data.account_id``; every answer is the
envelope ``{data, status, error, message, request_id}`` with the HTTP status matching
``error``; numbers in paths are URL-encoded E.164; listings page with ``page_size`` /
``start_key`` → ``next_start_key``; a 402 carries ``activation_charges`` and per-item rates.

Search follows crossbar's ``find_numbers`` schema and ``cb_phone_numbers``: ``prefix`` is
required and 3–10 characters (else 400 ``validation error`` with the failed rule nested under
the field, as ``kz_json_schema`` words it), and the carriers are asked for numbers starting
with the country's dial code followed by ``prefix`` (so an E.164 ``+1415`` finds nothing).

The account's forwards (``Listing.forward_to``) are rendered as the bot's ``resources``
callflows (the flow the bot sent, when it sent one), so a test that changes the Account
changes what Kazoo shows; callflows someone else made live in ``KazooWire.others``.
``dial`` tells where an inbound call ends up: ``resources`` with ``use_local_resources``
(true when left out, as in Kazoo's callflow schema) reaches the destination only when the
account has carriers of its own (``local_carriers``); otherwise the system's carriers do.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

import httpx
import phonenumbers
import respx

from tests.providers.contract import Account, Listing
from tests.providers.kazoo_e911_wire import KazooE911Wire

__all__ = ["ACCOUNT_ID", "API_KEY", "BASE_URL", "TOKEN", "KazooWire", "envelope", "error", "json_of", "plan_charges"]

BASE_URL = "https://kazoo.example:8443"
API_KEY = "kz0c0ntract0api0key0" + "7" * 44  # Kazoo keys are 64 characters
TOKEN = "kz-token-3c9e1f0a6b2d4e58"
ACCOUNT_ID = "4b8c6fec4b2597882c0390202d195419"
ACCOUNT = rf"/v2/accounts/{ACCOUNT_ID}"
NUMBER = r"(?P<number>\+\d+)"


def authorised(request: httpx.Request) -> None:
    """Every Kazoo call but the sign-in carries the token the sign-in gave (X-Auth-Token)."""
    if request.url.path != "/v2/api_auth":
        assert request.headers["x-auth-token"] == TOKEN


def json_of(request: httpx.Request) -> Any:
    assert request.headers["content-type"] == "application/json"
    return json.loads(request.content)


def envelope(data: Any, status: int = 200, **extra: Any) -> httpx.Response:
    body = {"data": data, "status": "success", "request_id": "req0001", "auth_token": TOKEN, **extra}
    return httpx.Response(status, json=body)


def error(status: int, message: str, data: Any) -> httpx.Response:
    body = {"data": data, "error": str(status), "message": message, "status": "error", "request_id": "req0002"}
    return httpx.Response(status, json=body)


NOT_FOUND = {"message": "bad identifier", "not_found": "The number could not be found"}
INVALID_CREDENTIALS = {"message": "invalid credentials"}


def callflow_id(e164: str) -> str:
    return hashlib.md5(e164.encode()).hexdigest()  # a made-up document id


def forward_flow(destination: str, *, local: bool = False) -> dict[str, Any]:
    """The bot's forward flow (the system's carriers unless `local`)."""
    return {"module": "resources", "data": {"to_did": destination, "use_local_resources": local}, "children": {}}


def validation_error(field: str, rule: str, message: str, value: object, **extra: Any) -> httpx.Response:
    """Crossbar's 400 for a request that fails its JSON schema."""
    return error(400, "validation error", {field: {rule: {"message": message, "value": value, **extra}}})


def find_numbers_error(params: httpx.QueryParams) -> httpx.Response | None:
    """The 400 crossbar's find_numbers schema answers, or None when the search is valid."""
    prefix = params.get("prefix")
    if not prefix:
        return validation_error("prefix", "required", "Field is required but missing", "prefix")
    if len(prefix) < 3:
        return validation_error("prefix", "minLength", "String must be at least 3 characters", prefix, target=3)
    if len(prefix) > 10:
        return validation_error("prefix", "maxLength", "String must not be more than 10 characters", prefix, target=10)
    country = params.get("country", "US")
    if len(country) != 2:
        return validation_error("country", "minLength", "String must be at least 2 characters", country, target=2)
    quantity = params.get("quantity", "1")
    if not quantity.isdigit() or int(quantity) < 1:
        return validation_error("quantity", "minimum", "Value must be at least 1", quantity, target=1)
    return None


class KazooWire(KazooE911Wire):
    """Installs crossbar routes on a respx router; every answer renders `account` when asked."""

    envelope = staticmethod(envelope)
    error = staticmethod(error)
    validation_error = staticmethod(validation_error)
    json_of = staticmethod(json_of)

    def __init__(self, router: respx.MockRouter, account: Account, *, tokens: set[str] | None = None) -> None:
        self.router = router
        self.account = account
        self.tokens = tokens if tokens is not None else {TOKEN}  # what Kazoo accepts now
        self.issued: list[str] = []  # tokens handed out by api_auth, in order
        self.others: dict[str, dict[str, Any]] = {}  # callflows the bot did not make, by id
        self.flows: dict[str, dict[str, Any]] = {}  # the flow the bot last sent, by number
        self.local_carriers = False  # the account has no carriers of its own: the system's serve it
        self.charges: dict[str, Any] | None = None  # the 402 data while the plan charges
        self.init_features()
        self.sms: list[dict[str, Any]] = []  # SMS documents crossbar accepted

    # -- auth ------------------------------------------------------------------------------

    def authorized(self, request: httpx.Request) -> bool:
        return request.headers.get("x-auth-token") in self.tokens

    def mock_auth(self, *, rotate: bool = False) -> respx.Route:
        """api_auth hands out TOKEN (or a fresh token each time when `rotate`)."""

        def auth(request: httpx.Request) -> httpx.Response:
            if json_of(request) != {"data": {"api_key": API_KEY}}:
                return error(401, "invalid_credentials", INVALID_CREDENTIALS)
            token = f"{TOKEN}-{len(self.issued) + 1}" if rotate else TOKEN
            self.issued.append(token)
            self.tokens.add(token)
            data = {"account_id": ACCOUNT_ID, "owner_id": "0" * 32, "is_reseller": False, "language": "en-US"}
            return httpx.Response(201, json={"auth_token": token, "data": data, "status": "success"})

        return self.router.put("/v2/api_auth").mock(side_effect=auth)

    def _guard(self, answer: Any) -> Any:
        def guarded(request: httpx.Request, **kwargs: Any) -> httpx.Response:
            if not self.authorized(request):
                return error(401, "invalid_credentials", INVALID_CREDENTIALS)
            return answer(request, **kwargs)

        return guarded

    def _route(self, method: str, path: str, answer: Any) -> respx.Route:
        return self.router.route(method=method, path__regex=rf"^{path}$").mock(side_effect=self._guard(answer))

    # -- search ----------------------------------------------------------------------------

    def mock_search(self, listings: list[Listing]) -> respx.Route:
        """The carriers hold `listings`; a search gets those starting with dial code + prefix."""

        def search(request: httpx.Request) -> httpx.Response:
            params = request.url.params
            refused = find_numbers_error(params)
            if refused is not None:
                return refused
            dial_code = phonenumbers.country_code_for_region(params.get("country", "US"))
            start = f"+{dial_code}{params['prefix'].replace(' ', '')}"
            found = [n for n in listings if n.e164.startswith(start)]
            offset, quantity = int(params.get("offset", "0")), int(params.get("quantity", "1"))
            return envelope([available(n) for n in found[offset : offset + quantity]])

        return self._route("GET", "/v2/phone_numbers", search)

    # -- the account's numbers -------------------------------------------------------------

    def number_doc(self, listing: Listing) -> dict[str, Any]:
        used_by = "callflow" if self.route_of(listing.e164) else ""
        return {
            "assigned_to": ACCOUNT_ID,
            "created": 63602230185,
            "features": self.active_features(listing.e164),
            "state": "in_service",
            "updated": 63602230212,
            "used_by": used_by,
        }

    def numbers_page(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        size = int(params.get("page_size", "50"))
        keys = sorted(self.account.owned)
        start = params.get("start_key")
        first = keys.index(start) if start in keys else 0
        page = keys[first : first + size]
        extra: dict[str, Any] = {"page_size": len(page)}
        if first + size < len(keys):
            extra["next_start_key"] = keys[first + size]
        if start:
            extra["start_key"] = start
        numbers = {n: self.number_doc(self.account.owned[n]) for n in page}
        return envelope({"cascade_quantity": 0, "numbers": numbers}, **extra)

    def number(self, request: httpx.Request, number: str) -> httpx.Response:
        listing = self.account.owned.get(number)
        if listing is None:
            return error(404, "bad_identifier", NOT_FOUND)
        used_by = self.number_doc(listing)["used_by"]
        return envelope({**self.document(number), "used_by": used_by} if used_by else self.document(number))

    def mock_account(self) -> None:
        """Number listing and lookups, the callflows that route them, the numbers' public fields
        (POST) and the account balance."""
        self._route("GET", rf"{ACCOUNT}/phone_numbers", self.numbers_page)
        self._route("GET", rf"{ACCOUNT}/phone_numbers/{NUMBER}", self.number)
        self.mock_callflow_reads()
        self.mock_features(ACCOUNT, NUMBER)

    # -- callflows -------------------------------------------------------------------------

    def callflows(self) -> dict[str, dict[str, Any]]:
        """Every callflow: the bot's forwards (from the Account) and the others."""
        docs = {}
        for listing in self.account.numbers():
            if listing.forward_to:
                docs[callflow_id(listing.e164)] = {
                    "id": callflow_id(listing.e164),
                    "name": f"numberbot: forward {listing.e164}",
                    "numbers": [listing.e164],
                    "patterns": [],
                    "flow": self._flow(listing.e164, listing.forward_to),
                }
        return {**docs, **self.others}

    def _flow(self, e164: str, destination: str) -> dict[str, Any]:
        """The flow the bot sent for `e164`, or the bot's default one for a forward set elsewhere."""
        sent = self.flows.get(e164)
        if sent is not None and sent.get("data", {}).get("to_did") == destination:
            return sent
        return forward_flow(destination)

    def dial(self, e164: str) -> str | None:
        """Where an inbound call to `e164` ends up (None: nowhere), as Kazoo would route it."""
        route = self.route_of(e164)
        flow = route["flow"] if route is not None else {}
        data = flow.get("data") or {}
        if flow.get("module") == "offnet":
            return data.get("to_did")  # always the system's carriers
        if flow.get("module") != "resources":
            return None
        local = data.get("use_local_resources", True)  # Kazoo's schema default
        return data.get("to_did") if (self.local_carriers or not local) else None

    def route_of(self, e164: str) -> dict[str, Any] | None:
        return next((d for d in self.callflows().values() if e164 in d["numbers"]), None)

    def callflow_page(self, request: httpx.Request) -> httpx.Response:
        size = int(request.url.params.get("page_size", "50"))
        docs = sorted(self.callflows().values(), key=lambda d: d["id"])
        start = request.url.params.get("start_key")
        first = next((i for i, d in enumerate(docs) if d["id"] == start), 0)
        page = docs[first : first + size]
        extra = {"next_start_key": docs[first + size]["id"]} if first + size < len(docs) else {}
        summaries = [{k: d[k] for k in ("id", "name", "numbers", "patterns")} for d in page]
        return envelope(summaries, page_size=len(page), **extra)

    def callflow(self, request: httpx.Request, cf: str) -> httpx.Response:
        doc = self.callflows().get(cf)
        if doc is None:
            return error(404, "bad_identifier", {"message": "bad identifier", "cause": cf})
        return envelope({**doc, "metadata": {}})

    def mock_callflow_reads(self) -> None:
        self._route("GET", rf"{ACCOUNT}/callflows", self.callflow_page)
        self._route("GET", rf"{ACCOUNT}/callflows/(?P<cf>\w+)", self.callflow)

    def _store(self, cf: str | None, doc: dict[str, Any]) -> httpx.Response:
        numbers, flow = doc.get("numbers", []), doc.get("flow", {})
        local = (flow.get("data") or {}).get("use_local_resources")
        if local is not None and not isinstance(local, bool):  # callflows.resources.json: a boolean
            path = "flow.data.use_local_resources"
            return validation_error(path, "type", "Value did not match type(s): boolean", local)
        clash = next((d for i, d in self.callflows().items() if i != cf and set(d["numbers"]) & set(numbers)), None)
        if clash is not None:
            number = sorted(set(clash["numbers"]) & set(numbers))[0]
            message = f"Number {number} exists in callflow {clash['id']} {clash['name']}"
            return error(400, "invalid data", {"numbers": {"unique": {"message": message, "cause": number}}})
        target = flow.get("data", {}).get("to_did") if flow.get("module") in ("resources", "offnet") else None
        mine = str(doc.get("name", "")).startswith("numberbot:")
        if cf in self.others or not mine or target is None or len(numbers) != 1:
            cf = cf or hashlib.md5(json.dumps(doc).encode()).hexdigest()
            self.others[cf] = {"id": cf, "patterns": [], **doc}
            return envelope(self.others[cf], 201)
        (number,) = numbers
        self.flows[number] = flow
        self.account.forward(number, target)
        return envelope({"id": callflow_id(number), **doc}, 201)

    def mock_forward(self) -> tuple[respx.Route, respx.Route]:
        """Creating (PUT) and changing (POST) callflows."""
        create = self._route(
            "PUT", rf"{ACCOUNT}/callflows", lambda request: self._store(None, json_of(request)["data"])
        )
        change = self._route(
            "POST", rf"{ACCOUNT}/callflows/(?P<cf>\w+)", lambda request, cf: self._store(cf, json_of(request)["data"])
        )
        return create, change

    def drop_callflow(self, request: httpx.Request, cf: str) -> httpx.Response:
        if self.others.pop(cf, None) is not None:
            return envelope({"id": cf})
        for listing in self.account.numbers():
            if listing.forward_to and callflow_id(listing.e164) == cf:
                self.account.owned[listing.e164] = replace(listing, forward_to=None)
                return envelope({"id": cf})
        return error(404, "bad_identifier", {"message": "bad identifier", "cause": cf})

    # -- text messages ---------------------------------------------------------------------

    def mock_sms(self) -> respx.Route:
        """Crossbar's `PUT …/sms`: the sms schema (`body` 1..700 characters and `to` required,
        `from` optional), then 201 with the stored document and its id (``YYYYMM-<hex>``)."""

        def create(request: httpx.Request) -> httpx.Response:
            doc = json_of(request).get("data") or {}
            body = doc.get("body")
            if not isinstance(body, str) or not 1 <= len(body) <= 700:
                return validation_error("body", "maxLength" if body else "required", "text message", body)
            if not isinstance(doc.get("to"), str):
                return validation_error("to", "required", "Field is required but missing", None)
            self.sms.append(doc)
            sms_id = f"202605-{hashlib.md5(body.encode()).hexdigest()}"
            return envelope({**doc, "id": sms_id}, status=201)

        return self._route("PUT", rf"{ACCOUNT}/sms", create)

    # -- buying and releasing --------------------------------------------------------------

    def mock_buy(self, listing: Listing | None = None) -> respx.Route:
        """Activation succeeds (after a 402 while `charges` is set and not accepted)."""

        def activate(request: httpx.Request, number: str) -> httpx.Response:
            body = json_of(request)
            if self.charges is not None and body.get("accept_charges") is not True:
                return error(402, "accept charges", self.charges)
            if number in self.account.owned:
                data = {
                    "cause": number,
                    "code": 409,
                    "error": "number_exists",
                    "message": f"number {number} already exists",
                }
                return error(409, "number_exists", data)
            self.account.own(listing if listing is not None else Listing(e164=number, country="US"))
            return envelope({"id": number, "state": "in_service", "_read_only": {"state": "in_service"}})

        return self._route("PUT", rf"{ACCOUNT}/phone_numbers/{NUMBER}/activate", activate)

    def mock_buy_refused(self, reason: str, status: int = 500) -> respx.Route:
        data = {"cause": "number", "code": status, "error": "unspecified_fault", "message": reason}
        return self._route(
            "PUT",
            rf"{ACCOUNT}/phone_numbers/{NUMBER}/activate",
            lambda request, number: error(status, "unspecified_fault", data),
        )

    def mock_buy_lost(self, listing: Listing, *, happened: bool) -> respx.Route:
        def lost(request: httpx.Request, number: str) -> httpx.Response:
            if happened:
                self.account.own(listing)
            raise httpx.ReadTimeout("no answer", request=request)

        return self._route("PUT", rf"{ACCOUNT}/phone_numbers/{NUMBER}/activate", lost)

    def mock_release(self) -> tuple[respx.Route, respx.Route]:
        """Deleting numbers and callflows."""

        def delete(request: httpx.Request, number: str) -> httpx.Response:
            if self.account.drop(number) is None:
                return error(404, "bad_identifier", NOT_FOUND)
            return envelope({"id": number, "state": "available", "_read_only": {"state": "available"}})

        numbers = self._route("DELETE", rf"{ACCOUNT}/phone_numbers/{NUMBER}", delete)
        callflows = self._route("DELETE", rf"{ACCOUNT}/callflows/(?P<cf>\w+)", self.drop_callflow)
        return numbers, callflows

    def mock_auth_failure(self) -> respx.Route:
        return self.router.route().mock(return_value=error(401, "invalid_credentials", INVALID_CREDENTIALS))


def available(listing: Listing) -> dict[str, Any]:
    """A search result as Kazoo's carriers return it: no price, no features."""
    digits = listing.digits
    return {
        "e164": listing.e164,
        "formatted_number": f"{digits[:-10]}-{digits[-10:-7]}-{digits[-7:-4]}-{digits[-4:]}",
        "number": listing.e164,
        "number_id": hashlib.md5(digits.encode()).hexdigest().upper(),
        "status": "Available",
    }


def plan_charges(rate: str = "2.00", activation: str = "1.50") -> dict[str, Any]:
    """A 402's data as Kazoo's service plans produce it for one number."""
    item = {
        "category": "phone_numbers",
        "item": "did_us",
        "quantity": 1,
        "rate": float(rate),  # JSON numbers, as Kazoo sends them
        "single_discount": True,
        "single_discount_rate": 0.0,
        "cumulative_discount": 0,
        "cumulative_discount_rate": 0.0,
        "activation_charges": float(activation),
    }
    return {"phone_numbers": {"did_us": item}, "activation_charges": float(activation)}
