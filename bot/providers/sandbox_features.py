"""The sandbox's simulated emergency addresses, caller-ID names and account balance.

Like a real carrier it refuses what a geocoder or a reviewer would: an address whose ZIP code
(or Canadian postal code) does not belong to its state or province is "not found", toll-free
numbers take no E911 address, and a caller-ID name that impersonates an authority is rejected.
A new name is pending for `cnam_review_seconds` (as Flowroute's review is) and attached the
next time it is asked for after that. The account starts with STARTING_CREDIT in USD; each
number it owns priced in USD has spent its first month and setup from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot import keys
from bot.errors import ProviderRefused
from bot.models import CallerName, E911Status, EmergencyAddress, Money, NumberType, Offer

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["STARTING_CREDIT", "SandboxFeatures", "zip_belongs"]

STARTING_CREDIT = Money(amount=Decimal("10.00"), currency="USD")
CNAM_REVIEW_SECONDS = 20.0
# What a simulated reviewer refuses: names that pass for an authority (Flowroute's rules).
_MISLEADING = ("POLICE", "SHERIFF", "FBI", "911", "WHITE HOUSE", "IRS")

# The first digit of a US ZIP code by state (USPS national areas), and the first letter of a
# Canadian postal code by province.
_ZIP_AREAS = {
    "0": "CT MA ME NH NJ PR RI VT",
    "1": "DE NY PA",
    "2": "DC MD NC SC VA WV",
    "3": "AL FL GA MS TN",
    "4": "IN KY MI OH",
    "5": "IA MN MT ND SD WI",
    "6": "IL KS MO NE",
    "7": "AR LA OK TX",
    "8": "AZ CO ID NM NV UT WY",
    "9": "AK CA HI OR WA",
}
_STATE_ZIP = {state: digit for digit, states in _ZIP_AREAS.items() for state in states.split()}
_PROVINCE_POSTAL = {
    "NL": "A", "NS": "B", "PE": "C", "NB": "E", "QC": "GHJ", "ON": "KLMNP", "MB": "R", "SK": "S",
    "AB": "T", "BC": "V", "NT": "X", "NU": "X", "YT": "Y",
}  # fmt: skip


def zip_belongs(address: EmergencyAddress) -> bool:
    """Whether the ZIP or postal code can be in the address's state or province."""
    first = address.postal_code[:1]
    if address.country == "US":
        return _STATE_ZIP.get(address.state) == first
    return first in _PROVINCE_POSTAL.get(address.state, "")


class SandboxFeatures:
    """E911, CNAM and balance for the sandbox adapter (which provides `redis` and `label`)."""

    redis: RedisClient
    label: str
    clock: Callable[[], datetime]
    cnam_review_seconds: float

    async def _owned_offer(self, e164: str) -> Offer:
        raw = await self.redis.hget(keys.sandbox_owned(), e164)
        if raw is None:
            raise ProviderRefused(self.label, f"{e164} is not on the sandbox account")
        return Offer.model_validate(json.loads(raw)["offer"])

    # -- e911 ------------------------------------------------------------------------------

    async def e911(self, e164: str) -> E911Status:
        await self._owned_offer(e164)
        return e911_status(await self.redis.hget(keys.sandbox_e911(), e164))

    async def set_e911(self, e164: str, address: EmergencyAddress, caller_name: str | None) -> E911Status:
        offer = await self._owned_offer(e164)
        if offer.type is NumberType.tollfree:
            raise ProviderRefused(self.label, "toll-free numbers take no E911 address (simulated)")
        if not zip_belongs(address):
            raise ProviderRefused(
                self.label,
                f"the address could not be found: {address.zip} is not a postal code of {address.state} (simulated)",
            )
        record = {"address": address.line(), "name": caller_name or "numberbot", "at": self.clock().isoformat()}
        await self.redis.hset(keys.sandbox_e911(), e164, json.dumps(record))
        return e911_status(json.dumps(record))

    async def clear_e911(self, e164: str) -> None:
        await self._owned_offer(e164)
        await self.redis.hdel(keys.sandbox_e911(), e164)

    # -- cnam ------------------------------------------------------------------------------

    async def _cnam_record(self, e164: str) -> dict[str, Any]:
        await self._owned_offer(e164)
        raw = await self.redis.hget(keys.sandbox_cnam(), e164)
        return json.loads(raw) if raw else {}

    async def cnam(self, e164: str) -> CallerName:
        return caller_name(await self._cnam_record(e164))

    async def set_cnam(self, e164: str, name: str) -> CallerName:
        record = await self._cnam_record(e164)
        if record.get("name") != name:
            record.update(name=name, asked=self.clock().isoformat())
            rejected = next((word for word in _MISLEADING if word in name.upper()), None)
            record["rejected"] = f"names that pass for an authority ({rejected}) are refused" if rejected else None
        review = timedelta(seconds=self.cnam_review_seconds)
        if not record.get("rejected") and self.clock() - datetime.fromisoformat(record["asked"]) >= review:
            record["attached"] = True
        await self.redis.hset(keys.sandbox_cnam(), e164, json.dumps(record))
        return caller_name(record)

    async def clear_cnam(self, e164: str) -> None:
        record = await self._cnam_record(e164)
        kept = {"lookup": record["lookup"]} if "lookup" in record else {}
        await self.redis.hset(keys.sandbox_cnam(), e164, json.dumps(kept))

    async def set_cnam_lookup(self, e164: str, enabled: bool) -> None:
        record = await self._cnam_record(e164)
        await self.redis.hset(keys.sandbox_cnam(), e164, json.dumps({**record, "lookup": enabled}))

    # -- balance ---------------------------------------------------------------------------

    async def balance(self) -> Money:
        owned = await self.redis.hgetall(keys.sandbox_owned())
        spent = Decimal(0)
        for raw in owned.values():
            offer = Offer.model_validate(json.loads(raw)["offer"])
            spent += sum((m.amount for m in (offer.monthly, offer.setup) if m and m.currency == "USD"), Decimal(0))
        return Money(amount=STARTING_CREDIT.amount - spent, currency=STARTING_CREDIT.currency)


def e911_status(raw: str | None) -> E911Status:
    if not raw:
        return E911Status(registered=False)
    return E911Status(registered=True, address=json.loads(raw)["address"], state="simulated")


def caller_name(record: dict[str, Any]) -> CallerName:
    """What the sandbox's record of a number's name says now."""
    lookup = bool(record.get("lookup", False))
    if not record.get("name"):
        return CallerName(inbound_lookup=lookup)
    if record.get("rejected"):
        return CallerName(name=record["name"], state="rejected", reason=record["rejected"], inbound_lookup=lookup)
    state = "active" if record.get("attached") else "pending"
    return CallerName(name=record["name"], state=state, inbound_lookup=lookup)
