"""Kazoo's E911 address, caller-ID name and account balance, for the `kazoo` adapter.

Both features live on the number's document (crossbar ``phone_numbers`` schema): ``e911``
(``street_address``, ``extended_address``, ``locality``, ``region`` of 2 letters, ``postal_code``,
``plus_four``, ``caller_name`` of 3 or more characters; Kazoo adds ``status``, ``location_id``…
once its E911 provider geocoded it; older clusters called it ``dash_e911`` and Kazoo renames it)
and ``cnam`` (``display_name`` of 1–15 characters, ``inbound_lookup``). ``POST
/v2/accounts/{A}/phone_numbers/{N}`` *replaces* the number's public fields with what it is sent
(``knm_phone_number:reset_doc``), so the bot sends back the whole document it read with only its
change: a field left out (``cnam`` when setting ``e911``, a custom field) would be deleted. The
E911 provider validates the address when it is saved: an address it cannot place is answered
400 ``invalid data`` (``address.invalid``: "Location is not geocoded") or ``multiple_choice``
(more than one address matches), and nothing is saved. A feature the reseller does not allow
is missing from ``_read_only.features_available`` (4.x) or ``_read_only.features.available``
(5.x) and Kazoo answers 403; the bot says so first.

Balance: ``GET /v2/accounts/{A}/transactions/current_balance`` answers ``{"balance": dollars}``
(Kazoo 4.x); where that is gone (Kazoo 5 answers 404) ``GET …/ledgers/total`` answers
``{"amount": dollars}``. Read as USD, as the service plans are.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bot.errors import OutcomeUnknown, ProviderRefused, ProviderUnavailable
from bot.models import CallerName, E911Status, EmergencyAddress, Money
from bot.providers.http import json_object
from bot.providers.kazoo_api import succeeded

if TYPE_CHECKING:
    import httpx

    from bot.providers.kazoo_api import KazooApi

__all__ = ["KazooFeatures", "kazoo_cnam", "kazoo_e911"]

CURRENCY = "USD"
_COMPUTED = frozenset({"id", "used_by", "state", "features"})  # not public fields: never sent back
_E911_KEYS = ("e911", "dash_e911")


def _features(raw: Mapping[str, Any]) -> list[str]:
    features = raw.get("features")
    return [str(f) for f in features] if isinstance(features, list) else []


def _e911_of(raw: Mapping[str, Any]) -> Mapping[str, Any] | None:
    found = next((raw[k] for k in _E911_KEYS if isinstance(raw.get(k), Mapping) and raw[k]), None)
    return found if isinstance(found, Mapping) else None


def kazoo_e911(raw: Mapping[str, Any]) -> E911Status:
    """A number's E911 as its document (or, in a listing, its active features) says."""
    e911 = _e911_of(raw)
    if e911 is None:
        return E911Status(registered="e911" in _features(raw))
    street = " ".join(str(e911.get(k) or "") for k in ("street_address", "extended_address")).strip()
    place = " ".join(str(e911.get(k) or "") for k in ("region", "postal_code")).strip()
    line = ", ".join(p for p in (street, str(e911.get("locality") or ""), place) if p)
    status = e911.get("status")
    return E911Status(registered=True, address=line or None, state=str(status) if status else None)


def kazoo_cnam(raw: Mapping[str, Any]) -> CallerName:
    """A number's caller-ID name as its document (or, in a listing, its active features) says."""
    cnam = raw.get("cnam")
    features = _features(raw)
    if not isinstance(cnam, Mapping):
        active = "outbound_cnam" in features
        return CallerName(state="active" if active else None, inbound_lookup="inbound_cnam" in features)
    name = " ".join(str(cnam.get("display_name") or "").split()) or None
    return CallerName(name=name, state="active" if name else None, inbound_lookup=cnam.get("inbound_lookup") is True)


def _public(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The number's public fields, as POST takes them back."""
    return {k: v for k, v in doc.items() if not k.startswith(("_", "pvt_")) and k not in _COMPUTED}


def _available(doc: Mapping[str, Any]) -> list[str] | None:
    read_only = doc.get("_read_only")
    if not isinstance(read_only, Mapping):
        return None
    listed = read_only.get("features_available")
    if not isinstance(listed, list) and isinstance(read_only.get("features"), Mapping):
        listed = read_only["features"].get("available")
    return [str(f) for f in listed] if isinstance(listed, list) else None


def _holds(saved: object, sent: object) -> bool:
    """Whether what Kazoo saved is what was sent (Kazoo may add fields, such as an E911 status)."""
    if isinstance(sent, Mapping) and isinstance(saved, Mapping):
        return all(_holds(saved.get(k), v) for k, v in sent.items())
    return saved == sent


def _amount(raw: object) -> Decimal | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


class KazooFeatures:
    """E911, CNAM and balance, mixed into KazooProvider (which provides `_api` and `label`)."""

    _api: KazooApi
    label: str

    def _path(self, e164: str) -> str:
        return f"/v2/accounts/{{account}}/phone_numbers/{quote(e164, safe='')}"

    async def _doc(self, e164: str) -> dict[str, Any]:
        action = f"looking up {e164}"
        response = await self._api.request("GET", self._path(e164), action=action)
        if response.status_code == 404:
            raise ProviderRefused(self.label, f"{e164} is not on the Kazoo account")
        if not succeeded(response):
            self._api.fail(response, action)
        data = json_object(response).get("data")
        if not isinstance(data, dict):
            raise ProviderUnavailable(self.label, f"{action}: the answer could not be read; try again later")
        return data

    async def _save(
        self, e164: str, doc: Mapping[str, Any], public: dict[str, Any], feature: str, what: str
    ) -> dict[str, Any]:
        """POST the number's public fields (all of them: POST replaces them); its saved document."""
        available = _available(doc)
        if available is not None and feature not in available:
            raise ProviderRefused(self.label, f"Kazoo does not offer {what} on {e164}; ask your Kazoo reseller")
        action = f"saving the {what} of {e164}"
        try:
            response = await self._api.request(
                "POST", self._path(e164), body={"data": public}, action=action, write=True
            )
        except OutcomeUnknown:
            saved = _public(await self._doc(e164))
            if saved.keys() == public.keys() and _holds(saved, public):
                return saved
            raise OutcomeUnknown(self.label, f"{action} got no answer; run the command again") from None
        if not succeeded(response):
            self._refuse(response, action)
        data = json_object(response).get("data")
        return data if isinstance(data, dict) else dict(public)

    def _refuse(self, response: httpx.Response, action: str) -> None:
        data = json_object(response).get("data")
        choice = data.get("multiple_choice") if isinstance(data, Mapping) else None
        if response.status_code == 400 and isinstance(choice, Mapping):
            found = (choice.get("e911") or {}).get("details") if isinstance(choice.get("e911"), Mapping) else None
            count = len(found) if isinstance(found, list) else "several"
            raise ProviderRefused(
                self.label, f"the address matches {count} places; add the unit or write the street in full"
            )
        self._api.fail(response, action)

    # -- e911 ----------------------------------------------------------------------------

    async def e911(self, e164: str) -> E911Status:
        return kazoo_e911(await self._doc(e164))

    async def set_e911(self, e164: str, address: EmergencyAddress, caller_name: str | None) -> E911Status:
        doc = await self._doc(e164)
        e911: dict[str, Any] = {
            "street_address": address.street,
            "locality": address.city,
            "region": address.state,
            "postal_code": address.postal_code,
        }
        if address.extended:
            e911["extended_address"] = address.extended
        if address.plus_four:
            e911["plus_four"] = address.plus_four
        if caller_name and len(caller_name) >= 3:  # else Kazoo names the account (its schema: 3 or more)
            e911["caller_name"] = caller_name
        public = {k: v for k, v in _public(doc).items() if k not in _E911_KEYS}
        return kazoo_e911(await self._save(e164, doc, {**public, "e911": e911}, "e911", "E911 address"))

    async def clear_e911(self, e164: str) -> None:
        doc = await self._doc(e164)
        if _e911_of(doc) is None:
            return
        public = {k: v for k, v in _public(doc).items() if k not in _E911_KEYS}
        await self._save(e164, doc, public, "e911", "E911 address")

    # -- cnam ----------------------------------------------------------------------------

    async def cnam(self, e164: str) -> CallerName:
        return kazoo_cnam(await self._doc(e164))

    async def _set_cnam_fields(self, e164: str, **changes: object) -> CallerName:
        doc = await self._doc(e164)
        public = _public(doc)
        current = public.get("cnam") if isinstance(public.get("cnam"), Mapping) else {}
        cnam = {k: v for k, v in {**current, **changes}.items() if v is not None}
        public = {k: v for k, v in public.items() if k != "cnam"} | ({"cnam": cnam} if cnam else {})
        return kazoo_cnam(await self._save(e164, doc, public, "cnam", "caller-ID name"))

    async def set_cnam(self, e164: str, name: str) -> CallerName:
        return await self._set_cnam_fields(e164, display_name=name)

    async def clear_cnam(self, e164: str) -> None:
        await self._set_cnam_fields(e164, display_name=None)

    async def set_cnam_lookup(self, e164: str, enabled: bool) -> None:
        await self._set_cnam_fields(e164, inbound_lookup=enabled)

    # -- balance -------------------------------------------------------------------------

    async def balance(self) -> Money:
        action = "reading the account balance"
        sources = (("/v2/accounts/{account}/transactions/current_balance", "balance"),
                   ("/v2/accounts/{account}/ledgers/total", "amount"))  # fmt: skip
        for path, field in sources:
            response = await self._api.request("GET", path, action=action)
            if response.status_code == 404:
                continue  # not on this Kazoo version: try the next
            if not succeeded(response):
                self._api.fail(response, action)
            data = json_object(response).get("data")
            amount = _amount(data.get(field)) if isinstance(data, Mapping) else None
            if amount is None:
                raise ProviderUnavailable(self.label, f"{action}: Kazoo's answer carried no amount")
            return Money(amount=amount, currency=CURRENCY)
        raise ProviderRefused(self.label, f"{action}: this Kazoo has no balance API")
