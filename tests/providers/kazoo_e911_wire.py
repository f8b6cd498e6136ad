"""Kazoo's number-document features (e911, cnam) and account balance for respx, mixed into KazooWire.

Written from Kazoo's crossbar reference (applications/crossbar/doc/phone_numbers.md and the
``phone_numbers`` JSON schema, kazoo_numbers' ``knm_phone_number``, ``cb_transactions``/``cb_ledgers``):

- ``POST /v2/accounts/{A}/phone_numbers/{N}`` *replaces* the public fields with the request's
  ``data`` (``reset_doc``); ``id`` and ``used_by`` are dropped, computed fields (``state``,
  ``features``) and ``_read_only`` are not public, a legacy ``dash_e911`` becomes ``e911``.
- The schema: ``e911`` needs ``street_address``, ``locality``, ``region`` (2 characters) and
  ``postal_code``; ``caller_name`` is at least 3 characters; ``cnam.display_name`` 1–15 characters,
  ``cnam.inbound_lookup`` a boolean. A failing field is a 400 ``validation error``.
- A changed ``e911`` goes to the E911 provider: an address it cannot place is 400 ``invalid data``
  with ``address.invalid`` ("Location is not geocoded") and nothing is saved; one it places is
  saved with ``status`` PROVISIONED. A feature missing from ``features_available`` is 403
  ``forbidden`` ("requestor is unauthorized to perform operation").
- Active features show in the number's ``features`` (``e911``, ``outbound_cnam``, ``inbound_cnam``),
  in a listing too.
- ``GET …/transactions/current_balance`` answers ``{"balance": …}`` (4.x); on Kazoo 5 it is gone
  (404 ``bad_identifier``) and ``GET …/ledgers/total`` answers ``{"amount": …}``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import respx

__all__ = ["KazooE911Wire", "public_fields"]

NOT_GEOCODED = "Location is not geocoded"
_NOT_PUBLIC = ("id", "used_by", "state", "features")


def public_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in data.items() if not k.startswith(("_", "pvt_")) and k not in _NOT_PUBLIC}
    if "dash_e911" in fields:
        fields["e911"] = fields.pop("dash_e911")
    return fields


class KazooE911Wire:
    """The number documents' public fields, their features, and the account's balance."""

    # Provided by KazooWire (its envelope helpers, as static methods).
    account: Any
    _route: Any
    envelope: Any
    error: Any
    validation_error: Any
    json_of: Any

    def init_features(self) -> None:
        self.public: dict[str, dict[str, Any]] = {}  # public fields by number
        self.features_available: list[str] | None = ["cnam", "e911", "failover", "port", "prepend"]
        self.unplaceable: set[str] = set()  # street addresses the E911 provider cannot place
        self.balance = Decimal("12.50")
        self.kazoo5 = False  # Kazoo 5: no transactions/current_balance, ledgers/total instead

    def active_features(self, e164: str) -> list[str]:
        fields = self.public.get(e164, {})
        cnam = fields.get("cnam") or {}
        found = ["local"]
        found += ["e911"] if fields.get("e911") else []
        found += ["outbound_cnam"] if cnam.get("display_name") else []
        found += ["inbound_cnam"] if cnam.get("inbound_lookup") else []
        return found

    def _invalid(self, fields: dict[str, Any]) -> httpx.Response | None:
        e911, cnam = fields.get("e911"), fields.get("cnam")
        if isinstance(e911, dict):
            for key in ("street_address", "locality", "region", "postal_code"):
                if not e911.get(key):
                    return self.validation_error(f"e911.{key}", "required", "Field is required but missing", key)
            if len(e911["region"]) != 2:
                return self.validation_error("e911.region", "maxLength", "String must be 2 characters", e911["region"])
            if "caller_name" in e911 and len(str(e911["caller_name"])) < 3:
                too_short = "String must be at least 3 characters"
                return self.validation_error("e911.caller_name", "minLength", too_short, e911["caller_name"])
        if isinstance(cnam, dict):
            name = cnam.get("display_name")
            if name is not None and not (isinstance(name, str) and 1 <= len(name) <= 15):
                wrong = "String must be 1 to 15 characters"
                return self.validation_error("cnam.display_name", "maxLength", wrong, name)
            if "inbound_lookup" in cnam and not isinstance(cnam["inbound_lookup"], bool):
                return self.validation_error("cnam.inbound_lookup", "type", "Value did not match type(s): boolean", "")
        for feature, key in (("e911", "e911"), ("cnam", "cnam")):
            if fields.get(key) and self.features_available is not None and feature not in self.features_available:
                data = {"cause": feature, "message": "requestor is unauthorized to perform operation"}
                return self.error(403, "forbidden", data)
        return None

    def save_number(self, request: httpx.Request, number: str) -> httpx.Response:
        if number not in self.account.owned:
            return self.error(404, "bad_identifier", {"message": "bad identifier", "cause": number})
        fields = public_fields(self.json_of(request)["data"])
        refused = self._invalid(fields)
        if refused is not None:
            return refused
        e911 = fields.get("e911")
        before = self.public.get(number, {}).get("e911")
        if isinstance(e911, dict) and e911 != before:
            if e911["street_address"].casefold() in self.unplaceable:
                invalid = {"address": {"invalid": {"cause": e911, "message": NOT_GEOCODED}}}
                return self.error(400, "invalid data", invalid)
            fields["e911"] = {**e911, "status": "PROVISIONED", "location_id": "27578725"}
        self.public[number] = fields
        return self.envelope(self.document(number))

    def document(self, number: str) -> dict[str, Any]:
        """What `GET …/phone_numbers/{N}` answers: public fields, computed ones, `_read_only`."""
        read_only: dict[str, Any] = {"created": 63602230185, "modified": 63602230212, "state": "in_service"}
        if self.features_available is not None:
            read_only["features_available"] = self.features_available
        features = self.active_features(number)
        computed = {"id": number, "state": "in_service", "features": features, "_read_only": read_only}
        return {**self.public.get(number, {}), **computed}

    def mock_features(self, account_path: str, number: str) -> respx.Route:
        """POST on numbers (public fields) and the balance; returns the POST route."""

        def current_balance(request: httpx.Request) -> httpx.Response:
            if self.kazoo5:
                return self.error(404, "bad_identifier", {"message": "bad identifier", "cause": "current_balance"})
            return self.envelope({"balance": float(self.balance)})

        def ledgers_total(request: httpx.Request) -> httpx.Response:
            return self.envelope({"amount": float(self.balance)})

        self._route("GET", rf"{account_path}/transactions/current_balance", current_balance)
        self._route("GET", rf"{account_path}/ledgers/total", ledgers_total)
        self.save_route = self._route("POST", rf"{account_path}/phone_numbers/{number}", self.save_number)
        return self.save_route
