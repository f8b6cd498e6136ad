"""Flowroute's E911 and CNAM endpoints for respx, mixed into FlowrouteWire.

Written from Flowroute's Numbers v2 reference (developer.flowroute.com/api/numbers/v2.0/):
``POST /v2/e911s/validate`` answers 204 or an error (400 "Could not geocode this address. Please
check the validity of your address.", as the Python SDK's README shows); ``POST /v2/e911s`` 201
with the record; ``GET /v2/e911s`` pages (``limit``, ``offset``, ``state``);
``PATCH /v2/numbers/{n}/relationships/e911s/{id}`` 204 (422 "Cannot assign an E911 record to a
number that does not support emergency services." for a toll-free number);
``DELETE /v2/numbers/{n}/relationships/e911s`` 204. CNAM: ``POST /v2/cnams`` ``{"value"}`` 201
with ``is_approved`` false; ``GET /v2/cnams`` (``value`` contains, case-insensitive;
``is_approved``); ``PATCH /v2/numbers/{n}/relationships/cnams/{id}`` 202 with ``date_created``,
refused while the record is not approved; ``DELETE /v2/numbers/{n}/relationships/cnams`` 202.

The reference gives no status or text for three refusals; the mock's choice is marked "assumed"
below (a duplicate label, a CNAM value breaking the storage rules, an unapproved record).
Attributes are checked as the reference lists them: every E911 attribute present, ``state`` two
capital letters, ``country`` US or CA, ``street_number`` an integer, ``address_type`` one of the
listed types and then ``address_type_number`` too; a CNAM value is at most 15 characters with a
letter, of letters, digits, spaces and - _ . , @ + & ' / ".
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx

from bot.models import NumberType
from bot.phone import to_e164

__all__ = ["E911_TYPES", "FlowrouteE911Wire"]

BASE_URL = "https://api.flowroute.com"
E911_TYPES = {  # the address types of the reference, matched case-insensitively
    "apartment", "basement", "building", "department", "floor", "front", "key", "lobby", "lot", "lower", "office",
    "penthouse", "pier", "rear", "room", "side", "slip", "space", "stop", "suite", "trailer", "unit", "upper",
}  # fmt: skip
E911_REQUIRED = ("label", "first_name", "last_name", "street_number", "street_name", "city", "state", "country", "zip")
GEOCODE_FAILED = "Could not geocode this address. Please check the validity of your address."
NO_EMERGENCY = "Cannot assign an E911 record to a number that does not support emergency services."
_CNAM = re.compile(r"^[A-Za-z0-9 \-_.,@+&'/\"]{1,15}$")
_ids = itertools.count(21301)


class FlowrouteE911Wire:
    """E911 and CNAM routes; the account (`self.account`, a FlowrouteAccount) holds the records."""

    # Provided by FlowrouteWire.
    router: Any
    account: Any
    answer: Any
    error: Any
    page: Any
    not_found: Any
    body_of: Any

    # -- e911 ------------------------------------------------------------------------------

    def e911_resource(self, record_id: str) -> dict[str, Any]:
        return {
            "type": "e911",
            "id": record_id,
            "attributes": dict(self.account.e911s[record_id]),
            "links": {"self": f"{BASE_URL}/v2/e911s/{record_id}"},
        }

    def _e911_problem(self, request: httpx.Request) -> tuple[httpx.Response | None, dict[str, Any]]:
        """The refusal Flowroute would answer for this E911 body, or None and its attributes."""
        body = self.body_of(request)
        if body is None:
            return self.error(415, "Request bodies must be application/vnd.api+json.", "Unsupported Media Type"), {}
        data = body.get("data") or {}
        if data.get("type") != "e911":
            return self.error(409, "The resource type must be e911.", "Conflict"), {}
        attributes = data.get("attributes") or {}
        missing = [k for k in E911_REQUIRED if attributes.get(k) in (None, "")]
        kind = str(attributes.get("address_type") or "").lower()
        if missing:
            return self.error(400, f"Missing required attributes: {', '.join(missing)}.", "Client Error"), attributes
        if not isinstance(attributes["street_number"], int) or isinstance(attributes["street_number"], bool):
            return self.error(400, "street_number must be an integer.", "Client Error"), attributes
        if not re.fullmatch(r"[A-Z]{2}", str(attributes["state"])) or attributes["country"] not in ("US", "CA"):
            return self.error(400, "state must be two capital letters and country US or CA.", "Client Error"), {}
        if kind and (kind not in E911_TYPES or not attributes.get("address_type_number")):
            return self.error(400, "address_type needs a listed type and its address_type_number.", "Client Error"), {}
        street = f"{attributes['street_number']} {attributes['street_name']}".casefold()
        if street in self.account.unplaceable:
            return self.error(400, GEOCODE_FAILED, "Client Error"), attributes
        return None, attributes

    def validate_e911(self, request: httpx.Request) -> httpx.Response:
        refused, _ = self._e911_problem(request)
        return refused or self.answer(204)

    def create_e911(self, request: httpx.Request) -> httpx.Response:
        refused, attributes = self._e911_problem(request)
        if refused is not None:
            return refused
        if any(r["label"] == attributes["label"] for r in self.account.e911s.values()):
            return self.error(400, "An E911 record with this label already exists.", "Client Error")  # assumed
        record_id = str(next(_ids))
        self.account.e911s[record_id] = {**attributes, "street_number": str(attributes["street_number"])}
        return self.answer(201, {"data": self.e911_resource(record_id)})

    def list_e911s(self, request: httpx.Request) -> httpx.Response:
        state = request.url.params.get("state")
        records = [self.e911_resource(i) for i, r in self.account.e911s.items() if state in (None, r["state"])]
        return self.page("/v2/e911s", request, records)

    def one_e911(self, request: httpx.Request, record_id: str) -> httpx.Response:
        if record_id not in self.account.e911s:
            return self.not_found()
        return self.answer(200, {"data": self.e911_resource(record_id)})

    def attach_e911(self, request: httpx.Request, number: str, record_id: str) -> httpx.Response:
        listing = self.account.owned.get(to_e164(number) or "")
        if listing is None or record_id not in self.account.e911s:
            return self.not_found()
        if listing.type is NumberType.tollfree:
            return self.error(422, NO_EMERGENCY, "Invalid Resource")
        self.account.e911_of[listing.e164] = record_id
        return self.answer(204)

    def detach_e911(self, request: httpx.Request, number: str) -> httpx.Response:
        e164 = to_e164(number) or ""
        if e164 not in self.account.owned:
            return self.not_found()
        self.account.e911_of.pop(e164, None)
        return self.answer(204)

    def mock_e911(self) -> dict[str, Any]:
        """Every E911 route; returns them by name (validate, create, list, attach, detach)."""
        router = self.router
        numbers = r"^/v2/numbers/(?P<number>\d+)/relationships/e911s"
        return {
            "validate": router.post("/v2/e911s/validate").mock(side_effect=self.validate_e911),
            "create": router.post("/v2/e911s").mock(side_effect=self.create_e911),
            "list": router.get("/v2/e911s").mock(side_effect=self.list_e911s),
            "one": router.get(path__regex=r"^/v2/e911s/(?P<record_id>\d+)$").mock(side_effect=self.one_e911),
            "attach": router.patch(path__regex=numbers + r"/(?P<record_id>\d+)$").mock(side_effect=self.attach_e911),
            "detach": router.delete(path__regex=numbers + "$").mock(side_effect=self.detach_e911),
        }

    # -- cnam ------------------------------------------------------------------------------

    def cnam_resource(self, cnam_id: str) -> dict[str, Any]:
        return {
            "type": "cnam",
            "id": cnam_id,
            "attributes": dict(self.account.cnams[cnam_id]),
            "links": {"self": f"{BASE_URL}/v2/cnams/{cnam_id}"},
        }

    def create_cnam(self, request: httpx.Request) -> httpx.Response:
        body = self.body_of(request)
        if body is None:
            return self.error(415, "Request bodies must be application/vnd.api+json.", "Unsupported Media Type")
        value = body.get("value")
        if not isinstance(value, str) or not _CNAM.match(value) or not re.search("[A-Za-z]", value):
            return self.error(400, "The CNAM value breaks the CNAM storage rules.", "Client Error")  # assumed
        cnam_id = str(next(_ids))
        self.account.cnams[cnam_id] = {
            "approval_datetime": None,
            "creation_datetime": "2026-06-01 00:09:52.513092+00:00",
            "is_approved": False,
            "rejection_reason": None,
            "value": value,
        }
        return self.answer(201, {"data": self.cnam_resource(cnam_id)})

    def list_cnams(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        value, approved = params.get("value", "").casefold(), params.get("is_approved")
        chosen = [
            self.cnam_resource(i)
            for i, r in self.account.cnams.items()
            if value in r["value"].casefold() and approved in (None, str(r["is_approved"]).lower())
        ]
        return self.page("/v2/cnams", request, chosen)

    def one_cnam(self, request: httpx.Request, cnam_id: str) -> httpx.Response:
        if cnam_id not in self.account.cnams:
            return self.not_found()
        return self.answer(200, {"data": self.cnam_resource(cnam_id)})

    def attach_cnam(self, request: httpx.Request, number: str, cnam_id: str) -> httpx.Response:
        e164 = to_e164(number) or ""
        if e164 not in self.account.owned or cnam_id not in self.account.cnams:
            return self.not_found()
        if not self.account.cnams[cnam_id]["is_approved"]:
            return self.error(400, "The CNAM record has not been approved yet.", "Client Error")  # assumed
        self.account.cnam_of[e164] = cnam_id
        created = {"date_created": "Fri, 01 Jun 2026 00:17:52 GMT"}
        return self.answer(202, {"data": {"attributes": created, "id": int(cnam_id), "type": "cnam"}})

    def detach_cnam(self, request: httpx.Request, number: str) -> httpx.Response:
        e164 = to_e164(number) or ""
        if e164 not in self.account.owned:
            return self.not_found()
        self.account.cnam_of.pop(e164, None)
        created = {"date_created": "Mon, 22 Aug 2026 07:23:53 GMT"}
        return self.answer(202, {"data": {"id": None, "type": "cnam", "attributes": created}})

    def mock_cnam(self) -> dict[str, Any]:
        """Every CNAM route and the number PATCH (alias, cnam_lookups_enabled); returns them by name."""
        router = self.router
        numbers = r"^/v2/numbers/(?P<number>\d+)/relationships/cnams"
        return {
            "create": router.post("/v2/cnams").mock(side_effect=self.create_cnam),
            "list": router.get("/v2/cnams").mock(side_effect=self.list_cnams),
            "one": router.get(path__regex=r"^/v2/cnams/(?P<cnam_id>\d+)$").mock(side_effect=self.one_cnam),
            "attach": router.patch(path__regex=numbers + r"/(?P<cnam_id>\d+)$").mock(side_effect=self.attach_cnam),
            "detach": router.delete(path__regex=numbers + "$").mock(side_effect=self.detach_cnam),
            "number": self.mock_alias(),  # type: ignore[attr-defined]
        }

    # -- what a number's document shows ----------------------------------------------------

    def related(self, e164: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The e911_address and cnam_preset relationships of a number, and their included objects."""
        e911, cnam = self.account.e911_of.get(e164), self.account.cnam_of.get(e164)
        relationships = {
            "e911_address": {"data": {"id": e911, "type": "e911"} if e911 else None},
            "cnam_preset": {"data": {"id": cnam, "type": "cnam"} if cnam else None},
        }
        included = ([self.e911_resource(e911)] if e911 and self.account.include_records else []) + (
            [self.cnam_resource(cnam)] if cnam and self.account.include_records else []
        )
        return relationships, included
