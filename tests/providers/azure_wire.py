"""Azure's side of the wire, for respx: real paths, real payload shapes, an Account behind them.

Shared by the contract subclass (tests/providers/azure/test_contract.py) and the signed-request
scenarios (tests/handlers/test_azure_flow.py). Shapes follow the Phone Numbers REST API
2025-06-01: ``:browse`` answers ``{"phoneNumbers": [AvailablePhoneNumber…]}`` with ``cost``
{amount, currencyCode, billingFrequency}; a reservation is ``{id, expiresAt, status,
phoneNumbers: {id: AvailablePhoneNumber}}``; purchases and releases answer 202 with
``Operation-Location``/``operation-id`` and are polled at ``/phoneNumbers/operations/{id}``
(``notStarted``/``running``/``succeeded``/``failed``); ``GET /phoneNumbers`` pages with a
relative ``nextLink``; errors are ``{"error": {"code", "message"}}``.

Operations are ``PhoneNumberOperation`` documents as the 2025-06-01 reference defines them:
``id``, ``operationType`` (``purchase``, ``releasePhoneNumber``, ``search`` or
``updatePhoneNumberCapabilities``: a reservation's purchase is a ``purchase`` although its id
starts ``reservationPurchase_``), ``status`` from the four values above exactly as cased,
``createdDateTime``, ``lastActionDateTime`` and, when failed, a CommunicationError
``error``. A test that sets a status Azure never sends fails at once.

`signature_of` recomputes the HMAC-SHA256 signature with hmac/hashlib directly, independently
of bot.providers.azure_auth, so every request the adapter sends is checked against it.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import respx

from bot.models import Feature, NumberType
from tests.providers.contract import Account, Listing

__all__ = [
    "ACCESS_KEY",
    "API_VERSION",
    "BASE_URL",
    "CONNECTION_STRING",
    "AzureWire",
    "assert_signed",
    "body_of",
    "mock_auth_failure",
]

BASE_URL = "https://contoso-numbers.communication.azure.com"
ACCESS_KEY = base64.b64encode(b"azure-contract-test-access-key-0123456789").decode()
CONNECTION_STRING = f"endpoint={BASE_URL}/;accesskey={ACCESS_KEY}"
API_VERSION = "2025-06-01"
TYPES = {NumberType.local: "geographic", NumberType.mobile: "mobile", NumberType.tollfree: "tollFree"}
DENIED = {"error": {"code": "Denied", "message": "Denied by the resource provider."}}
PURCHASE = re.compile(r"^/availablePhoneNumbers/reservations/(?P<rid>[^/]+)/:purchase$")
RESERVATION = re.compile(r"^/availablePhoneNumbers/reservations/(?P<rid>[^/:]+)$")
NUMBER = re.compile(r"^/phoneNumbers/(?P<number>\+\d+)$")
OPERATION = re.compile(r"^/phoneNumbers/operations/(?P<op_id>[^/]+)$")
BROWSE = re.compile(r"^/availablePhoneNumbers/countries/(?P<cc>[A-Z]{2})/:browse$")
OPERATION_STATUSES = ("notStarted", "running", "succeeded", "failed")  # PhoneNumberOperationStatus


def _checked_statuses(statuses: list[str]) -> list[str]:
    unknown = [s for s in statuses if s not in OPERATION_STATUSES]
    if unknown:
        raise ValueError(f"Azure never reports an operation as {unknown}; it says one of {OPERATION_STATUSES}")
    return statuses


def signature_of(request: httpx.Request, key: str = ACCESS_KEY) -> str:
    """The Authorization header Azure expects for this request, computed from scratch."""
    digest = base64.b64encode(hashlib.sha256(request.content).digest()).decode()
    path_and_query = request.url.raw_path.decode()
    signed = f"{request.method}\n{path_and_query}\n{request.headers['x-ms-date']};{request.headers['host']};{digest}"
    mac = hmac.new(base64.b64decode(key), signed.encode(), hashlib.sha256).digest()
    return f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={base64.b64encode(mac).decode()}"


def assert_signed(request: httpx.Request) -> None:
    """Signed as Azure requires, with the api-version, and no secret anywhere in it."""
    date = request.headers["x-ms-date"]
    assert date.endswith(" GMT"), date
    assert email.utils.parsedate_to_datetime(date).tzinfo is not None, date
    assert request.headers["x-ms-content-sha256"] == base64.b64encode(hashlib.sha256(request.content).digest()).decode()
    assert request.headers["authorization"] == signature_of(request), "HMAC signature"
    assert request.url.params.get("api-version") == API_VERSION
    assert ACCESS_KEY not in str(request.url)
    assert ACCESS_KEY.encode() not in request.content


def body_of(request: httpx.Request) -> dict[str, Any]:
    return json.loads(request.content)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _caps(listing: Listing) -> dict[str, str]:
    return {
        "calling": "inbound+outbound" if Feature.voice in listing.features else "none",
        "sms": "inbound+outbound" if Feature.sms in listing.features else "none",
    }


def _cost(listing: Listing, currency: str) -> dict[str, Any]:
    if listing.monthly is None:
        return {}
    return {"cost": {"amount": float(listing.monthly), "currencyCode": currency, "billingFrequency": "monthly"}}


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


@dataclass
class Operation:
    id: str
    statuses: list[str]
    kind: str = "purchase"  # operationType
    effect: Any = None  # called once when the operation succeeds
    error: dict[str, str] | None = None
    polls: int = 0

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, _checked_statuses(value) if name == "statuses" else value)


@dataclass
class AzureWire:
    """Installs Azure routes on a respx router; every answer renders `account` when asked."""

    router: respx.MockRouter
    account: Account = field(default_factory=Account)
    currency: str = "USD"
    statuses: list[str] = field(default_factory=lambda: ["notStarted", "running", "succeeded"])
    retry_after: str | None = "1"
    purchase: str = "ok"  # ok | failed | rejected | lost | lost-bought
    release_mode: str = "ok"  # ok | failed
    failure: str = "The purchase could not be completed."
    offered: dict[str, Listing] = field(default_factory=dict)  # by Azure id (digits)
    reservations: dict[str, dict[str, Any]] = field(default_factory=dict)
    operations: dict[str, Operation] = field(default_factory=dict)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, _checked_statuses(value) if name == "statuses" else value)

    def __post_init__(self) -> None:
        self.routes = {
            "browse": self.router.route(method="POST", path__regex=BROWSE.pattern).mock(side_effect=self._browse),
            "reserve": self.router.route(method="PATCH", path__regex=RESERVATION.pattern).mock(
                side_effect=self._reserve
            ),
            "reservation": self.router.route(method="GET", path__regex=RESERVATION.pattern).mock(
                side_effect=self._reservation
            ),
            "unreserve": self.router.route(method="DELETE", path__regex=RESERVATION.pattern).mock(
                side_effect=self._unreserve
            ),
            "purchase": self.router.route(method="POST", path__regex=PURCHASE.pattern).mock(side_effect=self._purchase),
            "operation": self.router.route(method="GET", path__regex=OPERATION.pattern).mock(
                side_effect=self._operation
            ),
            "list": self.router.route(method="GET", path="/phoneNumbers").mock(side_effect=self.account_page),
            "number": self.router.route(method="GET", path__regex=NUMBER.pattern).mock(side_effect=self._number),
            "release": self.router.route(method="DELETE", path__regex=NUMBER.pattern).mock(side_effect=self._release),
        }

    # -- renderings ------------------------------------------------------------------------

    def available(self, listing: Listing, status: str = "available") -> dict[str, Any]:
        return {
            "id": listing.digits,
            "countryCode": listing.country,
            "phoneNumber": listing.e164,
            "phoneNumberType": TYPES[listing.type or NumberType.local],
            "assignmentType": "application",
            "capabilities": _caps(listing),
            **_cost(listing, self.currency),
            "status": status,
            "isAgreementToNotResellRequired": False,
        }

    def purchased(self, listing: Listing) -> dict[str, Any]:
        return {
            "id": listing.digits,
            "phoneNumber": listing.e164,
            "countryCode": listing.country,
            "phoneNumberType": TYPES[listing.type or NumberType.local],
            "assignmentType": "application",
            "capabilities": _caps(listing),
            "purchaseDate": "2025-01-07T10:30:00.000Z",
            **_cost(listing, self.currency),
        }

    # -- what tests set up -------------------------------------------------------------------

    def offer(self, listings: list[Listing]) -> None:
        self.offered = {listing.digits: listing for listing in listings}

    def accepted(self, op: Operation, kind: str, ref: str) -> httpx.Response:
        self.operations[op.id] = op
        headers = {
            "Operation-Location": f"{BASE_URL}/phoneNumbers/operations/{op.id}?api-version={API_VERSION}",
            "operation-id": op.id,
            f"{kind}-id": ref,
        }
        return httpx.Response(202, headers=headers)

    # -- browse and reservations -----------------------------------------------------------

    def _browse(self, request: httpx.Request, cc: str) -> httpx.Response:
        return httpx.Response(200, json={"phoneNumbers": [self.available(n) for n in self.offered.values()]})

    def _reservation_body(self, rid: str) -> dict[str, Any]:
        held = self.reservations[rid]
        return {
            "id": rid,
            "expiresAt": _iso(held["expires"]),
            "phoneNumbers": {k: self.available(n, held["statuses"][k]) for k, n in held["numbers"].items()},
            "status": held["status"],
        }

    def _reserve(self, request: httpx.Request, rid: str) -> httpx.Response:
        assert request.headers["content-type"] == "application/merge-patch+json"
        created = rid not in self.reservations
        held = self.reservations.setdefault(
            rid,
            {"numbers": {}, "statuses": {}, "status": "active", "expires": datetime.now(UTC) + timedelta(minutes=15)},
        )
        failed: dict[str, Any] = {}
        for number_id, entry in body_of(request)["phoneNumbers"].items():
            listing = self.offered.get(number_id)
            if entry is None:
                held["numbers"].pop(number_id, None)
            elif listing is None:  # no longer for sale: Azure keeps the rest and says 207
                error = {"code": "FailedToReserveNumber", "message": "Failed to add the number to the reservation."}
                failed[number_id] = {**entry, "id": number_id, "status": "error", "error": error}
            else:
                held["numbers"][number_id] = listing
                held["statuses"][number_id] = "reserved"
        body = self._reservation_body(rid)
        body["phoneNumbers"].update(failed)
        return httpx.Response(207 if failed else 201 if created else 200, json=body)

    def _reservation(self, request: httpx.Request, rid: str) -> httpx.Response:
        if rid not in self.reservations:
            return _error(404, "NotFound", "Reservation not found.")
        return httpx.Response(200, json=self._reservation_body(rid))

    def _unreserve(self, request: httpx.Request, rid: str) -> httpx.Response:
        if self.reservations.pop(rid, None) is None:
            return _error(404, "NotFound", "Reservation not found.")
        return httpx.Response(204)

    # -- purchases and operations ------------------------------------------------------------

    def _complete(self, rid: str) -> None:
        held = self.reservations[rid]
        held["status"] = "completed"
        for number_id, listing in held["numbers"].items():
            self.account.own(listing)
            held["statuses"][number_id] = "purchased"

    def _purchase(self, request: httpx.Request, rid: str) -> httpx.Response:
        held = self.reservations.get(rid)
        if held is None or held["status"] != "active":
            return _error(404, "ReservationNotFound", "The reservation does not exist or has expired.")
        if self.purchase == "rejected":
            return _error(400, "BadRequest", self.failure)
        if self.purchase.startswith("lost"):
            if self.purchase == "lost-bought":
                self._complete(rid)
            raise httpx.ReadTimeout("no answer", request=request)
        held["status"] = "submitted"
        op = Operation(id=f"reservationPurchase_{rid}", statuses=list(self.statuses))
        if self.purchase == "failed":
            op.statuses[-1] = "failed"
            op.error = {"code": "PurchaseFailed", "message": self.failure}
        else:
            op.effect = lambda: self._complete(rid)
        return self.accepted(op, "reservation-purchase", rid)

    def _operation(self, request: httpx.Request, op_id: str) -> httpx.Response:
        op = self.operations.get(op_id)
        if op is None:
            return _error(404, "NotFound", "Operation not found.")
        status = op.statuses[min(op.polls, len(op.statuses) - 1)]
        op.polls += 1
        if status == "succeeded" and op.effect is not None:
            op.effect()
            op.effect = None
        body: dict[str, Any] = {
            "id": op.id,
            "operationType": op.kind,
            "status": status,
            "createdDateTime": "2025-01-07T10:30:00.000Z",
            "lastActionDateTime": _iso(datetime.now(UTC)),
        }
        if status == "failed" and op.error:
            body["error"] = op.error
        headers = (
            {"Retry-After": self.retry_after} if self.retry_after and status not in ("succeeded", "failed") else {}
        )
        return httpx.Response(200, json=body, headers=headers)

    # -- the account -------------------------------------------------------------------------

    def account_page(self, request: httpx.Request) -> httpx.Response:
        skip = int(request.url.params.get("skip", "0"))
        top = int(request.url.params.get("top", "100"))
        numbers = self.account.numbers()
        body: dict[str, Any] = {"phoneNumbers": [self.purchased(n) for n in numbers[skip : skip + top]]}
        if skip + top < len(numbers):
            body["nextLink"] = f"/phoneNumbers?skip={skip + top}&top={top}&api-version={API_VERSION}"
        return httpx.Response(200, json=body)

    def _number(self, request: httpx.Request, number: str) -> httpx.Response:
        listing = self.account.owned.get(number)
        if listing is None:
            return _error(404, "PhoneNumberNotFound", "The phone number was not found.")
        return httpx.Response(200, json=self.purchased(listing))

    def _release(self, request: httpx.Request, number: str) -> httpx.Response:
        e164 = number
        if e164 not in self.account.owned:
            return _error(404, "PhoneNumberNotFound", "The phone number was not found.")
        release_id = str(uuid.uuid4())
        op = Operation(id=f"release_{release_id}", statuses=list(self.statuses), kind="releasePhoneNumber")
        if self.release_mode == "failed":
            op.statuses[-1] = "failed"
            op.error = {"code": "ReleaseFailed", "message": "The number is assigned to a Teams user."}
        else:
            op.effect = lambda: self.account.drop(e164)
        return self.accepted(op, "release", release_id)


def mock_auth_failure(router: respx.MockRouter) -> respx.Route:
    """Every request rejected for its credentials, as Azure answers a bad signature."""
    return router.route().mock(return_value=httpx.Response(401, json=DENIED))
