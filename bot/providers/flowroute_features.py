"""Flowroute E911 address records and CNAM records, for the `flowroute` adapter.

E911 (Numbers v2, developer.flowroute.com): ``POST /v2/e911s/validate`` checks an address (204,
or an error such as 400 "Could not geocode this address"); ``GET /v2/e911s`` lists the account's
address records (``limit``/``offset``, ``state``), ``POST /v2/e911s`` creates one (201; its
``label`` must be unique), ``PATCH /v2/numbers/{id}/relationships/e911s/{e911_id}`` attaches it
(204; 422 for a number without emergency service) and ``DELETE /v2/numbers/{id}/relationships/e911s``
detaches it (204). A record's attributes: label, first_name, last_name, street_number,
street_name, address_type + address_type_number, city, state, country (US or CA), zip.

CNAM: ``POST /v2/cnams`` with ``{"value": …}`` creates a record (201, ``is_approved`` false until
Flowroute's review, up to 48 hours; ``rejection_reason`` when refused); ``GET /v2/cnams``
(``value`` filter, ``is_approved``) and ``GET /v2/cnams/{id}`` read them; only an approved record
can be attached: ``PATCH /v2/numbers/{id}/relationships/cnams/{cnam_id}`` (202), detached with
``DELETE /v2/numbers/{id}/relationships/cnams`` (202). Inbound caller-name lookup is the number's
``cnam_lookups_enabled``, set with ``PATCH /v2/numbers/{id}`` ``{"type": "number", …}``.

A number's document names its records in ``relationships`` (``e911_address``, ``cnam_preset``)
and may carry them in ``included``. An address the account already has is reused, not created
again; a record the bot creates is labelled ``numberbot <digest> <street>`` (unique per address).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from bot.errors import OutcomeUnknown, ProviderRefused
from bot.models import CallerName, E911Status, EmergencyAddress
from bot.providers.flowroute_jsonapi import error_reason, number_id, parse_document

if TYPE_CHECKING:
    import httpx

__all__ = ["FlowrouteFeatures", "cnam_summary", "e911_summary"]

_COUNTRIES = {"USA": "US", "CAN": "CA"}  # Flowroute's own records show either form


def _related(document: dict[str, Any], key: str) -> tuple[str, dict[str, Any] | None] | None:
    """The id a number's relationship points at, and the included object when the document has it."""
    data = ((document.get("data") or {}).get("relationships") or {}).get(key) or {}
    target = data.get("data") if isinstance(data, dict) else None
    if not isinstance(target, dict) or target.get("id") is None:
        return None
    ident = str(target["id"])
    for item in document.get("included") or []:
        if isinstance(item, dict) and str(item.get("id")) == ident and item.get("type") == target.get("type"):
            return ident, item.get("attributes") or {}
    return ident, None


def _line(attributes: dict[str, Any]) -> str:
    street = " ".join(str(attributes.get(k) or "") for k in ("street_number", "street_name")).strip()
    unit = " ".join(str(attributes.get(k) or "") for k in ("address_type", "address_type_number")).strip()
    place = f"{attributes.get('state') or ''} {attributes.get('zip') or ''}".strip()
    return ", ".join(p for p in (" ".join(filter(None, (street, unit))), str(attributes.get("city") or ""), place) if p)


def _same(value: object) -> str:
    return " ".join(str(value or "").split()).casefold()


def _key(attributes: dict[str, Any]) -> tuple[str, ...]:
    """An address record compared field by field, ignoring case and spacing (not its label or names)."""
    country = str(attributes.get("country") or "").upper()
    fields = ("street_number", "street_name", "address_type", "address_type_number", "city", "state")
    zip_code = _same(attributes.get("zip")).replace(" ", "")
    return (*(_same(attributes.get(f)) for f in fields), _COUNTRIES.get(country, country), zip_code)


def e911_attributes(address: EmergencyAddress, caller_name: str | None) -> dict[str, Any]:
    """An address as Flowroute's E911 record; the number's friendly name is who is at it."""
    first, _, last = (caller_name or "numberbot line").partition(" ")
    digest = hashlib.sha256(address.line().casefold().encode()).hexdigest()[:8]
    attributes: dict[str, Any] = {
        "label": f"numberbot {digest} {address.street}"[:60],
        "first_name": first,
        "last_name": last or first,
        "street_number": int(address.street_number),  # an integer in Flowroute's reference
        "street_name": address.street_name,
        "city": address.city,
        "state": address.state,
        "country": address.country,
        "zip": address.postal_code,
    }
    if address.unit_type and address.unit:
        attributes.update(address_type=address.unit_type, address_type_number=address.unit)
    return attributes


def e911_summary(document: dict[str, Any]) -> E911Status:
    """What a number's document says of its E911 address (the address only when included)."""
    related = _related(document, "e911_address")
    if related is None:
        return E911Status(registered=False)
    return E911Status(registered=True, address=_line(related[1]) if related[1] else None)


def _caller_name(record: dict[str, Any] | None, *, attached: bool, lookup: bool | None) -> CallerName:
    if record is None:
        return CallerName(state="active" if attached else None, inbound_lookup=lookup)
    name = " ".join(str(record.get("value") or "").split()) or None
    if record.get("is_approved") is True:
        state = "active" if attached else "pending"  # approved, but not on the number yet
        return CallerName(name=name, state=state, inbound_lookup=lookup)
    reason = record.get("rejection_reason")
    if reason:
        return CallerName(name=name, state="rejected", reason=str(reason)[:200], inbound_lookup=lookup)
    return CallerName(name=name, state="pending", inbound_lookup=lookup)


def cnam_summary(document: dict[str, Any]) -> CallerName:
    """What a number's document says of its caller-ID name (the name only when included)."""
    lookup = ((document.get("data") or {}).get("attributes") or {}).get("cnam_lookups_enabled")
    related = _related(document, "cnam_preset")
    attached = related is not None
    record = related[1] if related else None
    return _caller_name({**record, "is_approved": True} if record else None, attached=attached, lookup=lookup)


class FlowrouteFeatures:
    """E911 and CNAM, mixed into FlowrouteProvider and using its wire helpers: `_details`,
    `_read`, `_send`, `_paged` and `_raise_for_status` (so auth, retries and errors stay one)."""

    label: str

    async def _document(self, e164: str) -> dict[str, Any]:
        document = await self._details(e164)
        if document is None:
            raise ProviderRefused(self.label, f"{e164} is not on the Flowroute account")
        return document

    def _refused(self, response: httpx.Response, action: str) -> ProviderRefused:
        self._raise_for_status(response, action)
        return ProviderRefused(self.label, f"{action}: {error_reason(response)}")

    async def _read_one(self, path: str, action: str) -> dict[str, Any]:
        """A record's attributes (`GET /v2/e911s/{id}`, `GET /v2/cnams/{id}`)."""
        data = _data(await self._read(path, action=action)) or {}
        return data.get("attributes") or {}

    # -- e911 ----------------------------------------------------------------------------

    async def e911(self, e164: str) -> E911Status:
        document = await self._document(e164)
        related = _related(document, "e911_address")
        if related is None:
            return E911Status(registered=False)
        attributes = related[1] or await self._read_one(f"/v2/e911s/{related[0]}", f"reading the E911 of {e164}")
        return E911Status(registered=True, address=_line(attributes))

    async def set_e911(self, e164: str, address: EmergencyAddress, caller_name: str | None) -> E911Status:
        await self._document(e164)
        attributes = e911_attributes(address, caller_name)
        body = {"data": {"type": "e911", "attributes": attributes}}
        response = await self._send("POST", "/v2/e911s/validate", body, action="validating the address")
        if not response.is_success:
            raise self._refused(response, "Flowroute could not validate the address")
        record = await self._find_e911(attributes) or await self._create_e911(body, attributes)
        action = f"attaching the E911 address to {e164}"
        path = f"/v2/numbers/{number_id(e164)}/relationships/e911s/{record}"
        try:
            response = await self._send("PATCH", path, action=action)
        except OutcomeUnknown:
            if (_related(await self._document(e164), "e911_address") or ("",))[0] != record:
                raise OutcomeUnknown(self.label, f"{action} got no answer; run the command again") from None
        else:
            if not response.is_success:
                raise self._refused(response, f"could not attach the E911 address to {e164}")
        return E911Status(registered=True, address=_line(attributes))

    async def _find_e911(self, attributes: dict[str, Any]) -> str | None:
        params = {"state": attributes["state"]}
        records = await self._paged("/v2/e911s", params, action="listing the E911 addresses")
        wanted = _key(attributes)
        return next((str(r["id"]) for r in records if _key(r.get("attributes") or {}) == wanted), None)

    async def _create_e911(self, body: dict[str, Any], attributes: dict[str, Any]) -> str:
        action = "creating the E911 address"
        try:
            response = await self._send("POST", "/v2/e911s", body, action=action)
        except OutcomeUnknown:
            response = None
        created = _data(parse_document(response)) if response is not None and response.is_success else None
        if created is not None:
            return str(created["id"])
        # Lost, or refused (another process may have created it first): look again.
        found = await self._find_e911(attributes)
        if found is not None:
            return found
        if response is None or response.is_success:
            raise OutcomeUnknown(self.label, f"{action} got no usable answer; run the command again")
        raise self._refused(response, "Flowroute refused the address")

    async def clear_e911(self, e164: str) -> None:
        await self._detach(e164, "e911_address", "e911s", "E911 address")

    async def _detach(self, e164: str, related: str, relationship: str, what: str) -> None:
        """`DELETE /v2/numbers/{id}/relationships/{relationship}`, when the number has one."""
        if _related(await self._document(e164), related) is None:
            return
        path = f"/v2/numbers/{number_id(e164)}/relationships/{relationship}"
        response = await self._send("DELETE", path, action=f"removing the {what} of {e164}")
        if not response.is_success:
            raise self._refused(response, f"could not remove the {what} of {e164}")

    # -- cnam ----------------------------------------------------------------------------

    async def cnam(self, e164: str) -> CallerName:
        return await self._cnam_of(await self._document(e164), e164)

    async def _cnam_of(self, document: dict[str, Any], e164: str) -> CallerName:
        summary = cnam_summary(document)
        related = _related(document, "cnam_preset")
        if related is None or related[1] is not None:
            return summary
        record = await self._read_one(f"/v2/cnams/{related[0]}", f"reading the caller-ID name of {e164}")
        return _caller_name(record, attached=True, lookup=summary.inbound_lookup)

    async def _find_cnam(self, name: str) -> dict[str, Any] | None:
        records = await self._paged("/v2/cnams", {"value": name}, action="listing the CNAM records")
        return next((r for r in records if _same((r.get("attributes") or {}).get("value")) == _same(name)), None)

    async def set_cnam(self, e164: str, name: str) -> CallerName:
        document = await self._document(e164)
        current = await self._cnam_of(document, e164)
        if current.state == "active" and _same(current.name) == _same(name):
            return current
        lookup = current.inbound_lookup
        record = await self._find_cnam(name) or await self._create_cnam(name)
        status = _caller_name(record.get("attributes") or {}, attached=False, lookup=lookup)
        if (record.get("attributes") or {}).get("is_approved") is not True:
            return status  # pending review, or rejected
        action = f"attaching the caller-ID name to {e164}"
        path = f"/v2/numbers/{number_id(e164)}/relationships/cnams/{record['id']}"
        response = await self._send("PATCH", path, action=action)
        if not response.is_success:
            raise self._refused(response, f"could not attach the caller-ID name to {e164}")
        return status.model_copy(update={"state": "active"})

    async def _create_cnam(self, name: str) -> dict[str, Any]:
        action = "creating the CNAM record"
        try:
            response = await self._send("POST", "/v2/cnams", {"value": name}, action=action)
        except OutcomeUnknown:
            response = None
        if response is not None and not response.is_success:
            raise self._refused(response, "Flowroute refused the caller-ID name")
        created = _data(parse_document(response)) if response is not None else None
        found = created or await self._find_cnam(name)  # lost or unreadable: look again
        if found is None:
            raise OutcomeUnknown(self.label, f"{action} got no usable answer; run the command again")
        return found

    async def clear_cnam(self, e164: str) -> None:
        await self._detach(e164, "cnam_preset", "cnams", "caller-ID name")

    async def set_cnam_lookup(self, e164: str, enabled: bool) -> None:
        await self._document(e164)
        action = f"switching caller-name lookup on {e164}"
        body = {"type": "number", "cnam_lookups_enabled": enabled}
        try:
            response = await self._send("PATCH", f"/v2/numbers/{number_id(e164)}", body, action=action)
        except OutcomeUnknown:
            if cnam_summary(await self._document(e164)).inbound_lookup is not enabled:
                raise
            return
        if not response.is_success:
            raise self._refused(response, f"could not switch caller-name lookup on {e164}")


def _data(document: dict[str, Any]) -> dict[str, Any] | None:
    """A single document's resource, or None when the answer does not carry one."""
    data = document.get("data")
    return data if isinstance(data, dict) and data.get("id") is not None else None
