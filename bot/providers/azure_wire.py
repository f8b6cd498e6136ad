"""Reading Azure Communication Services Phone Numbers payloads (api-version 2025-06-01).

Pure functions, no I/O: numbers, costs, capabilities and error bodies as Azure sends them,
turned into the bot's models. Prices stay exact (JSON numbers are parsed as ``Decimal``); a
cost that is missing, not monthly or unreadable is unknown (None), never 0.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.models import Feature, Money, NumberType, OwnedNumber
from bot.phone import country_of, to_e164
from bot.providers.http import json_object
from bot.providers.money import parse_money

__all__ = [
    "TYPES",
    "capabilities_of",
    "describe_error",
    "features_of",
    "monthly_cost",
    "operation_id",
    "owned_number",
    "parse_time",
    "reason",
    "type_of",
]

TYPES: dict[NumberType, str] = {
    NumberType.local: "geographic",
    NumberType.tollfree: "tollFree",
    NumberType.mobile: "mobile",
}
_TYPES_BACK = {wire.lower(): ours for ours, wire in TYPES.items()}
_URL = re.compile(r"\b[a-z][a-z0-9+.\-]*://\S+", re.IGNORECASE)
_OPERATION_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,200}$")


def _clean(raw: object, limit: int = 300) -> str:
    """One line of provider text, with any URL taken out (they can carry tokens)."""
    text = _URL.sub("[link]", " ".join(str(raw or "").split()))
    return text[:limit]


def describe_error(error: object) -> str | None:
    """`{"code", "message"}` as one line: "message (code)"."""
    if not isinstance(error, dict):
        return None
    message, code = _clean(error.get("message")), _clean(error.get("code"), 80)
    if message and code and code.lower() not in message.lower():
        return f"{message} ({code})"
    return message or code or None


def reason(response: httpx.Response) -> str:
    """Azure's own reason for an error answer, or its HTTP status."""
    return describe_error(json_object(response).get("error")) or f"HTTP {response.status_code}"


def monthly_cost(cost: object) -> Money | None:
    """`cost` {amount, currencyCode, billingFrequency} → monthly Money, else unknown."""
    if not isinstance(cost, dict) or str(cost.get("billingFrequency", "")).lower() != "monthly":
        return None
    return parse_money(cost.get("amount"), str(cost.get("currencyCode") or "").upper())


def capabilities_of(raw: dict[str, Any]) -> dict[str, str]:
    caps = raw.get("capabilities")
    caps = caps if isinstance(caps, dict) else {}
    return {"calling": str(caps.get("calling") or "none"), "sms": str(caps.get("sms") or "none")}


def features_of(raw: dict[str, Any]) -> frozenset[Feature]:
    caps = capabilities_of(raw)
    found = set()
    if caps["calling"].lower() != "none":
        found.add(Feature.voice)
    if caps["sms"].lower() != "none":
        found.add(Feature.sms)
    return frozenset(found)


def type_of(raw: dict[str, Any]) -> NumberType | None:
    return _TYPES_BACK.get(str(raw.get("phoneNumberType") or "").lower())


def parse_time(raw: object) -> datetime | None:
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def owned_number(provider: str, raw: dict[str, Any]) -> OwnedNumber | None:
    """A PurchasedPhoneNumber as the bot shows it; Azure numbers never forward."""
    e164 = to_e164(str(raw.get("phoneNumber") or raw.get("id") or ""))
    if e164 is None:
        return None
    caps = capabilities_of(raw)
    details = {"Azure capabilities": f"calling {caps['calling']} · SMS {caps['sms']}"}
    if raw.get("assignmentType"):
        details["Azure assignment"] = str(raw["assignmentType"])
    purchased = parse_time(raw.get("purchaseDate"))
    if purchased is not None:
        details["Purchased at Azure"] = purchased.strftime("%Y-%m-%d %H:%M UTC")
    return OwnedNumber(
        provider=provider,
        e164=e164,
        country=str(raw.get("countryCode") or "") or country_of(e164),
        type=type_of(raw),
        features=features_of(raw),
        monthly=monthly_cost(raw.get("cost")),
        details=details,
    )


def operation_id(response: httpx.Response) -> str | None:
    """The long-running operation an accepted (202) request started.

    Taken from ``operation-id``, else from the last segment of ``Operation-Location``; the
    bot polls it at its own endpoint and api-version, never at a URL from a response.
    """
    candidates = [response.headers.get("operation-id", "")]
    location = response.headers.get("operation-location")
    if location:
        candidates.append(urlsplit(location).path.rstrip("/").rpartition("/")[2])
    return next((c for c in (c.strip() for c in candidates) if _OPERATION_ID.match(c)), None)
